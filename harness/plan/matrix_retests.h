// Confirming a pairwise matrix's outliers before they are blamed, as NVIDIA ClusterKit does
// (pure, no I/O; the controller runs the rounds, harness/controller/outlier_retests.h, and the
// results report them, harness/results/matrix_outliers.h).
//
// A matrix test (placement matrix) first runs every pair once, in rounds that are matchings.
// Each unordered pair has one value: its throughput (the worse of its two directions when both
// ran), or, for a latency-only matrix (pingpong), its round-trip p50. The reference is the
// first pass's median pair — with an even number of pairs, the better of the two middle ones —
// and a pair is outside the tolerance when its throughput is below ratio × reference, or its
// latency above reference / ratio. The better middle value keeps the reference a healthy pair
// as long as at most half the pairs are bad: one bad host of 4 is in 3 of the 6 pairs, and the
// plain median (the mean of a bad and a good pair) would sit halfway down toward the bad ones.
//
// Each pair the first pass flagged is then run again, alone (its first-pass flows, same ids
// and parameters, nothing else running), up to `retests` times. A pair that measures inside
// the tolerance in a retest is cleared and not run again, so each retest pass runs only the
// pairs still flagged (ClusterKit halves the pairs each round; here the set shrinks as pairs
// recover). A pair is confirmed only when it was outside in every one of its `retests`
// retests; a retest that measured no value does not clear it. With retests = 0 the first pass
// decides alone.
//
// The retests are compared with the first pass's reference: a retest runs one pair, so it has no
// population of its own, and the first pass's reference stands for a healthy pair. A pair alone has the hosts' CPUs and the fabric
// to itself, so a healthy pair measures at least as well as in the first pass (which clears
// false alarms), while a link that is slow by itself (shaped, degraded) stays slow alone.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "generators/engine/flow_results.h"
#include "generators/patterns/pattern.h"
#include "harness/model/test_outcome.h"

namespace fabcheck::plan {

// The matrix's value per direction, by (sender, receiver) — agent ids, or any other numbering
// the caller uses consistently (the results use matrix indexes).
struct MatrixCells {
  // Throughput of a link in Gbit/s: the measured bytes its receivers counted × 8 over the
  // senders' measured time, summed over the link's parallel flows. Only links with a
  // measured time.
  std::map<std::pair<int, int>, double> throughput_gbps;
  // Round-trip p50 in µs of a pingpong link (the slowest of its flows), set both ways.
  std::map<std::pair<int, int>, double> latency_us_p50;
};

MatrixCells matrixCells(const std::vector<patterns::FlowSpec>& flows, const std::vector<engine::SenderResult>& senders,
                        const std::vector<engine::ReceiverResult>& receivers,
                        const std::vector<engine::PingpongResult>& pingpongs);

enum class MatrixMetric { kNone, kThroughput, kLatency };

struct PairValue {
  int a = 0, b = 0;  // a < b
  double value = 0;
};

// The unordered pairs' values, a < b ascending: throughput when any link has one (the worse
// direction when both ran), else the latency; kNone with no pairs.
struct MatrixPairs {
  MatrixMetric metric = MatrixMetric::kNone;
  std::vector<PairValue> pairs;
};
MatrixPairs pairValues(const MatrixCells& cells);

struct MatrixTolerance {
  MatrixMetric metric = MatrixMetric::kNone;
  double reference = 0;
  double ratio = 0.9;
  // Throughput below ratio × reference, or latency above reference / ratio.
  bool outside(double value) const;
};

// The reference over the pairs' values (the median; of an even count, the better middle value:
// the higher throughput, the lower latency), with `ratio`.
MatrixTolerance toleranceOf(const MatrixPairs& pairs, double ratio);

// The median of the pairs' values (of an even count, the mean of the middle two); 0 without pairs.
double medianOf(const MatrixPairs& pairs);

// The pairs outside the tolerance, in the order given.
std::vector<PairValue> flaggedPairs(const MatrixPairs& pairs, const MatrixTolerance& tolerance);

// True while no retest so far measured the pair inside the tolerance (a retest without a
// value does not clear it).
bool stillOutside(const model::MatrixRetest& pair, const MatrixTolerance& tolerance);

// Confirmed: retested `retests` times and outside every time; retests 0: flagged at all.
bool confirmed(const model::MatrixRetest& pair, const MatrixTolerance& tolerance, int retests);

// Indexes of the pairs the next retest pass runs: still outside, and retested fewer than
// `retests` times.
std::vector<size_t> pairsToRetest(const std::vector<model::MatrixRetest>& pairs, const MatrixTolerance& tolerance,
                                  int retests);

// A pair's retest round: the flows of `plan` between a and b (either direction), unchanged.
patterns::PatternPlan pairRound(const patterns::PatternPlan& plan, int a, int b);

// The value of pair (a, b) in `metric` measured by one round's results; none when it has none.
std::optional<double> pairValueIn(const MatrixCells& cells, MatrixMetric metric, int a, int b);

}  // namespace fabcheck::plan
