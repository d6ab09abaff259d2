// Micro-benchmarks of LatencyHistogram: record() cost (target <= 10 ns), percentile and
// summary cost, and merge cost. Values are pre-generated so the RNG is not measured.
// The `memoryBytes` counter reports the histogram's fixed footprint (target <= 64 KiB at
// 3 significant digits over 1 ns..100 s).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "generators/measure/histogram.h"

namespace {

using fabcheck::measure::LatencyHistogram;

constexpr int64_t kHighest = 100'000'000'000;

// Lognormal latencies around 20 us with a long tail; a power-of-two count for cheap wrap.
const std::vector<int64_t>& values() {
  static const std::vector<int64_t> v = [] {
    std::mt19937_64 rng(1234);
    std::lognormal_distribution<double> d(std::log(20'000.0), 1.5);
    std::vector<int64_t> out(size_t{1} << 16);
    for (auto& x : out) x = static_cast<int64_t>(d(rng));
    return out;
  }();
  return v;
}

LatencyHistogram filled(int digits, size_t n) {
  LatencyHistogram h(1, kHighest, digits);
  const auto& v = values();
  for (size_t i = 0; i < n; ++i) h.record(v[i & (v.size() - 1)] + static_cast<int64_t>(i % 1000));
  return h;
}

void BM_HistogramRecord(benchmark::State& state) {
  LatencyHistogram h(1, kHighest, static_cast<int>(state.range(0)));
  const auto& v = values();
  const size_t mask = v.size() - 1;
  size_t i = 0;
  for (auto _ : state) {
    h.record(v[i++ & mask]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["memoryBytes"] = static_cast<double>(h.memoryBytes());
}
BENCHMARK(BM_HistogramRecord)->Arg(2)->Arg(3)->Arg(4);

void BM_HistogramPercentile(benchmark::State& state) {
  const LatencyHistogram h = filled(3, 1'000'000);
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.percentile(99.9));
  }
  state.counters["memoryBytes"] = static_cast<double>(h.memoryBytes());
}
BENCHMARK(BM_HistogramPercentile);

void BM_HistogramSummary(benchmark::State& state) {
  const LatencyHistogram h = filled(3, 1'000'000);
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.summary());
  }
}
BENCHMARK(BM_HistogramSummary);

void BM_HistogramMerge(benchmark::State& state) {
  const LatencyHistogram src = filled(3, 1'000'000);
  LatencyHistogram dst(1, kHighest, 3);
  for (auto _ : state) {
    dst.merge(src);
    benchmark::ClobberMemory();
  }
  state.counters["memoryBytes"] = static_cast<double>(dst.memoryBytes());
}
BENCHMARK(BM_HistogramMerge);

}  // namespace
