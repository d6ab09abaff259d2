// Finding the bad link in a pairwise matrix (placement matrix): pairs far from the median are
// flagged, flagged pairs are confirmed by retests, and when one host is in most confirmed pairs,
// it is named.
//
// findOutliers(matrix, ratio) reads a test summary's "matrix" object (test_summary.h) — the
// first pass: each unordered pair's value is its throughput (the non-null of (a,b) and (b,a),
// the lower when both ran), or, for a latency-only matrix (pingpong), its round-trip p50. A pair
// is flagged when its throughput is below `ratio` × the reference, or its latency above the
// reference / `ratio`; the reference is the median pair, of an even number of pairs the better
// middle one (harness/plan/matrix_retests.h, which the controller decides its retests with). The suspect host is the one in more than half of the pairs, and in at least two of
// them (one pair alone cannot tell which end is bad); else there is none and the pairs (the
// links) are the finding.
//
// addMatrixOutliers() writes the result into a test record. A flagged pair is an outlier only
// when its retests confirmed it (plan::confirmed: outside the first pass's tolerance in every
// one of `retests` retests; retests 0: the first pass decides):
//   record["matrix"]["outliers"] = {metric, ratio, median, reference, retests, pairs: [{a, b, agents: [labels],
//     value (its last retest's; the first pass's when retests is 0), first_pass, retests: [values],
//     links?}], cleared (first-pass flags the retests cleared), suspect: label or null, suspect_link?}
//   record["matrix"]["first_pass"] = {metric, ratio, median, reference, pairs: [{a, b, agents, value,
//     retests: [values, null where one measured none], confirmed, links?}], suspect}
//   record["metrics"]["matrix"] = {bandwidth_gbps: {min, median} | latency_us_p50: {max,
//     median}, outlier_pairs (confirmed), first_pass_outlier_pairs}
// The matrix's cells and the min/median metrics are the first pass's.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace fabcheck::results {

constexpr double kOutlierRatio = 0.9;

struct FlaggedPair {
  size_t a = 0, b = 0;   // indexes into the matrix's agents
  double value = 0;
};

struct MatrixOutliers {
  std::string metric;                 // "throughput_gbps" or "latency_us_p50"; empty: no values
  double median = 0;                  // of the pairs (of an even count, the mean of the middle two)
  double reference = 0;               // what the tolerance is relative to (plan::toleranceOf)
  double extreme = 0;                 // the worst pair: lowest throughput / highest latency
  size_t pairs = 0;                   // pairs with a value
  std::vector<FlaggedPair> flagged;
  std::optional<size_t> suspect;      // index of the suspect host
};

MatrixOutliers findOutliers(const nlohmann::json& matrix, double ratio = kOutlierRatio);

// What the retests of a matrix measured: how many were asked (0: the first pass decides) and
// each flagged pair's retest values, by matrix indexes (a < b), in order.
struct OutlierRetests {
  int retests = 0;
  std::map<std::pair<size_t, size_t>, std::vector<std::optional<double>>> values;
};

void addMatrixOutliers(nlohmann::json& record, double ratio = kOutlierRatio, const OutlierRetests& retests = {});

// Names the matrix's links when the switch ports are known (topology.h); `links[i]` is agent i
// of the matrix as "h17 ↔ leaf3:Ethernet12" (the host alone when unknown), `switches[i]` its
// switch ("" when unknown). When any switch is known it writes record["matrix"]["switches"]
// (null where unknown), each outlier and first-pass pair's "links" and the outliers'
// "suspect_link"; otherwise nothing.
void addOutlierLinks(nlohmann::json& record, const std::vector<std::string>& links,
                     const std::vector<std::string>& switches);

}  // namespace fabcheck::results
