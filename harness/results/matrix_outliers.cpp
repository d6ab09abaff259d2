#include "harness/results/matrix_outliers.h"

#include <algorithm>

#include "harness/plan/matrix_retests.h"

namespace fabcheck::results {

using nlohmann::json;

namespace {

// A summary's n×n cells (null where no flow ran) as the plan's cells, by matrix index.
std::map<std::pair<int, int>, double> cellsOf(const json& m, size_t n) {
  std::map<std::pair<int, int>, double> out;
  if (!m.is_array()) return out;
  for (size_t a = 0; a < n && a < m.size(); ++a) {
    if (!m[a].is_array()) continue;
    for (size_t b = 0; b < n && b < m[a].size(); ++b) {
      if (m[a][b].is_number()) out[{static_cast<int>(a), static_cast<int>(b)}] = m[a][b].get<double>();
    }
  }
  return out;
}

// The host in more than half of `pairs` and in at least two of them.
std::optional<size_t> suspectOf(const std::vector<FlaggedPair>& pairs) {
  std::map<size_t, size_t> per_host;
  for (const auto& p : pairs) {
    ++per_host[p.a];
    ++per_host[p.b];
  }
  std::optional<size_t> suspect;
  for (const auto& [host, count] : per_host) {
    if (count >= 2 && 2 * count > pairs.size()) suspect = host;
  }
  return suspect;
}

json valuesJson(const std::vector<std::optional<double>>& values) {
  json out = json::array();
  for (const auto& v : values) out.push_back(v ? json(*v) : json(nullptr));
  return out;
}

}  // namespace

MatrixOutliers findOutliers(const json& matrix, double ratio) {
  MatrixOutliers out;
  if (!matrix.is_object() || !matrix.contains("agents") || !matrix["agents"].is_array()) return out;
  const size_t n = matrix["agents"].size();
  plan::MatrixCells cells;
  if (matrix.contains("throughput_gbps")) cells.throughput_gbps = cellsOf(matrix["throughput_gbps"], n);
  if (matrix.contains("latency_us_p50")) cells.latency_us_p50 = cellsOf(matrix["latency_us_p50"], n);
  const plan::MatrixPairs values = plan::pairValues(cells);
  if (values.pairs.empty()) return out;
  const bool bandwidth = values.metric == plan::MatrixMetric::kThroughput;
  out.metric = bandwidth ? "throughput_gbps" : "latency_us_p50";
  out.pairs = values.pairs.size();
  const plan::MatrixTolerance tolerance = plan::toleranceOf(values, ratio);
  out.median = plan::medianOf(values);
  out.reference = tolerance.reference;
  auto worse = [&](const plan::PairValue& x, const plan::PairValue& y) { return bandwidth ? x.value < y.value : x.value > y.value; };
  out.extreme = std::min_element(values.pairs.begin(), values.pairs.end(), worse)->value;
  for (const auto& p : plan::flaggedPairs(values, tolerance)) {
    out.flagged.push_back({static_cast<size_t>(p.a), static_cast<size_t>(p.b), p.value});
  }
  out.suspect = suspectOf(out.flagged);
  return out;
}

void addMatrixOutliers(json& record, double ratio, const OutlierRetests& retests) {
  if (!record.contains("matrix")) return;
  json& mx = record["matrix"];
  const MatrixOutliers o = findOutliers(mx, ratio);
  if (o.metric.empty()) return;
  const plan::MatrixTolerance tolerance{o.metric == "throughput_gbps" ? plan::MatrixMetric::kThroughput : plan::MatrixMetric::kLatency,
                                        o.reference, ratio};
  auto label = [&](size_t i) { return mx["agents"][i]; };
  json first = json::array(), pairs = json::array();
  std::vector<FlaggedPair> kept;
  for (const auto& p : o.flagged) {
    model::MatrixRetest r{static_cast<int>(p.a), static_cast<int>(p.b), p.value, {}};
    if (const auto it = retests.values.find({p.a, p.b}); it != retests.values.end()) r.values = it->second;
    const bool confirmed = plan::confirmed(r, tolerance, retests.retests);
    const json agents = {label(p.a), label(p.b)};
    first.push_back({{"a", p.a}, {"b", p.b}, {"agents", agents}, {"value", p.value}, {"retests", valuesJson(r.values)},
                     {"confirmed", confirmed}});
    if (!confirmed) continue;
    kept.push_back(p);
    const json value = !r.values.empty() && r.values.back() ? json(*r.values.back()) : json(p.value);
    pairs.push_back({{"a", p.a}, {"b", p.b}, {"agents", agents}, {"value", value}, {"first_pass", p.value},
                     {"retests", valuesJson(r.values)}});
  }
  const std::optional<size_t> suspect = suspectOf(kept);
  mx["first_pass"] = {{"metric", o.metric},
                      {"ratio", ratio},
                      {"median", o.median},
                      {"reference", o.reference},
                      {"pairs", first},
                      {"suspect", o.suspect ? label(*o.suspect) : json(nullptr)}};
  mx["outliers"] = {{"metric", o.metric},
                    {"ratio", ratio},
                    {"median", o.median},
                    {"reference", o.reference},
                    {"retests", retests.retests},
                    {"pairs", pairs},
                    {"cleared", o.flagged.size() - kept.size()},
                    {"suspect", suspect ? label(*suspect) : json(nullptr)}};
  json& m = record["metrics"]["matrix"];
  if (o.metric == "throughput_gbps") m["bandwidth_gbps"] = {{"min", o.extreme}, {"median", o.median}};
  else m["latency_us_p50"] = {{"max", o.extreme}, {"median", o.median}};
  m["outlier_pairs"] = kept.size();
  m["first_pass_outlier_pairs"] = o.flagged.size();
}

void addOutlierLinks(json& record, const std::vector<std::string>& links, const std::vector<std::string>& switches) {
  if (!record.contains("matrix") || std::all_of(switches.begin(), switches.end(), [](const auto& s) { return s.empty(); })) return;
  json& mx = record["matrix"];
  json sw = json::array();
  for (const auto& s : switches) sw.push_back(s.empty() ? json(nullptr) : json(s));
  mx["switches"] = sw;
  auto link = [&](const json& i) { return i.is_number_unsigned() && i.get<size_t>() < links.size() ? json(links[i.get<size_t>()]) : json(nullptr); };
  if (mx.contains("first_pass")) {
    for (json& p : mx["first_pass"]["pairs"]) p["links"] = {link(p["a"]), link(p["b"])};
  }
  if (!mx.contains("outliers")) return;
  json& o = mx["outliers"];
  for (json& p : o["pairs"]) p["links"] = {link(p["a"]), link(p["b"])};
  o["suspect_link"] = nullptr;
  if (o["suspect"].is_string()) {
    for (size_t i = 0; i < links.size() && i < mx["agents"].size(); ++i) {
      if (mx["agents"][i] == o["suspect"]) o["suspect_link"] = links[i];
    }
  }
}

}  // namespace fabcheck::results
