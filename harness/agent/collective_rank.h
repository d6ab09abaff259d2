// One rank of a collective test on an agent, and the setup the controller sends for it.
//
// The controller's setup message of a collective round carries "collective" (CollectiveSetup
// as JSON) beside the usual flows: every link of the schedule is a flow of role kCollective
// whose id is its index in patterns::CollectiveSchedule::flows(), so the agent's generic
// listen/connect step makes the connections and this class binds them to the executor.
//
// Lifecycle (the agent's session drives it): construct after the connections exist (throws
// ConfigError naming the rank/link when one is missing, TransportError when memory registration
// fails); start(start_mono) runs the rank on a worker thread from the common start time:
// warm-up and measured iterations (engine::CollectiveExecutor::run), then lingering (answering
// acks) until release(); finished() says the run part is over and result() returns what it
// measured. abort() ends both parts within about a millisecond. The destructor aborts and joins,
// so leaving the session early never leaves a thread behind.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json_fwd.hpp>

#include "generators/engine/collective_executor.h"
#include "generators/patterns/collective_schedule.h"
#include "generators/transport/transport.h"
#include "harness/protocol/collective_setup.h"

namespace fabcheck::agent {

using protocol::CollectiveSetup;

class CollectiveRank {
 public:
  // `connections` must hold every link of this rank (by flow id) and outlive the object.
  CollectiveRank(const CollectiveSetup& setup, const std::map<uint32_t, std::unique_ptr<transport::Connection>>& connections,
                 bool coalescing, bool segmentation, bool reliable_transport);
  ~CollectiveRank();
  CollectiveRank(const CollectiveRank&) = delete;
  CollectiveRank& operator=(const CollectiveRank&) = delete;

  void start(int64_t start_mono_ns);
  bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }
  // What the run measured; only once finished().
  const engine::CollectiveRankResult& result() const noexcept { return result_; }
  void release() noexcept { release_.store(true, std::memory_order_release); }
  void abort() noexcept { abort_.store(true, std::memory_order_release); }
  // Waits for the worker to end (after release() or abort(); lingering is bounded by the plan).
  void join();

 private:
  patterns::CollectiveSchedule schedule_;
  std::atomic<bool> abort_{false}, release_{false}, finished_{false};
  std::unique_ptr<engine::CollectiveExecutor> executor_;
  engine::CollectiveRankResult result_;
  std::thread worker_;
};

}  // namespace fabcheck::agent
