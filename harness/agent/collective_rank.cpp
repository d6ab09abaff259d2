#include "harness/agent/collective_rank.h"

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "generators/pacing/wait.h"

namespace fabcheck::agent {

using nlohmann::json;

void to_json(json& j, const CollectiveSetup& s) {
  j = json{{"params", s.params},
           {"ranks", s.ranks},
           {"rank", s.rank},
           {"link_rate_bps", s.link_rate_bps},
           {"message_bytes", s.message_bytes},
           {"window_bytes", s.window_bytes},
           {"step_timeout_ns", s.step_timeout_ns},
           {"timeout_ns", s.timeout_ns}};
}

void from_json(const json& j, CollectiveSetup& s) {
  try {
    j.at("params").get_to(s.params);
    j.at("ranks").get_to(s.ranks);
    j.at("rank").get_to(s.rank);
    j.at("link_rate_bps").get_to(s.link_rate_bps);
    j.at("message_bytes").get_to(s.message_bytes);
    j.at("window_bytes").get_to(s.window_bytes);
    j.at("step_timeout_ns").get_to(s.step_timeout_ns);
    j.at("timeout_ns").get_to(s.timeout_ns);
  } catch (const json::exception& e) {
    throw ProtocolError(std::string("malformed collective setup: ") + e.what());
  }
  if (s.ranks < 2 || s.rank < 0 || s.rank >= s.ranks || s.step_timeout_ns <= 0 || s.timeout_ns <= 0) {
    throw ProtocolError("malformed collective setup: rank " + std::to_string(s.rank) + " of " + std::to_string(s.ranks) +
                        " ranks, step timeout " + std::to_string(s.step_timeout_ns) + " ns, timeout " +
                        std::to_string(s.timeout_ns) + " ns");
  }
}

CollectiveRank::CollectiveRank(const CollectiveSetup& setup,
                               const std::map<uint32_t, std::unique_ptr<transport::Connection>>& connections, bool coalescing,
                               bool segmentation)
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
