// Controller cost vs agent count, and start skew across agents on one host (issue 3 targets:
// 256 local agents launched to the barrier in < 2 s, growth no worse than linear; start skew
// p99 <= 50 us). Real agent processes of the real binary via the local launcher.
//
//   build/bench/runner_bench --benchmark_filter=LaunchToReady   (FABCHECK_BIN to override the binary)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "harness/runner/runner.h"

namespace {

std::string binary() {
  const char* b = std::getenv("FABCHECK_BIN");
  return b ? b : "build/fabcheck";
}

void BM_LaunchToReady(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  for (auto _ : state) {
    fabcheck::RunOptions o;
    o.agents = agents;
    o.binary = binary();
    o.controller.clock_samples = 4;
    fabcheck::Runner runner(o);
    auto r = runner.run({});
    state.SetIterationTime(static_cast<double>(r.launch_to_ready_ns) / 1e9);
    state.counters["ms"] = static_cast<double>(r.launch_to_ready_ns) / 1e6;
    state.counters["ms_per_agent"] = static_cast<double>(r.launch_to_ready_ns) / 1e6 / agents;
  }
}
BENCHMARK(BM_LaunchToReady)->Arg(1)->Arg(8)->Arg(64)->Arg(256)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_StartSkew(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  for (auto _ : state) {
    fabcheck::RunOptions o;
    o.agents = agents;
    o.binary = binary();
    fabcheck::Runner runner(o);
    std::vector<fabcheck::model::TestSpec> tests;
    for (int i = 0; i < 100; ++i) {
      fabcheck::model::TestSpec t;
      t.name = "incast " + std::to_string(i);
      t.placement = fabcheck::patterns::Placement::kIncast;
      t.params.kind = fabcheck::patterns::PatternKind::kMicroburst;
      t.params.size_bytes = 1000;
      t.params.burst_bytes = 10'000;
      t.params.burst_interval_ns = 5'000'000;
      t.params.duration_ns = 20'000'000;
      tests.push_back(t);
    }
    auto r = runner.run(tests);
    std::vector<int64_t> skews;
    for (const auto& t : r.tests) if (t.error.empty() && t.start_skew_ns >= 0) skews.push_back(t.start_skew_ns);
    std::sort(skews.begin(), skews.end());
    if (skews.empty()) {
      state.SkipWithError("no test reported a start skew");
      return;
    }
    state.counters["tests"] = static_cast<double>(skews.size());
    state.counters["p50_us"] = static_cast<double>(skews[skews.size() / 2]) / 1e3;
    state.counters["p99_us"] = static_cast<double>(skews[std::min(skews.size() - 1, skews.size() * 99 / 100)]) / 1e3;
    state.counters["max_us"] = static_cast<double>(skews.back()) / 1e3;
    state.counters["p90_us"] = static_cast<double>(skews[skews.size() * 90 / 100]) / 1e3;
    state.counters["over_50us"] = static_cast<double>(std::count_if(skews.begin(), skews.end(), [](int64_t s) { return s > 50'000; }));
  }
}
BENCHMARK(BM_StartSkew)->Arg(3)->Arg(4)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
