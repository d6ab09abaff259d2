#include "harness/results/collective_line_rate.h"

#include <fmt/format.h>

#include "generators/core/errors.h"
#include "generators/patterns/collective_kind.h"

namespace fabcheck::results {

using nlohmann::json;

namespace {

// The bandwidth metrics a misreading takes out of the results (collective_summary.h keys).
constexpr const char* kBandwidthKeys[] = {"busbw_gbytes_s", "algbw_gbytes_s", "avg_busbw_gbytes_s",
                                          "min_busbw_gbytes_s", "jct_ratio"};

double number(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0;
}

bool measured(const json& size) { return number(size, "iterations") > 0; }

std::string misreadingText(const json& size, double busbw, const LineRate& rate) {
  return fmt::format(
      "size {} B: busbw {:.4g} GB/s ({:.4g} Gbit/s) is above the line rate of {:.4g} Gbit/s ({:.4g} GB/s, from {}) by "
      "more than {:.0f}%: a misreading, not a result — likely the ranks talk over loopback or one host, faster than the "
      "declared line rate, or {} is wrong",
      number(size, "size_bytes"), busbw, busbw * 8, rate.gbps, rate.gbps / 8, rate.source,
      (kBusbwMisreadingFactor - 1) * 100, rate.source);
}

// Per measured size: ideal time, JCT ratio and the misreading check.
std::vector<std::string> judgeSizes(json& col, const LineRate& rate) {
  std::vector<std::string> misreadings;
  const std::string kind = col.value("kind", std::string());
  const int ranks = static_cast<int>(number(col, "ranks"));
  for (auto& s : col["sizes"]) {
    if (!measured(s)) continue;
    const double busbw = number(s, "busbw_gbytes_s");
    if (busbw * 8 > kBusbwMisreadingFactor * rate.gbps) {
      s["misreading"] = misreadingText(s, busbw, rate);
      misreadings.push_back(s["misreading"].get<std::string>());
    }
    const double ideal = collectiveIdealTimeUs(kind, ranks, number(s, "size_bytes"), rate.gbps);
    const double time = number(s, "time_us");
    s["ideal_time_us"] = ideal;
    s["jct_ratio"] = ideal > 0 && time > 0 ? json(time / ideal) : json(nullptr);
  }
  return misreadings;
}

// The largest measured size's JCT ratio, or null.
json largestJct(const json& sizes) {
  for (size_t i = sizes.size(); i-- > 0;) {
    if (measured(sizes[i])) return sizes[i].value("jct_ratio", json(nullptr));
  }
  return nullptr;
}

void setMissing(json& record, const std::string& metric, const std::string& why) { record["metrics_missing"][metric] = why; }

}  // namespace

double collectiveIdealTimeUs(const std::string& kind, int ranks, double size_bytes, double line_rate_gbps) {
  if (line_rate_gbps <= 0 || size_bytes <= 0) return 0;
  double factor = 0;
  try {
    factor = patterns::busbwFactor(patterns::parseCollectiveKind(kind, "collective record"), ranks);
  } catch (const ConfigError&) {
    return 0;
  }
  return factor * size_bytes * 8 / (line_rate_gbps * 1e3);
}

std::vector<std::string> addLineRateFigures(json& record, const LineRate& rate) {
  if (!record.contains("collective") || !record["collective"].is_object()) return {};
  json& col = record["collective"];
  if (!col.contains("sizes") || !col["sizes"].is_array()) return {};
  std::string why_no_jct;
  if (rate.gbps <= 0) why_no_jct = "the line rate is unknown: " + rate.why_unknown;
  else if (number(col, "ranks_per_node") > 1) {
    why_no_jct = "ranks_per_node " + fmt::format("{:.0f}", number(col, "ranks_per_node")) +
                 ": ranks share a host link, so the ideal time is not known";
  }
  col["line_rate"] = rate.gbps > 0 ? json{{"gbps", rate.gbps}, {"source", rate.source}} : json{{"gbps", nullptr}};
  if (!why_no_jct.empty()) col["line_rate"]["unknown"] = why_no_jct;
  const bool summarised = record.contains("metrics") && record["metrics"].contains("collective");
  if (!why_no_jct.empty()) {  // also no misreading check: ranks sharing a host may beat its link
    if (summarised) setMissing(record, "collective.jct_ratio", why_no_jct);
    return {};
  }
  std::vector<std::string> misreadings = judgeSizes(col, rate);
  if (!misreadings.empty()) col["misreadings"] = misreadings;
  if (!summarised) return misreadings;
  json& m = record["metrics"]["collective"];
  if (const json jct = largestJct(col["sizes"]); jct.is_number()) m["jct_ratio"] = jct;
  if (misreadings.empty()) return misreadings;
  const std::string why = "busbw above the line rate is a misreading, not a result (collective.misreadings): " + misreadings.front();
  for (const char* key : kBandwidthKeys) {
    m.erase(key);
    setMissing(record, std::string("collective.") + key, why);
  }
  return misreadings;
}

}  // namespace fabcheck::results
