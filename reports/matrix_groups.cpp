#include "reports/matrix_groups.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace fabcheck::reports {
namespace {

// Median of `v` (reordered); of an even count the mean of the middle two; 0 when empty.
double medianOf(std::vector<double>& v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

// The matrix's value at (r, c) when it is finite.
std::optional<double> cellValue(const svg::Heatmap& hm, size_t r, size_t c) {
  if (r == c || r >= hm.values.size() || c >= hm.values[r].size()) return std::nullopt;
  const auto& v = hm.values[r][c];
  return v && std::isfinite(*v) ? v : std::nullopt;
}

std::set<std::pair<size_t, size_t>> flaggedSet(const svg::Heatmap& hm) {
  std::set<std::pair<size_t, size_t>> out;
  for (const auto& [a, b] : hm.flagged) out.emplace(std::min(a, b), std::max(a, b));
  return out;
}

HostGroups blocks(size_t hosts) {
  HostGroups g{"block", {}, {}};
  const size_t size = std::max<size_t>(1, (hosts + kBlockGroups - 1) / kBlockGroups);
  for (size_t first = 0; first < hosts; first += size) {
    const size_t last = std::min(hosts, first + size) - 1;
    g.names.push_back("#" + std::to_string(first) + "–" + std::to_string(last));
    auto& members = g.hosts.emplace_back();
    for (size_t i = first; i <= last; ++i) members.push_back(i);
  }
  return g;
}

}  // namespace

HostGroups groupHosts(size_t hosts, const std::vector<std::string>& switches) {
  std::map<std::string, std::vector<size_t>> by_switch;
  std::vector<size_t> unknown;
  for (size_t i = 0; i < hosts; ++i) {
    const std::string sw = i < switches.size() ? switches[i] : "";
    (sw.empty() ? unknown : by_switch[sw]).push_back(i);
  }
  const size_t groups = by_switch.size() + (unknown.empty() ? 0 : 1);
  if (by_switch.empty() || groups > kMaxGroups) return blocks(hosts);
  HostGroups g{"switch", {}, {}};
  for (auto& [name, members] : by_switch) {
    g.names.push_back(name);
    g.hosts.push_back(std::move(members));
  }
  if (!unknown.empty()) {
    g.names.push_back("switch unknown");
    g.hosts.push_back(std::move(unknown));
  }
  return g;
}

bool worseValue(double a, double b, bool higher_is_better) { return higher_is_better ? a < b : a > b; }

GroupedMatrix groupMatrix(const svg::Heatmap& hm) {
  GroupedMatrix out;
  out.groups = groupHosts(hm.labels.size(), hm.groups);
  const size_t g = out.groups.hosts.size();
  const auto flagged = flaggedSet(hm);
  out.cells.assign(g, std::vector<GroupCell>(g));
  std::vector<double> all, cell_values;
  for (size_t gr = 0; gr < g; ++gr) {
    for (size_t gc = 0; gc < g; ++gc) {
      GroupCell& cell = out.cells[gr][gc];
      cell_values.clear();
      for (size_t r : out.groups.hosts[gr]) {
        for (size_t c : out.groups.hosts[gc]) {
          const auto v = cellValue(hm, r, c);
          if (!v) continue;
          cell_values.push_back(*v);
          if (!cell.worst || worseValue(*v, cell.worst->value, hm.higher_is_better)) cell.worst = PairValue{r, c, *v};
          cell.outliers += flagged.count({std::min(r, c), std::max(r, c)});
        }
      }
      cell.pairs = cell_values.size();
      all.insert(all.end(), cell_values.begin(), cell_values.end());
      cell.median = medianOf(cell_values);
    }
  }
  out.pairs = all.size();
  if (!all.empty()) {
    out.min = *std::min_element(all.begin(), all.end());
    out.max = *std::max_element(all.begin(), all.end());
  }
  out.median = medianOf(all);
  return out;
}

std::vector<WorstPair> worstPairs(const svg::Heatmap& hm, size_t n) {
  const auto flagged = flaggedSet(hm);
  std::vector<WorstPair> pairs;
  const size_t hosts = hm.labels.size();
  for (size_t a = 0; a < hosts; ++a) {
    for (size_t b = a + 1; b < hosts; ++b) {
      const auto ab = cellValue(hm, a, b), ba = cellValue(hm, b, a);
      if (!ab && !ba) continue;
      const double value = !ab ? *ba : !ba ? *ab : worseValue(*ba, *ab, hm.higher_is_better) ? *ba : *ab;
      pairs.push_back({a, b, value, ab, ba, flagged.count({a, b}) > 0});
    }
  }
  auto before = [&](const WorstPair& x, const WorstPair& y) {
    if (x.value != y.value) return worseValue(x.value, y.value, hm.higher_is_better);
    return std::tie(x.a, x.b) < std::tie(y.a, y.b);
  };
  const size_t keep = std::min(n, pairs.size());
  std::partial_sort(pairs.begin(), pairs.begin() + static_cast<std::ptrdiff_t>(keep), pairs.end(), before);
  pairs.resize(keep);
  return pairs;
}

}  // namespace fabcheck::reports
