#include "harness/cli/console_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace fabcheck::cli {
namespace {

using nlohmann::json;

double num(const json& j, const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<double>() : -1; }

// metrics.collective when it holds the three figures the console shows, else nullptr.
const json* collectiveFigures(const json& m) {
  if (!m.is_object() || !m.contains("collective")) return nullptr;
  const json& c = m["collective"];
  for (const char* k : {"busbw_gbps", "algbw_gbps", "time_us"}) {
    if (num(c, k) < 0) return nullptr;
  }
  return &c;
}

// The figures people look at first for the test's pattern.
std::string keyFigures(const json& r) {
  if (!r.contains("metrics")) return "";
  const json& m = r["metrics"];
  std::string s;
  if (const json* c = collectiveFigures(m); c != nullptr) {
    // nccl-tests' figures at the largest size (bandwidths in GB/s), and who held it back.
    s = fmt::format("busbw {:.2f} GB/s, algbw {:.2f} GB/s, time {:.1f} us", num(*c, "busbw_gbps"),
                    num(*c, "algbw_gbps"), num(*c, "time_us"));
    const json straggler = r.contains("collective") && r["collective"].is_object()
                               ? r["collective"].value("straggler", json())
                               : json();
    if (straggler.is_object() && straggler.contains("rank") && straggler["rank"].is_number_integer()) {
      s += fmt::format(", straggler rank {}", straggler["rank"].get<int64_t>());
      if (straggler.contains("host") && straggler["host"].is_string()) s += " (" + straggler["host"].get<std::string>() + ")";
    }
  } else if (m.contains("latency_us")) {
    s = fmt::format("rtt p50 {:.1f} us, p99 {:.1f} us", m["latency_us"].value("p50", 0.0), m["latency_us"].value("p99", 0.0));
  } else if (num(m, "throughput_gbps") >= 0) {
    s = fmt::format("{:.3f} Gbit/s", num(m, "throughput_gbps"));
  }
  if (num(m, "lost_packets") >= 0) s += fmt::format(", lost {}", m["lost_packets"].get<uint64_t>());
  if (r.contains("start_skew_us") && r["start_skew_us"].is_number()) {
    s += fmt::format(", start skew {:.1f} us", r["start_skew_us"].get<double>());
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
  } else {
    detail = keyFigures(r);
    size_t total = 0, passed = 0;
    for (const auto& x : r.value("slos", json::array())) {
      ++total;
      passed += x.value("verdict", "") == "pass";
      if (x.value("verdict", "") == "fail") {
        detail += "; " + x.value("expression", "") + ": observed " +
                  (x["observed"].is_number() ? fmt::format("{:.4g}", x["observed"].get<double>()) : std::string("n/a"));
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
