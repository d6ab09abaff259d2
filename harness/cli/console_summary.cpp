#include "harness/cli/console_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <tuple>

#include "reports/metric_units.h"

namespace fabcheck::cli {
namespace {

using nlohmann::json;

double num(const json& j, const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<double>() : -1; }

// "0.42 GB/s": a figure with its metric's unit from the registry (reports/metric_units.h).
std::string withMetricUnit(double v, const char* form, const std::string& metric) {
  return reports::withUnit(fmt::format(fmt::runtime(form), v), reports::metricUnit(metric));
}

// A collective's console figures: nccl-tests' at the largest size (bandwidths in GB/s), the
// algorithm that ran, the JCT ratio when the line rate is known, and who held it back.
std::string collectiveFigures(const json& r) {
  const json& m = r["metrics"].value("collective", json::object());
  const json col = r.contains("collective") && r["collective"].is_object() ? r["collective"] : json::object();
  std::string s = col.value("algorithm", json()).is_string() ? col["algorithm"].get<std::string>() : "";
  for (const auto& [key, label, form] : {std::tuple{"busbw_gbytes_s", "busbw", "{:.3g}"}, {"algbw_gbytes_s", "algbw", "{:.3g}"},
                                         {"time_us", "time", "{:.1f}"}, {"jct_ratio", "jct ratio", "{:.2f}"}}) {
    if (num(m, key) < 0) continue;
    s += (s.empty() ? "" : ", ") + std::string(label) + " " + withMetricUnit(num(m, key), form, std::string("collective.") + key);
  }
  const json straggler = col.value("straggler", json());
  if (straggler.is_object() && straggler.contains("rank") && straggler["rank"].is_number_integer()) {
    s += fmt::format(", straggler rank {}", straggler["rank"].get<int64_t>());
    if (straggler.contains("host") && straggler["host"].is_string()) s += " (" + straggler["host"].get<std::string>() + ")";
  }
  return s;
}

// The figures people look at first for the test's pattern.
std::string keyFigures(const json& r) {
  if (!r.contains("metrics")) return "";
  const json& m = r["metrics"];
  std::string s;
  if (m.is_object() && m.contains("collective")) {
    s = collectiveFigures(r);
  } else if (m.contains("latency_us")) {
    s = "rtt p50 " + withMetricUnit(m["latency_us"].value("p50", 0.0), "{:.1f}", "latency_us.p50") + ", p99 " +
        withMetricUnit(m["latency_us"].value("p99", 0.0), "{:.1f}", "latency_us.p99");
  } else if (num(m, "throughput_gbps") >= 0) {
    s = withMetricUnit(num(m, "throughput_gbps"), "{:.3f}", "throughput_gbps");
  }
  if (num(m, "lost_packets") >= 0) s += ", lost " + withMetricUnit(num(m, "lost_packets"), "{:.0f}", "lost_packets");
  if (r.contains("start_skew_us") && r["start_skew_us"].is_number()) {
    s += ", start skew " + withMetricUnit(r["start_skew_us"].get<double>(), "{:.1f}", "start_skew_us");
  }
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string ConsoleSummary::add(const json& r) {
  records_.push_back(r);
  const std::string verdict = r.value("verdict", "error");
  std::string detail;
  if (verdict == "error") {
    detail = r.value("error", json()).is_string() ? r["error"].get<std::string>() : "error";
  } else if (r.value("skipped_reason", json()).is_string()) {
    detail = "never started: " + r["skipped_reason"].get<std::string>();
  } else {
    detail = keyFigures(r);
    size_t total = 0, passed = 0;
    for (const auto& x : r.value("slos", json::array())) {
      ++total;
      passed += x.value("verdict", "") == "pass";
      if (x.value("verdict", "") == "fail") {
        detail += "; FAILED " + reports::sloFigure(x, [](double v) { return fmt::format("{:.4g}", v); });
      } else if (x.value("verdict", "") == "skipped") {
        detail += "; " + x.value("expression", "") + ": skipped (" + x.value("reason", "") + ")";
      }
    }
    if (total) detail += fmt::format("; {}/{} SLOs passed", passed, total);
  }
  if (r.contains("transport_caveat")) detail += "; NOT PERFORMANCE: " + r["transport_caveat"].get<std::string>();
  std::string line = fmt::format("{:<24} {:<7} {}", r.value("name", "?"), upper(verdict), detail);
  lines_.push_back(line);
  return line;
}

json ConsoleSummary::counts() const {
  json c = {{"pass", 0}, {"fail", 0}, {"error", 0}, {"skipped", 0}};
  for (const auto& r : records_) {
    const std::string v = r.value("verdict", "error");
    if (c.contains(v)) c[v] = c[v].get<int>() + 1;
  }
  return c;
}

std::string ConsoleSummary::table() const {
  std::string t = fmt::format("\nsuite {}: {} tests\n", suite_, records_.size());
  for (const auto& l : lines_) t += "  " + l + "\n";
  const json c = counts();
  t += fmt::format("pass {}, fail {}, error {}, skipped {}\n", c["pass"].get<int>(), c["fail"].get<int>(),
                   c["error"].get<int>(), c["skipped"].get<int>());
  return t;
}

}  // namespace fabcheck::cli
