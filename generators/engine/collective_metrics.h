// Derived metrics of one collective at one size, from every rank's result (pure).
//
// As nccl-tests: time_us = mean over measured iterations of the slowest rank's iteration time;
// algbw = S / time; busbw = algbw × patterns::busbwFactor(kind, n). Bandwidths here are GB/s
// (10^9 bytes/s, as nccl-tests prints them: _gbytes_s); link rates are Gbit/s (_gbit_s).
// p50/p99 (nearest rank) and the coefficient of variation (population stddev / mean) are over
// the same per-iteration times. `algorithm` is what the ranks' schedules ran
// (patterns::CollectiveSchedule::algorithmRun(), reported by each rank's executor).
//
// Where the time went:
// - link rate = bytes × 8 / busy_ns of every outgoing link (busy = data unsent or unacknowledged):
//   a link slower than straggler_link_ratio × the median link rate (the mean of the middle two
//   for an even count) is a straggler; the slowest
//   such link is named (from → to) and its sender is the straggler rank, unless several links
//   are that slow and one rank is in every one of them (a slow host: its links in and out),
//   which is then the straggler rank.
// - slowest step = the (rank, step) with the largest mean step time; its link is the peer whose
//   data completed that step last (wait_peer) → that rank.
// - slowest_rank = the straggler rank when there is one, else the rank with the largest mean
//   iteration time.
// Ranks with an error are listed in `errors` and still contribute what they measured.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "generators/engine/collective_results.h"

namespace fabcheck::engine {

struct CollectiveMetricsOptions {
  double straggler_link_ratio = 0.5;  // a link below this × median link rate is a straggler
};

struct CollectiveMetrics {
  std::string kind, algorithm;
  int ranks = 0;
  uint64_t size_bytes = 0;
  uint64_t iterations = 0;           // iterations every rank measured
  double time_us = 0;
  double algbw_gbytes_s = 0;         // GB/s
  double busbw_gbytes_s = 0;         // GB/s
  double p50_us = 0, p99_us = 0;
  double cv = 0;
  int slowest_rank = -1;
  int slowest_step = -1;             // step index in slowest_step_to's schedule
  int slowest_step_from = -1;        // the link: data from this rank ...
  int slowest_step_to = -1;          // ... to this rank
  double slowest_step_us = 0;        // its mean time
  bool straggler = false;
  int straggler_rank = -1;
  size_t straggler_links = 0;        // links below straggler_link_ratio × the median
  int straggler_link_from = -1, straggler_link_to = -1;
  double straggler_link_gbit_s = 0;
  double median_link_gbit_s = 0;
  uint64_t bytes_sent = 0;           // over all ranks, warm-up included
  uint64_t retransmissions = 0, timeouts = 0, corrupted_bytes = 0;
  std::vector<std::string> errors;   // "rank 3: ..." per rank that failed
};

CollectiveMetrics deriveCollectiveMetrics(std::span<const CollectiveRankResult> ranks,
                                          const CollectiveMetricsOptions& options = {});

void to_json(nlohmann::json& j, const CollectiveMetrics& m);

}  // namespace fabcheck::engine
