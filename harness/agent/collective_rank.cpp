#include "harness/agent/collective_rank.h"

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "generators/pacing/wait.h"

namespace fabcheck::agent {

using nlohmann::json;

CollectiveRank::CollectiveRank(const CollectiveSetup& setup,
                               const std::map<uint32_t, std::unique_ptr<transport::Connection>>& connections, bool coalescing,
                               bool segmentation, bool reliable_transport)
    : schedule_(setup.params, setup.ranks) {
  engine::CollectiveRunPlan plan;
  plan.rank = setup.rank;
  const auto flows = schedule_.flows();
  plan.links = engine::collectiveBindings(flows, setup.rank);
  for (auto& b : plan.links) {
    const auto it = connections.find(b.flow_id);
    if (it == connections.end() || !it->second) {
      throw ConfigError("collective rank " + std::to_string(setup.rank) + ": no connection for flow " + std::to_string(b.flow_id) +
                        (b.outgoing ? " to" : " from") + " rank " + std::to_string(b.peer) + " channel " +
                        std::to_string(b.channel));
    }
    b.connection = it->second.get();
    if (b.outgoing) b.rate_bps = setup.link_rate_bps;
  }
  plan.message_bytes = setup.message_bytes;
  plan.window_bytes = setup.window_bytes;
  plan.coalescing = coalescing;
  plan.segmentation = segmentation;
  plan.reliable_transport = reliable_transport;
  plan.step_timeout_ns = setup.step_timeout_ns;
  // Linger at most as long as the controller may take to say every rank is done.
  plan.linger_ns = setup.timeout_ns;
  executor_ = std::make_unique<engine::CollectiveExecutor>(schedule_, plan, abort_);
}

CollectiveRank::~CollectiveRank() {
  abort();
  join();
}

void CollectiveRank::start(int64_t start_mono_ns) {
  worker_ = std::thread([this, start_mono_ns] {
    pacing::waitUntil(start_mono_ns);
    result_ = executor_->run();
    finished_.store(true, std::memory_order_release);
    executor_->linger(release_);
  });
}

void CollectiveRank::join() {
  if (worker_.joinable()) worker_.join();
}

}  // namespace fabcheck::agent
