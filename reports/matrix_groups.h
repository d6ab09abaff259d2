// A host × host matrix too large to draw a cell per pair (issue 18: 1024 hosts are a million
// pairs), aggregated into groups of hosts, and its worst pairs for the drill-down.
//
// Contract
// - Up to kMaxPairHosts hosts the HTML report draws a cell per pair (svg::heatmapChart); above,
//   it draws groupMatrix()'s cells (svg::groupHeatmapChart) and worstPairs()'s table.
// - groupHosts(): by switch when the records name any (matrix.switches, from LLDP or the hosts
//   file; results/topology.h) and they give at most kMaxGroups groups — groups in switch-name
//   order, hosts of no known switch last in "switch unknown"; else contiguous blocks of
//   ceil(n / kBlockGroups) hosts in matrix order, named "#FIRST–LAST" (matrix indexes). Within a
//   group, hosts keep the matrix order. The records carry no rack or other label, so none is used.
// - groupMatrix(): cell [g][h] covers the directed pairs row ∈ g, column ∈ h (row = sender /
//   agent, column = receiver / peer, as the matrix), the diagonal pairs (a host with itself)
//   never counted. Each cell has the number of pairs with a finite value, the worst of them (the
//   lowest when higher is better, else the highest; ties: the first in row, then column order),
//   their median (of an even count the mean of the middle two) and how many are flagged outliers
//   (either order). The whole matrix's median, minimum and maximum over the same pairs.
// - worstPairs(): unordered pairs {a, b}, a < b, with a finite value either way; the pair's
//   value is the worse of its two directions. The `n` worst, worst first; ties by a, then b.
// Pure functions; no value is made up: a cell without a pair has no worst (pairs == 0).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "reports/svg_charts.h"

namespace fabcheck::reports {

inline constexpr size_t kMaxPairHosts = 64;
inline constexpr size_t kMaxGroups = 64;
inline constexpr size_t kBlockGroups = 32;
inline constexpr size_t kWorstPairs = 20;

struct HostGroups {
  std::string basis;                       // "switch" | "block"
  std::vector<std::string> names;          // one per group
  std::vector<std::vector<size_t>> hosts;  // each group's matrix indexes
};

// `switches[i]`: host i's switch, "" when unknown; may be shorter than `hosts` (unknown).
HostGroups groupHosts(size_t hosts, const std::vector<std::string>& switches);

struct PairValue {
  size_t row = 0, col = 0;
  double value = 0;
};

struct GroupCell {
  size_t pairs = 0;                // pairs with a finite value
  std::optional<PairValue> worst;  // none when pairs == 0
  double median = 0;
  size_t outliers = 0;             // flagged pairs (svg::Heatmap::flagged) among them
};

struct GroupedMatrix {
  HostGroups groups;
  std::vector<std::vector<GroupCell>> cells;  // [row group][column group]
  size_t pairs = 0;                           // directed pairs with a finite value
  double median = 0, min = 0, max = 0;        // over those pairs
};

GroupedMatrix groupMatrix(const svg::Heatmap& hm);

// True when `a` is worse than `b`: lower when higher is better, else higher.
bool worseValue(double a, double b, bool higher_is_better);

struct WorstPair {
  size_t a = 0, b = 0;                  // matrix indexes, a < b
  double value = 0;                     // the worse direction's
  std::optional<double> a_to_b, b_to_a;  // each direction's value (row a, column b and back)
  bool flagged = false;                 // a confirmed outlier pair
};

std::vector<WorstPair> worstPairs(const svg::Heatmap& hm, size_t n);

}  // namespace fabcheck::reports
