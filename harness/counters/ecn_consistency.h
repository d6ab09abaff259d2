// ECN sanity over a test (docs/metrics.md "ECN"): in RoCE congestion control (DCQCN) a
// receiver's NIC that gets a CE-marked packet sends a CNP to the sender (the notification
// point, NP), whose NIC lowers its rate on it (the reaction point, RP). Over the participants:
//   marked  = Σ nic.ecn_marked_packets  (NP: CE-marked RoCE packets received)
//   sent    = Σ nic.cnp_sent            (NP: CNPs sent)
//   handled = Σ nic.cnp_handled         (RP: CNPs acted on)
// Expected: marks ≥ CNPs sent (NICs coalesce: mlx5 sends at most one CNP per QP per
// min_time_between_cnps), CNPs sent > 0 when anything was marked, and handled ≈ sent (CNPs
// lost on the way, or an RP with congestion control off, break it).
//
// Contract: consistency(marked, sent, handled, tolerance) → ratios (absent when their
// denominator is 0) and `consistent` with one line per broken expectation in `problems`.
// Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fabcheck::counters {

struct EcnConsistency {
  std::optional<double> cnp_per_mark;       // sent / marked
  std::optional<double> handled_per_cnp;    // handled / sent
  bool consistent = true;
  std::vector<std::string> problems;
};

EcnConsistency ecnConsistency(double marked, double cnp_sent, double cnp_handled, double tolerance = 0.1);

}  // namespace fabcheck::counters
