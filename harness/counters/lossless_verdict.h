// The lossless verdict of a test (issue "PFC, ECN and lossless verdicts"; docs/metrics.md
// "Lossless"): for a lossless traffic class the fabric must lose nothing, which fabcheck checks
// from three sides at once —
//   1. the traffic: no message lost (the test's own lost_packets, when its pattern counts them);
//   2. every participant's NIC: no rise of a discard or sequence-error counter
//      (losslessCounterMetrics(): discards, RDMA out-of-sequence / sequence-error NAKs,
//      receive-buffer drops, port transmit discards);
//   3. no PFC storm (pfc_storm.h) and no pause-storm error event on any participant's NIC, on
//      the priorities judged (all when none are listed).
//
// Contract of losslessVerdict():
// - known = false (the verdict metric is then absent, its SLO skipped with why_unknown) when a
//   host has none of the NIC counters of (2): without them a lossless claim would rest on the
//   traffic alone, which RDMA's own retransmission hides. Counters a host lacks among several
//   are listed in `not_checked`.
// - Each violation is one line naming the host, the metric, by how much it rose and the raw
//   counters that made it rise ("h1: nic.discards rose by 12 (rx_discards_phy{dev=eth0}: 12)"),
//   or the storm (host, NIC, priority, duty, length, offset from the first sample).
// - Pure: no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/counters/flat_metrics.h"
#include "harness/counters/pfc_storm.h"

namespace fabcheck::counters {

// The flat metrics of (2), in the order they are reported.
const std::vector<std::string>& losslessCounterMetrics();

struct LosslessHost {
  std::string host;                                             // as reports name it
  std::map<std::string, double> metrics;                        // this host's flat metrics over the test
  std::map<std::string, std::string> missing;                   // flat metric → why absent
  std::map<std::string, std::vector<Contribution>> contributors;
  std::optional<PfcStormResult> storm;                          // nullopt: storms not judged ...
  std::string storm_not_judged;                                 // ... and why
  int64_t first_sample_mono_ns = 0;                             // storms are reported from here
};

struct LosslessInput {
  std::vector<LosslessHost> hosts;
  std::optional<double> lost_packets;  // the traffic's; nullopt: the pattern does not count loss
  std::vector<int> priorities;         // judged priorities; empty: all
};

struct LosslessVerdict {
  bool known = false;
  std::string why_unknown;
  std::vector<std::string> violations;
  std::vector<std::string> checked;      // "traffic loss", "h1: nic.discards", "h1: PFC storms" ...
  std::vector<std::string> not_checked;  // "h1: nic.rdma.out_of_sequence (no counter ...)"
  bool ok() const { return known && violations.empty(); }
};

LosslessVerdict losslessVerdict(const LosslessInput& input);

}  // namespace fabcheck::counters
