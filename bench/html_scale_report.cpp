// The HTML report of the synthetic many-host run (tests/support/scale_run.h; issue 18) written
// to a file, for bench/html-scale to time headless Chromium on. Prints the hosts, the file's
// bytes and the in-process times to build the records and to render the page; with
// --per-pair, also the bytes of one heatmap drawn a cell per pair at this size (what the report
// drew before issue 18), for comparison. Not a Google Benchmark: one run, wall clock.
//
//   html_scale_report OUT.html [hosts (default 1024)] [--no-switches] [--per-pair]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "reports/svg_charts.h"
#include "tests/support/scale_run.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace scale = fabcheck::testing::scale;

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// The latency matrix of the run as one per-pair heatmap (outliers: every pair of kSlowHost).
size_t perPairBytes(size_t hosts) {
  fabcheck::reports::svg::Heatmap h{"Round-trip latency p50 by pair (µs)", "µs", false, "agent", "peer", {}, {}};
  for (size_t r = 0; r < hosts; ++r) {
    h.labels.push_back(scale::label(r));
    h.groups.push_back(scale::leaf(r));
    auto& row = h.values.emplace_back();
    for (size_t c = 0; c < hosts; ++c) row.push_back(r == c ? std::nullopt : std::optional<double>(scale::latencyOf(r, c)));
    if (r != scale::kSlowHost && scale::kSlowHost < hosts) h.flagged.emplace_back(r, scale::kSlowHost);
  }
  return fabcheck::reports::svg::heatmapChart(h).size();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.html [hosts] [--no-switches] [--per-pair]\n", argv[0]);
    return 2;
  }
  size_t hosts = 1024;
  bool switches = true, per_pair = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-switches") switches = false;
    else if (a == "--per-pair") per_pair = true;
    else hosts = std::strtoul(a.c_str(), nullptr, 10);
  }
  if (hosts < 2) {
    std::fprintf(stderr, "hosts: expected a whole number >= 2\n");
    return 2;
  }
  auto t = Clock::now();
  const scale::Run run = scale::run(hosts, switches);
  const double records_ms = msSince(t);
  t = Clock::now();
  const std::string page = scale::html(run);
  const double render_ms = msSince(t);
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  out << page;
  if (!out.flush()) {
    std::fprintf(stderr, "cannot write %s\n", argv[1]);
    return 1;
  }
  std::printf("hosts %zu switches %s bytes %zu records_ms %.0f render_ms %.0f\n", hosts, switches ? "on" : "off",
              page.size(), records_ms, render_ms);
  if (per_pair) std::printf("per_pair_heatmap_bytes %zu\n", perPairBytes(hosts));
  return 0;
}
