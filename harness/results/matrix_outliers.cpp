#include "harness/results/matrix_outliers.h"

#include <algorithm>
#include <map>

namespace fabcheck::results {

using nlohmann::json;

namespace {

std::optional<double> cell(const json& m, size_t a, size_t b) {
  if (!m.is_array() || a >= m.size() || !m[a].is_array() || b >= m[a].size() || !m[a][b].is_number()) return std::nullopt;
  return m[a][b].get<double>();
}

// The unordered pairs' values: [(a, b, value)] with a < b.
std::vector<FlaggedPair> pairValues(const json& m, size_t n, bool higher_is_better) {
  std::vector<FlaggedPair> out;
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = a + 1; b < n; ++b) {
      const auto x = cell(m, a, b), y = cell(m, b, a);
      if (!x && !y) continue;
      double v = x ? *x : *y;
      if (x && y) v = higher_is_better ? std::min(*x, *y) : std::max(*x, *y);  // the worse direction
      out.push_back({a, b, v});
    }
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

MatrixOutliers findOutliers(const json& matrix, double ratio) {
  MatrixOutliers out;
  if (!matrix.is_object() || !matrix.contains("agents") || !matrix["agents"].is_array()) return out;
  const size_t n = matrix["agents"].size();
  bool bandwidth = true;
  std::vector<FlaggedPair> values;
  if (matrix.contains("throughput_gbps")) values = pairValues(matrix["throughput_gbps"], n, true);
  if (values.empty() && matrix.contains("latency_us_p50")) {
    bandwidth = false;
    values = pairValues(matrix["latency_us_p50"], n, false);
  }
  if (values.empty()) return out;
  out.metric = bandwidth ? "throughput_gbps" : "latency_us_p50";
  out.pairs = values.size();
  std::vector<double> vs;
  for (const auto& p : values) vs.push_back(p.value);
  out.median = median(vs);
  out.extreme = bandwidth ? *std::min_element(vs.begin(), vs.end()) : *std::max_element(vs.begin(), vs.end());
  std::map<size_t, size_t> per_host;
  for (const auto& p : values) {
    const bool bad = bandwidth ? p.value < ratio * out.median : p.value > out.median / ratio;
    if (!bad) continue;
    out.flagged.push_back(p);
    ++per_host[p.a];
    ++per_host[p.b];
  }
  for (const auto& [host, count] : per_host) {
    if (count >= 2 && 2 * count > out.flagged.size()) out.suspect = host;
  }
  return out;
}

void addMatrixOutliers(json& record, double ratio) {
  if (!record.contains("matrix")) return;
  json& mx = record["matrix"];
  const MatrixOutliers o = findOutliers(mx, ratio);
  if (o.metric.empty()) return;
  auto label = [&](size_t i) { return mx["agents"][i]; };
  json pairs = json::array();
  for (const auto& p : o.flagged) pairs.push_back({{"a", p.a}, {"b", p.b}, {"agents", {label(p.a), label(p.b)}}, {"value", p.value}});
  mx["outliers"] = {{"metric", o.metric},
                    {"ratio", ratio},
                    {"median", o.median},
                    {"pairs", pairs},
                    {"suspect", o.suspect ? label(*o.suspect) : json(nullptr)}};
  json& m = record["metrics"]["matrix"];
  if (o.metric == "throughput_gbps") m["bandwidth_gbps"] = {{"min", o.extreme}, {"median", o.median}};
  else m["latency_us_p50"] = {{"max", o.extreme}, {"median", o.median}};
  m["outlier_pairs"] = o.flagged.size();
}

void addOutlierLinks(json& record, const std::vector<std::string>& links, const std::vector<std::string>& switches) {
  if (!record.contains("matrix") || std::all_of(switches.begin(), switches.end(), [](const auto& s) { return s.empty(); })) return;
  json& mx = record["matrix"];
  json sw = json::array();
  for (const auto& s : switches) sw.push_back(s.empty() ? json(nullptr) : json(s));
  mx["switches"] = sw;
  if (!mx.contains("outliers")) return;
  json& o = mx["outliers"];
  auto link = [&](const json& i) { return i.is_number_unsigned() && i.get<size_t>() < links.size() ? json(links[i.get<size_t>()]) : json(nullptr); };
  for (json& p : o["pairs"]) p["links"] = {link(p["a"]), link(p["b"])};
  o["suspect_link"] = nullptr;
  if (o["suspect"].is_string()) {
    for (size_t i = 0; i < links.size() && i < mx["agents"].size(); ++i) {
      if (mx["agents"][i] == o["suspect"]) o["suspect_link"] = links[i];
    }
  }
}

}  // namespace fabcheck::results
