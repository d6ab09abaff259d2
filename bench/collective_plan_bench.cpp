// Scheduling cost of collectives (issue 6 target: a 1024-rank all-to-all plan in <= 100 ms and
// <= 64 MiB). "Plan" = what the controller builds (the schedule and its flow list, one flow per
// (sender, receiver, channel)) plus one rank's steps (what each agent builds for itself).
// Counters: peak_alloc_MiB = peak bytes live on the heap during one build (operator new is
// counted in this binary), flows = connections listed. BM_AllRankSchedules builds every rank's
// steps in one process, the worst case if one host planned for everybody.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "generators/patterns/collective_schedule.h"

namespace {

std::atomic<int64_t> g_live{0}, g_peak{0};

void account(int64_t delta) noexcept {
  const int64_t now = g_live.fetch_add(delta, std::memory_order_relaxed) + delta;
  int64_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

}  // namespace

void* operator new(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (p == nullptr) throw std::bad_alloc();
  account(static_cast<int64_t>(malloc_usable_size(p)));
  return p;
}
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  account(-static_cast<int64_t>(malloc_usable_size(p)));
  std::free(p);
}
void operator delete(void* p, size_t) noexcept { operator delete(p); }

namespace {

using fabcheck::patterns::CollectiveAlgorithm;
using fabcheck::patterns::CollectiveKind;
using fabcheck::patterns::CollectiveParams;
using fabcheck::patterns::CollectiveSchedule;

CollectiveParams allToAll(CollectiveAlgorithm alg) {
  CollectiveParams p;
  p.kind = CollectiveKind::kAllToAll;
  p.algorithm = alg;
  p.size_bytes = 1024ull * 1024 * 1024;  // 1 MiB to every peer
  return p;
}

void BM_AllToAllPlan(benchmark::State& state) {
  const int ranks = static_cast<int>(state.range(0));
  const auto alg = state.range(1) == 0 ? CollectiveAlgorithm::kPairwise : CollectiveAlgorithm::kAllAtOnce;
  size_t flows = 0;
  int64_t peak = 0;
  for (auto _ : state) {
    const int64_t before = g_live.load();
    g_peak.store(before);
    const CollectiveSchedule s(allToAll(alg), ranks);
    const auto f = s.flows();
    const auto mine = s.rank(ranks - 1);
    benchmark::DoNotOptimize(f.data());
    benchmark::DoNotOptimize(mine.steps());
    flows = f.size();
    peak = std::max(peak, g_peak.load() - before);
  }
  state.counters["flows"] = static_cast<double>(flows);
  state.counters["peak_alloc_MiB"] = static_cast<double>(peak) / (1 << 20);
}
BENCHMARK(BM_AllToAllPlan)->Args({1024, 0})->Args({1024, 1})->Unit(benchmark::kMillisecond);

void BM_AllRankSchedules(benchmark::State& state) {
  const int ranks = static_cast<int>(state.range(0));
  const CollectiveSchedule s(allToAll(CollectiveAlgorithm::kPairwise), ranks);
  for (auto _ : state) {
    size_t steps = 0;
    for (int r = 0; r < ranks; ++r) steps += s.rank(r).steps();
    benchmark::DoNotOptimize(steps);
  }
}
BENCHMARK(BM_AllRankSchedules)->Arg(1024)->Unit(benchmark::kMillisecond);

}  // namespace
