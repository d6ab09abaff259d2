// Finding the bad link in a pairwise matrix (placement matrix): pairs far from the median are
// flagged; when one host is in most flagged pairs, it is named.
//
// findOutliers(matrix, ratio) reads a test summary's "matrix" object (test_summary.h): each
// unordered pair's value is its throughput (the non-null of (a,b) and (b,a), the lower when
// both ran), or, for a latency-only matrix (pingpong), its round-trip p50. A pair is flagged
// when its throughput is below `ratio` × the median pair, or its latency above the median /
// `ratio`. The suspect host is the one in more than half of the flagged pairs, and in at least
// two of them (one flagged pair alone cannot tell which end is bad); else there is none and the
// pairs (the links) are the finding.
//
// addMatrixOutliers() writes the result into a test record:
//   record["matrix"]["outliers"] = {metric, ratio, median, pairs: [{a, b, agents: [labels],
//     value, links?}], suspect: label or null, suspect_link?}
//   record["metrics"]["matrix"] = {bandwidth_gbps: {min, median} | latency_us_p50: {max,
//     median}, outlier_pairs}
#pragma once

#include <optional>
#include <string>
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
  double median = 0;
  double extreme = 0;                 // the worst pair: lowest throughput / highest latency
  size_t pairs = 0;                   // pairs with a value
  std::vector<FlaggedPair> flagged;
  std::optional<size_t> suspect;      // index of the suspect host
};

MatrixOutliers findOutliers(const nlohmann::json& matrix, double ratio = kOutlierRatio);

void addMatrixOutliers(nlohmann::json& record, double ratio = kOutlierRatio);

// Names the matrix's links when the switch ports are known (topology.h); `links[i]` is agent i
// of the matrix as "h17 ↔ leaf3:Ethernet12" (the host alone when unknown), `switches[i]` its
// switch ("" when unknown). When any switch is known it writes record["matrix"]["switches"]
// (null where unknown), each outlier pair's "links" and the outliers' "suspect_link";
// otherwise nothing.
void addOutlierLinks(nlohmann::json& record, const std::vector<std::string>& links,
                     const std::vector<std::string>& switches);

}  // namespace fabcheck::results
