// Test support for the collective executor: connects every flow of a schedule over a real
// transport (loop or udp on 127.0.0.1) and runs every rank in its own thread.
#pragma once

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "generators/engine/collective_executor.h"
#include "generators/transport/transport.h"

namespace fabcheck::testing {

struct CollectiveMesh {
  std::unique_ptr<transport::Transport> transport;
  std::vector<patterns::CollectiveFlow> flows;
  std::vector<std::unique_ptr<transport::Connection>> senders, receivers;  // per flow
  std::vector<std::vector<engine::CollectiveLinkBinding>> bindings;         // per rank
};

inline CollectiveMesh makeCollectiveMesh(const patterns::CollectiveSchedule& s, const std::string& name,
                                         const transport::TransportOptions& options = {}) {
  CollectiveMesh m;
  m.transport = transport::createTransport(name, options);
  m.flows = s.flows();
  for (size_t i = 0; i < m.flows.size(); ++i) {
    auto listener = m.transport->listen({"127.0.0.1", 0});
    auto accepted = std::async(std::launch::async, [&] { return listener->accept(5'000'000'000); });
    m.senders.push_back(m.transport->connect(listener->endpoint(), {}));
    m.receivers.push_back(accepted.get());
  }
  for (int r = 0; r < s.ranks(); ++r) {
    auto b = engine::collectiveBindings(m.flows, r);
    for (auto& l : b) {
      l.connection = l.outgoing ? m.senders[l.flow_id].get() : m.receivers[l.flow_id].get();
    }
    m.bindings.push_back(std::move(b));
  }
  return m;
}

// Runs every rank (optionally only those `runs` says) in a thread; ranks linger until all are done.
// `tune` may adjust each rank's plan (e.g. slow one link).
inline std::vector<engine::CollectiveRankResult> runCollectiveMesh(
    const patterns::CollectiveSchedule& s, CollectiveMesh& m, engine::CollectiveRunPlan base,
    const std::function<void(engine::CollectiveRunPlan&)>& tune = {}) {
  const int n = s.ranks();
  std::atomic<bool> abort{false}, release{false};
  std::atomic<int> finished{0};
  std::vector<engine::CollectiveRankResult> results(static_cast<size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      engine::CollectiveRunPlan plan = base;
      plan.rank = r;
      plan.links = m.bindings[static_cast<size_t>(r)];
      if (tune) tune(plan);
      engine::CollectiveExecutor exec(s, plan, abort);
      results[static_cast<size_t>(r)] = exec.run();
      // The last rank to finish releases the others (they keep acknowledging until then).
      if (finished.fetch_add(1) + 1 == n) release.store(true);
      exec.linger(release);
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace fabcheck::testing
