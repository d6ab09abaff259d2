// The JSON report at scale (issue 18): bytes per agent per test and the reporter's memory over
// a run of many tests, with records shaped like a real ring stream's at N agents (the fields of
// bench/controller-scale's reports: N flows in metrics.per_flow with agents and hosts, every
// agent in participants and in counters.agents as with host counters off, a one-way latency
// histogram of 1000 buckets). Each record goes through results::keepFlows with the suite's
// default `report:` settings (per_flow auto) or with per_flow all (arg 2 = 1), then to a
// JsonReporter writing to /tmp.
//
//   build/bench/json_report_bench --benchmark_filter=JsonReport
//
// Counters: B/agent/test = the file's bytes without the header (context and agents) per agent
// per test; held_B = JsonReporter::heldBytes() after the last test; rss_growth_MB = the process's
// VmRSS after the tests minus before them (the records are built one at a time and dropped).
#include <benchmark/benchmark.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/results/flow_detail.h"
#include "reports/json_reporter.h"

namespace {

using nlohmann::json;

json ringRecord(int n, int test) {
  json flows = json::array(), participants = json::array(), agents = json::object();
  for (int i = 0; i < n; ++i) {
    const int to = (i + 1) % n;
    flows.push_back({{"duplicate_packets", 0}, {"flow_id", i}, {"lost_packets", i == 7 ? 3 : 0},
                     {"offered_gbps", 0.00096256}, {"received_packets", i == 7 ? 91 : 94}, {"receiver_agent", to},
                     {"receiver_host", "node" + std::to_string(to / 16)}, {"reordered_packets", 0}, {"send_errors", 0},
                     {"sender_agent", i}, {"sender_host", "node" + std::to_string(i / 16)}, {"sent_packets", 94},
                     {"target_gbps", 0.001}, {"throughput_gbps", 0.00096256 - (i % 13) * 1e-6}});
    participants.push_back(i);
    agents[std::to_string(i)] = {{"metrics", json::object()}, {"netns", "net:[4026531833]"},
                                 {"off", "host counters off in this agent (fabcheck agent --host-counters off)"}};
  }
  json buckets = json::array();
  for (int b = 0; b < 1000; ++b) buckets.push_back(json::array({1368 + b * 3, 1 + b % 4}));
  return {{"name", "ring-" + std::to_string(test)}, {"pattern", "stream"}, {"placement", "ring"}, {"transport", "udp"},
          {"participants", participants}, {"verdict", "pass"}, {"error", nullptr}, {"slos", json::array()},
          {"metrics", {{"throughput_gbps", n * 0.00096}, {"loss_ratio", 0.0}, {"per_flow", flows}}},
          {"histograms", {{"one_way_latency_ns", {{"count", 94 * n}, {"buckets", buckets}}}}},
          {"counters", {{"agents", agents}, {"fabric", nullptr}}}};
}

long rssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

long fileSize(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1;
}

// args: agents, tests, per_flow all (1) or the default auto (0)
void BM_JsonReport(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), tests = static_cast<int>(state.range(1));
  fabcheck::suite::ReportSettings settings;
  if (state.range(2) == 1) settings.per_flow = "all";
  const std::string path = "/tmp/fabcheck-json-report-bench-" + std::to_string(::getpid()) + ".json";
  json agents = json::array();
  for (int i = 0; i < n; ++i) agents.push_back({{"id", i}, {"host", "node" + std::to_string(i / 16)}});
  for (auto _ : state) {
    fabcheck::reports::JsonReporter r(path);
    r.begin({{"schema_version", 1}, {"suite", {{"name", "scale"}}}});
    r.agents(agents);
    const long header = fileSize(path), rss_before = rssKb();
    for (int t = 0; t < tests; ++t) {
      json record = ringRecord(n, t);
      fabcheck::results::keepFlows(record, settings);
      r.test(record);
    }
    const long rss_after = rssKb();
    r.finish({{"duration_s", 1.0}});
    state.counters["B/agent/test"] = static_cast<double>(fileSize(path) - header) / n / tests;
    state.counters["held_B"] = static_cast<double>(r.heldBytes());
    state.counters["rss_growth_MB"] = static_cast<double>(rss_after - rss_before) / 1024.0;
  }
  ::unlink(path.c_str());
}
BENCHMARK(BM_JsonReport)
    ->Args({256, 40, 0})
    ->Args({256, 40, 1})
    ->Args({1024, 40, 0})
    ->Args({1024, 40, 1})
    ->Args({1024, 1, 0})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
