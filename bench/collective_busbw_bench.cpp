// Emulation overhead of collectives (issue 6 target): on loopback with 4 local agents, a ring
// all-reduce's busbw must reach >= 80% of what the same agents move with plain streams in a
// ring, measured in the same invocation (alternating rounds: this machine is shared and noisy).
//
// busbw is per link by definition (nccl-tests): a ring all-reduce puts 2(n-1)·S bytes on the
// n links per iteration, so n × busbw is its aggregate wire rate. The streams' figure is the
// ring's aggregate received rate over its n flows; the ratio compares busbw with that
// aggregate / n (equivalently, the collective's aggregate with the streams' aggregate).
// Streams run unlimited with the collective's message size; both over the udp transport.
//
//   FABCHECK_BIN=build/fabcheck build/bench/collective_busbw_bench
//   (FABCHECK_BUSBW_ROUNDS=N alternating rounds, default 3; FABCHECK_BUSBW_SIZE=bytes of S, default 32 MiB)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/runner/runner.h"

namespace {

using namespace fabcheck;

uint64_t envOr(const char* name, uint64_t dflt);

std::string binary() {
  const char* b = std::getenv("FABCHECK_BIN");
  return b ? b : "build/fabcheck";
}

uint64_t envOr(const char* name, uint64_t dflt) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : dflt;
}

constexpr int kRanks = 4;

model::TestSpec streamRing(int round, uint32_t message) {
  model::TestSpec t;
  t.name = "streams " + std::to_string(round);
  t.placement = patterns::Placement::kRing;
  t.params.kind = patterns::PatternKind::kStream;
  t.params.size_bytes = message;
  t.params.rate_bps = 0;  // as fast as possible
  t.params.warmup_ns = 200'000'000;
  t.params.duration_ns = 2'000'000'000;
  return t;
}

model::TestSpec allReduce(int round, uint32_t message, uint64_t size) {
  model::TestSpec t;
  t.name = "all_reduce " + std::to_string(round);
  model::CollectiveSpec c;
  c.params.kind = patterns::CollectiveKind::kAllReduce;
  c.params.algorithm = patterns::CollectiveAlgorithm::kRing;
  c.params.size_bytes = size;
  c.params.iterations = 10;
  c.params.warmup_iterations = 2;
  c.message_bytes = message;
  c.window_bytes = static_cast<uint32_t>(envOr("FABCHECK_BUSBW_WINDOW", c.window_bytes));
  t.collective = c;
  return t;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Streams: received bits in the measured phase over its length, summed over the ring's flows.
double streamAggregateGbps(const model::TestOutcome& t) {
  double sum = 0;
  for (const auto& r : t.receivers) {
    int64_t ns = 0;
    for (const auto& s : t.senders) {
      if (s.flow_id == r.flow_id) ns = s.measured_ns;
    }
    if (ns > 0) sum += static_cast<double>(r.measured_bytes) * 8 / static_cast<double>(ns);
  }
  return sum;
}

// nccl-tests' busbw of a ring all-reduce, in Gbit/s: S / mean(slowest rank's iteration) × 2(n-1)/n.
double busbwGbps(const model::TestOutcome& t) {
  const auto& ranks = t.collective.rounds.at(0).ranks;
  const size_t iters = ranks.at(0).iteration_ns.size();
  double total_us = 0;
  for (size_t i = 0; i < iters; ++i) {
    int64_t worst = 0;
    for (const auto& r : ranks) worst = std::max(worst, r.iteration_ns.at(i));
    total_us += static_cast<double>(worst) / 1e3;
  }
  const double time_us = total_us / static_cast<double>(iters);
  const double algbw_gbyte = static_cast<double>(t.collective.rounds[0].size_bytes) / (time_us * 1e3);
  return algbw_gbyte * 2.0 * (kRanks - 1) / kRanks * 8;
}

void BM_AllReduceBusbwVsStreamRing(benchmark::State& state) {
  const auto message = static_cast<uint32_t>(state.range(0));
  const int rounds = static_cast<int>(envOr("FABCHECK_BUSBW_ROUNDS", 3));
  const uint64_t size = envOr("FABCHECK_BUSBW_SIZE", 32ull << 20);
  for (auto _ : state) {
    RunOptions o;
    o.agents = kRanks;
    o.binary = binary();
    std::vector<model::TestSpec> tests;
    for (int r = 0; r < rounds; ++r) {
      tests.push_back(streamRing(r, message));
      tests.push_back(allReduce(r, message, size));
    }
    const RunResult res = Runner(o).run(tests);
    std::vector<double> per_link, busbw, ratio;
    for (int r = 0; r < rounds; ++r) {
      const auto& s = res.tests.at(static_cast<size_t>(2 * r));
      const auto& c = res.tests.at(static_cast<size_t>(2 * r + 1));
      if (!s.error.empty() || !c.error.empty()) {
        state.SkipWithError((s.error + " " + c.error).c_str());
        return;
      }
      const double link = streamAggregateGbps(s) / kRanks;
      const double bus = busbwGbps(c);
      per_link.push_back(link);
      busbw.push_back(bus);
      ratio.push_back(bus / link);
      uint64_t retrans = 0, timeouts = 0;
      for (const auto& x : c.collective.rounds[0].ranks) {
        retrans += x.retransmissions;
        timeouts += x.timeouts;
      }
      std::fprintf(stderr,
                   "round %d: streams %.3f Gbit/s aggregate (%.3f per link), all-reduce busbw %.3f Gbit/s: %.3f"
                   " (%llu retransmissions, %llu timeouts)\n",
                   r, link * kRanks, link, bus, bus / link, static_cast<unsigned long long>(retrans),
                   static_cast<unsigned long long>(timeouts));
    }
    state.counters["stream_link_gbps"] = median(per_link);
    state.counters["busbw_gbps"] = median(busbw);
    state.counters["ratio_median"] = median(ratio);
    state.counters["ratio_min"] = *std::min_element(ratio.begin(), ratio.end());
  }
}
BENCHMARK(BM_AllReduceBusbwVsStreamRing)->Arg(8192)->Arg(65000)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
