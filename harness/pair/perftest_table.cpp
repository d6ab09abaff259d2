// perftest-shaped rows (perftest_table.h).
#include "harness/pair/perftest_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "harness/results/measurements.h"

namespace fabcheck::pair {
namespace {

using nlohmann::json;

constexpr double kMiB = 1024.0 * 1024.0;  // perftest's MB

struct BwFigures {
  uint64_t iterations = 0;
  double average_bps = 0;
  std::optional<double> peak_bps;
  double mpps = 0;
};

std::string rate(std::optional<double> bps, bool gbits) {
  if (!bps) return "-";
  return gbits ? fmt::format("{:.2f}", *bps / 1e9) : fmt::format("{:.2f}", *bps / 8 / kMiB);
}

// Best whole interval of the summed receivers' series (the summary's "intervals").
std::optional<double> peakOfSeries(const json& j) {
  if (!j.contains("intervals")) return std::nullopt;
  const json& series = j.at("intervals");
  const int64_t interval = series.at("interval_ns").get<int64_t>();
  std::optional<double> best;
  for (const auto& s : series.at("samples")) {
    const double duration_ns = s.at("duration_s").get<double>() * 1e9;  // IntervalSeries::toJson's samples
    if (interval <= 0 || std::abs(duration_ns - static_cast<double>(interval)) > 1000) continue;  // whole intervals only
    const double bps = static_cast<double>(s.at("bytes").get<uint64_t>()) * 8e9 / static_cast<double>(interval);
    best = std::max(best.value_or(0.0), bps);
  }
  return best;
}

// A one-sided run: the initiator's flows, summed; the peak over the intervals every flow filled.
BwFigures oneSided(const SizeResult& s) {
  BwFigures f;
  uint64_t bytes = 0;
  int64_t longest = 0, shortest = INT64_MAX, interval = engine::OneSidedPlan{}.interval_ns;
  std::vector<uint64_t> sum;
  for (const auto& r : s.one_sided) {
    f.iterations += r.ops;
    bytes += r.bytes;
    longest = std::max(longest, r.elapsed_ns);
    shortest = std::min(shortest, r.elapsed_ns);
    if (sum.size() < r.interval_bytes.size()) sum.resize(r.interval_bytes.size(), 0);
    for (size_t k = 0; k < r.interval_bytes.size(); ++k) sum[k] += r.interval_bytes[k];
  }
  if (longest > 0) {
    f.average_bps = static_cast<double>(bytes) * 8e9 / static_cast<double>(longest);
    f.mpps = static_cast<double>(f.iterations) * 1e3 / static_cast<double>(longest);
  }
  const auto whole = static_cast<size_t>(shortest == INT64_MAX ? 0 : shortest / interval);
  for (size_t k = 0; k < std::min(whole, sum.size()); ++k) {
    f.peak_bps = std::max(f.peak_bps.value_or(0.0), static_cast<double>(sum[k]) * 8e9 / static_cast<double>(interval));
  }
  return f;
}

BwFigures twoSided(const SizeResult& s) {
  const json j = results::summarize(s);
  BwFigures f;
  f.iterations = j.at("sent_packets").get<uint64_t>();
  f.average_bps = j.at("throughput_gbps").get<double>() * 1e9;
  f.mpps = j.at("packet_rate_mpps").get<double>();
  f.peak_bps = peakOfSeries(j);
  return f;
}

std::string latencyRow(const SizeResult& s) {
  const json j = results::summarize(s);
  if (!j.contains("latency_us")) return fmt::format(" {:<7} {:<10} (no round trip measured)\n", s.params.size_bytes, 0);
  const json& l = j.at("latency_us");
  auto half = [&](const char* k) { return l.at(k).get<double>() / 2; };
  return fmt::format(" {:<7} {:<10} {:<14.2f} {:<14.2f} {:<16.2f} {:<14.2f} {:<16.2f} {:<22.2f} {:<22.2f}\n",
                     s.params.size_bytes, j.value("iterations", uint64_t{0}), half("min"), half("max"), half("p50"),
                     half("mean"), half("stddev"), half("p99"), half("p999"));
}

}  // namespace

std::string perftestRule() { return std::string(87, '-') + "\n"; }

std::string perftestHeader(patterns::PatternKind kind, bool report_gbits) {
  if (kind == patterns::PatternKind::kPingpong) {
    return fmt::format(" {:<7} {:<10} {:<14} {:<14} {:<16} {:<14} {:<16} {:<22} {:<22}\n", "#bytes", "#iterations",
                       "t_min[usec]", "t_max[usec]", "t_typical[usec]", "t_avg[usec]", "t_stdev[usec]",
                       "99% percentile[usec]", "99.9% percentile[usec]");
  }
  const char* unit = report_gbits ? "Gb/sec" : "MB/sec";
  return fmt::format(" {:<10} {:<14} {:<18} {:<20} {:<14}\n", "#bytes", "#iterations",
                     fmt::format("BW peak[{}]", unit), fmt::format("BW average[{}]", unit), "MsgRate[Mpps]");
}

std::string perftestRow(const SizeResult& s, bool report_gbits) {
  if (s.params.kind == patterns::PatternKind::kPingpong) return latencyRow(s);
  const BwFigures f = s.one_sided.empty() ? twoSided(s) : oneSided(s);
  return fmt::format(" {:<10} {:<14} {:<18} {:<20} {:<14.6f}\n", s.params.size_bytes, f.iterations,
                     rate(f.peak_bps, report_gbits), rate(f.average_bps, report_gbits), f.mpps);
}

}  // namespace fabcheck::pair
