// The collective executor: runs one rank's schedule over its connections.
//
// For each iteration (warm-up first, then measured) and each step of the rank's schedule
// (patterns::RankSchedule), it queues the step's sends on their links (segmented into messages
// of at most message_bytes, headers included; collective_link.h carries iteration, step and
// offset on the wire) and waits until the step's receives have arrived; an iteration ends when
// the last step's receives have arrived and every send of the iteration is acknowledged.
// Links are reliable and flow-controlled over any transport (collective_link.h), so UDP loss or
// a receiver's full socket buffer shows as counted retransmissions, not a hang.
//
// Every wait is bounded: a step (or the final acknowledgement) that cannot complete within
// step_timeout_ns ends the run with CollectiveRankResult::error naming the rank, iteration,
// step and the peers still missing (with bytes seen/expected). `abort` is checked at least
// every millisecond. After run(), linger() keeps acknowledging (so a peer whose last ack was
// lost can still finish) until `release` is set (the caller's "every rank is done" barrier),
// `abort` is set or linger_ns passed.
//
// Set-up throws ConfigError when a link the schedule needs is missing from `links` (naming
// rank, peer, channel and direction) or a size is out of range, and TransportError when
// memory registration fails. The run itself never throws.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "generators/engine/collective_results.h"
#include "generators/patterns/collective_schedule.h"
#include "generators/transport/transport.h"

namespace fabcheck::engine {

// One connection of this rank: data this rank → peer (outgoing) or peer → this rank.
struct CollectiveLinkBinding {
  int peer = 0;
  uint32_t channel = 0;
  bool outgoing = true;
  uint32_t flow_id = 0;
  transport::Connection* connection = nullptr;
  double rate_bps = 0;   // outgoing only: pace this link (a slowed link for tests/emulation); 0 = no limit
};

// The most unacknowledged bytes one rank keeps in flight over all its outgoing links.
constexpr uint64_t kMaxWindowTotalBytes = 64ull << 20;
// Largest segmented post (a run of messages) on a reliable transport that segments (tcp).
constexpr uint32_t kReliableMaxPostBytes = 1u << 20;

struct CollectiveRunPlan {
  int rank = 0;
  std::vector<CollectiveLinkBinding> links;
  uint32_t message_bytes = 8192;        // per message, 48 header bytes included; <= the transport's
                                        // max_message_bytes (the caller checks; oversize sends count
                                        // as send_errors and end in a timeout)
  // Unacknowledged bytes per outgoing link (flow control), at most kMaxWindowTotalBytes over all
  // of the rank's outgoing links together (a 1024-rank all-to-all gets less per link), and at
  // least two messages. Keep it below the transport's socket buffer (UDP: 4 MiB).
  uint32_t window_bytes = 2 << 20;
  bool coalescing = false;              // transport may coalesce receives (GRO): 64 KiB buffers
  bool segmentation = false;            // transport segments posts (GSO): runs of messages in one post
  bool reliable_transport = false;      // transport delivers or fails (verbs RC): no acks of our own
  int64_t rto_ns = 5'000'000;           // least retransmission timeout (above it: srtt + 4 rttvar)
  int64_t max_rto_ns = 1'000'000'000;
  int64_t step_timeout_ns = 10'000'000'000;
  int64_t linger_ns = 5'000'000'000;    // keep acking after the end until `release`, at most this
};

// The bindings rank `rank` needs, from the controller's flow list (flow id = index). The
// caller fills in `connection`.
std::vector<CollectiveLinkBinding> collectiveBindings(std::span<const patterns::CollectiveFlow> flows, int rank);

class CollectiveExecutor {
 public:
  // Builds this rank's schedule and links (throws ConfigError / TransportError, see above).
  // `abort` must outlive the executor.
  CollectiveExecutor(const patterns::CollectiveSchedule& schedule, const CollectiveRunPlan& plan,
                     const std::atomic<bool>& abort);
  ~CollectiveExecutor();
  CollectiveExecutor(const CollectiveExecutor&) = delete;
  CollectiveExecutor& operator=(const CollectiveExecutor&) = delete;

  // Runs the warm-up and measured iterations once; never throws.
  CollectiveRankResult run();
  // Keeps the links answering until `release`, abort or linger_ns; never throws.
  void linger(const std::atomic<bool>& release);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// CollectiveExecutor(schedule, plan, abort).run(), without lingering.
CollectiveRankResult runCollectiveRank(const patterns::CollectiveSchedule& schedule, const CollectiveRunPlan& plan,
                                       const std::atomic<bool>& abort);

}  // namespace fabcheck::engine
