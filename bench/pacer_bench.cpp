// Real-clock pacing accuracy: a loop that "sends" (no socket) 1400-byte messages through the
// Pacer and waitUntil() for 0.5 s per rate and reports achieved/target. Target: within 1% from
// 10 Mbit/s to 5 Gbit/s (docs/PERFORMANCE.md). Counters: achieved_over_target (from the bytes
// the loop counted over the wall time it ran), pacer_achieved_over_target (Pacer::stats()),
// late_us_max (worst lateness of a send after its eligible time).
#include <benchmark/benchmark.h>

#include <algorithm>

#include "generators/core/clock.h"
#include "generators/pacing/pacer.h"
#include "generators/pacing/wait.h"

namespace {

using fabcheck::monoNowNs;
using fabcheck::pacing::Pacer;
using fabcheck::pacing::PacerConfig;
using fabcheck::pacing::waitUntil;

constexpr uint64_t kMsg = 1400;
constexpr int64_t kRunNs = 500'000'000;

void BM_PacerRealClock(benchmark::State& state) {
  const double rate_bps = static_cast<double>(state.range(0)) * 1e6;
  const uint32_t batch = static_cast<uint32_t>(state.range(1));
  for (auto _ : state) {
    const int64_t start = monoNowNs() + 1'000'000;
    Pacer pacer(PacerConfig{.rate_bps = rate_bps, .start_ns = start});
    const int64_t end = start + kRunNs;
    uint64_t bytes = 0;
    int64_t late_max = 0;
    int64_t now = monoNowNs();
    while (now < end) {
      const int64_t t = pacer.eligibleAt(kMsg, now);
      if (t > now) now = waitUntil(t);
      if (now >= end) break;
      late_max = std::max(late_max, now - t);
      const uint32_t n = pacer.allowance(kMsg, batch, now);
      pacer.consume(kMsg, n, now);
      bytes += n * kMsg;
      benchmark::DoNotOptimize(bytes);
      now = monoNowNs();
    }
    const auto st = pacer.stats();
    state.counters["achieved_over_target"] = static_cast<double>(bytes) * 8e9 / kRunNs / rate_bps;
    state.counters["pacer_achieved_over_target"] = st.achieved_bps / rate_bps;
    state.counters["late_us_max"] = static_cast<double>(late_max) / 1e3;
  }
}

BENCHMARK(BM_PacerRealClock)
    ->ArgNames({"Mbps", "batch"})
    ->Args({10, 1})
    ->Args({100, 1})
    ->Args({1000, 1})
    ->Args({5000, 1})
    ->Args({5000, 16})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_PacerDecision(benchmark::State& state) {
  // Cost of one eligibleAt + allowance + consume with a synthetic clock (hot-path overhead).
  Pacer pacer(PacerConfig{.rate_bps = 5e9, .start_ns = 1});
  int64_t now = 1;
  for (auto _ : state) {
    now = std::max(now, pacer.eligibleAt(kMsg, now));
    const uint32_t n = pacer.allowance(kMsg, 1, now);
    pacer.consume(kMsg, n, now);
  }
  benchmark::DoNotOptimize(now);
}
BENCHMARK(BM_PacerDecision);

}  // namespace
