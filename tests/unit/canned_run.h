// One canned run, shared by every reporter test (JSON, JUnit, HTML) and by the approval tests
// that compare the reporters' output with tests/golden/.
//
// The records follow reports/reporter.h and docs/results.md: a context, two agents (one with a
// measured clock offset, one unmeasured), then four tests, one per verdict:
//   passRecord()    "latency-matrix": pingpong on a matrix placement — latency_us,
//                   one_way_latency_us (full percentiles) and the host×host matrix
//   failRecord()    "elephant-ring": stream on a ring — per_flow (one flow lost 12 packets),
//                   intervals (30 samples), one SLO passes and one fails (slos[1])
//   errorRecord()   "incast": an infrastructure error (two lines), its SLO in error
//   skippedRecord() "fairness": every SLO skipped (metrics this run cannot give)
// and two ends: endRecord() after all four, interruptedEndRecord() after the first two.
//
// Timestamps, hosts, pids and durations are fixed values, so a reporter's output is the same on
// every machine and run; numbers are chosen to print exactly (k / 10.0, not k * 0.1).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/reporter.h"

namespace fabcheck::testing::canned {

using nlohmann::json;

inline json context() {
  return {{"schema_version", 1},
          {"fabcheck_version", "0.1.0"},
          {"suite",
           {{"name", "canned"},
            {"description", "a fixed run, the same for every reporter"},
            {"file", "suites/canned.yaml"},
            {"site_files", json::array({"sites/lab.yaml"})}}},
          {"fabric", {{"transport", "udp"}, {"dscp", 26}, {"ecn", 1}, {"line_rate_gbps", 10}, {"mtu", nullptr}}},
          {"launcher", "local"},
          {"controller_host", "node00"},
          {"started_at", "2026-11-21T15:00:00Z"}};
}

inline json agent(int id, const std::string& host, int pid, const std::string& peer, json offset_ns, json bound_ns) {
  return {{"id", id},
          {"host", host},
          {"version", "0.1.0"},
          {"pid", pid},
          {"peer", peer},
          {"boot_id", "00000000-0000-4000-8000-00000000000" + std::to_string(id + 1)},
          {"kernel", "6.1.0-18-amd64"},
          {"clock_source", "tsc"},
          {"rdma_devices", json::array()},
          {"interfaces", json::array({{{"name", "eth0"},
                                       {"mtu", 1500},
                                       {"addresses", json::array({"10.0.0." + std::to_string(id + 1) + "/24"})}}})},
          {"clock_offset_ns", offset_ns},
          {"offset_bound_ns", bound_ns},
          {"lost", false},
          {"lost_reason", nullptr}};
}

// Agent 0 with a measured clock offset (-1.83 µs ± 41 µs), agent 1 unmeasured.
inline json agents() {
  return json::array({agent(0, "node01", 4242, "10.0.0.1:51234", -1830, 41000),
                      agent(1, "node02", 4243, "10.0.0.2:51240", nullptr, nullptr)});
}

inline json slo(const std::string& expr, const std::string& verdict, json observed, json threshold,
                const std::string& metric, const std::string& unit, const std::string& reason,
                const std::string& where) {
  return {{"expression", expr},   {"verdict", verdict},     {"metric", metric}, {"unit", unit},
          {"observed", observed}, {"threshold", threshold}, {"reason", reason}, {"where", where}};
}

inline json latencyUs(int count, double min, double mean, double stddev, double p50, double p90, double p99,
                      double p999, double p9999, double max) {
  return {{"count", count}, {"min", min}, {"mean", mean}, {"stddev", stddev}, {"p50", p50},
          {"p90", p90},     {"p99", p99}, {"p999", p999}, {"p9999", p9999},   {"max", max}};
}

// pass: pingpong between two agents on a matrix placement (one round), RTT and one-way latency.
inline json passRecord() {
  return {{"name", "latency-matrix"},
          {"description", "pingpong between every pair of agents"},
          {"pattern", "pingpong"},
          {"placement", "matrix"},
          {"transport", "udp"},
          {"participants", {0, 1}},
          {"rounds", 1},
          {"verdict", "pass"},
          {"error", nullptr},
          {"start_skew_us", nullptr},
          {"start_skew_bound_us", nullptr},
          {"one_way_bound_us", 41.5},
          {"slos", json::array({slo("latency_us.p99 <= 2000", "pass", 61.5, 2000, "latency_us.p99", "us",
                                    "latency_us.p99 = 61.5 us, expected <= 2000", "suites/canned.yaml:9:9")})},
          {"metrics",
           {{"duration_s", 1.25},
            {"throughput_gbps", 0.012},
            {"loss_ratio", 0},
            {"lost_packets", 0},
            {"sent_packets", 4000},
            {"iterations", 2000},
            {"latency_kind", "rtt"},
            {"latency_us", latencyUs(2000, 12.5, 21.25, 30.5, 18, 25, 61.5, 300, 900, 950)},
            {"one_way_latency_us", latencyUs(4000, 6, 10.75, 15.25, 9, 12, 30, 150, 450, 475)}}},
          {"matrix",
           {{"agents", {"agent 0 (node01)", "agent 1 (node02)"}},
            {"latency_us_p50", {{nullptr, 18.1}, {18.1, nullptr}}},
            {"throughput_gbps", {{nullptr, nullptr}, {nullptr, nullptr}}}}}};
}

// 30 samples of 100 ms at 0.400..0.404 Gbit/s of 1250-byte datagrams.
inline json intervals() {
  json samples = json::array();
  long long total_bytes = 0, total_packets = 0;
  for (int k = 0; k < 30; ++k) {
    const int milli_gbps = 400 + k % 5;
    const long long bytes = milli_gbps * 12500LL, packets = milli_gbps * 10LL;
    samples.push_back({{"start_s", k / 10.0},
                       {"duration_s", 0.1},
                       {"bytes", bytes},
                       {"packets", packets},
                       {"gbps", milli_gbps / 1000.0}});
    total_bytes += bytes;
    total_packets += packets;
  }
  return {{"interval_ns", 100000000},
          {"total_bytes", total_bytes},
          {"total_packets", total_packets},
          {"truncated", false},
          {"samples", samples}};
}

inline json flow(int id, int from, int to, int sent, int lost, double gbps) {
  const std::string hosts[] = {"node01", "node02"};
  return {{"flow_id", id},
          {"sender_agent", from},
          {"receiver_agent", to},
          {"sender_host", hosts[from]},
          {"receiver_host", hosts[to]},
          {"sent_packets", sent},
          {"received_packets", sent - lost},
          {"lost_packets", lost},
          {"reordered_packets", 0},
          {"duplicate_packets", 0},
          {"throughput_gbps", gbps},
          {"target_gbps", 0.25},
          {"send_errors", 0}};
}

// fail: a stream ring under its throughput SLO (slos[1] fails; slos[0], loss, passes), with a
// latency-under-load probe (idle and loaded round trips).
inline json failRecord() {
  return {
      {"name", "elephant-ring"},
      {"description", "one elephant flow from each agent to the next"},
      {"pattern", "stream"},
      {"placement", "ring"},
      {"transport", "udp"},
      {"participants", {0, 1}},
      {"rounds", 1},
      {"verdict", "fail"},
      {"error", nullptr},
      {"start_skew_us", 12.5},
      {"start_skew_bound_us", 41},
      {"one_way_bound_us", 41.5},
      {"slos", json::array({slo("loss_ratio <= 0.001", "pass", 0.000097, 0.001, "loss_ratio", "",
                                "loss_ratio = 9.7e-05, expected <= 0.001", "suites/canned.yaml:20:9"),
                            slo("throughput_gbps >= 0.9 * rate_gbps", "fail", 0.4125, 0.45, "throughput_gbps", "Gbit/s",
                                "throughput_gbps = 0.4125 Gbit/s, expected >= 0.45", "suites/canned.yaml:21:9")})},
      {"metrics",
       {{"duration_s", 3.000125},
        {"throughput_gbps", 0.4125},
        {"offered_gbps", 0.4126},
        {"loss_ratio", 0.000097},
        {"lost_packets", 12},
        {"sent_packets", 123762},
        {"jain_fairness", 0.99967},
        {"per_flow", json::array({flow(0, 0, 1, 63000, 0, 0.21), flow(1, 1, 0, 60762, 12, 0.2025)})},
        {"intervals", intervals()},
        {"latency_us", latencyUs(900, 20.5, 48.25, 20.5, 41, 70, 120.5, 400, 410, 415)},
        {"idle_latency_us", latencyUs(300, 12.5, 19.25, 6.5, 18, 22, 35.5, 80, 81, 82)},
        {"latency_increase_us", {{"p50", 23}, {"p90", 48}, {"p99", 85}, {"p999", 320}, {"max", 333}}},
        {"probe",
         {{"size_bytes", 64}, {"dscp", 46}, {"dscp_received", 46}, {"sender_agent", 0}, {"receiver_agent", 1},
          {"sent_packets", 910}, {"lost_packets", 0}, {"iterations", 900}, {"idle_iterations", 300}}}}}};
}

inline constexpr const char* kInfrastructureError =
    "agent 1 (node02): phase start: no reply within 10s\nits log ends: bind failed";

// error: the test could not run; its SLO is in error with the same text.
inline json errorRecord() {
  return {{"name", "incast"},
          {"pattern", "incast"},
          {"placement", "incast"},
          {"transport", "udp"},
          {"participants", {0, 1}},
          {"rounds", 1},
          {"verdict", "error"},
          {"error", kInfrastructureError},
          {"agent_logs", {{"0", {"[2026-11-21T10:00:01.250] [agent0] warning: flow 2 sender: 3 sends refused (ENOBUFS)"}}}},
          {"start_skew_us", nullptr},
          {"start_skew_bound_us", nullptr},
          {"one_way_bound_us", nullptr},
          {"slos", json::array({slo("loss_ratio == 0", "error", nullptr, 0, "loss_ratio", "", kInfrastructureError,
                                    "suites/canned.yaml:30:9")})},
          {"metrics", json::object()}};
}

// skipped: it ran, but every SLO asks for a metric this run cannot give.
inline json skippedRecord() {
  return {
      {"name", "fairness"},
      {"pattern", "stream"},
      {"placement", "pairs"},
      {"transport", "udp"},
      {"participants", {0, 1}},
      {"rounds", 1},
      {"verdict", "skipped"},
      {"error", nullptr},
      {"start_skew_us", nullptr},
      {"start_skew_bound_us", nullptr},
      {"one_way_bound_us", nullptr},
      {"slos", json::array({slo("jain_fairness >= 0.95", "skipped", nullptr, 0.95, "jain_fairness", "",
                                "jain_fairness needs at least 2 flows; this test has 1", "suites/canned.yaml:40:9"),
                            slo("one_way_latency_us.p99 <= 50", "skipped", nullptr, 50, "one_way_latency_us.p99", "us",
                                "one_way_latency_us needs synchronised clocks; agent 1 (node02) has no measured offset",
                                "suites/canned.yaml:41:9")})},
      {"metrics", {{"duration_s", 2}, {"throughput_gbps", 1}, {"loss_ratio", 0}, {"lost_packets", 0}}}};
}

// The four tests in the order they ran.
inline std::vector<json> tests() { return {passRecord(), failRecord(), errorRecord(), skippedRecord()}; }

// The end after all four: an error among them makes exit code 3.
inline json endRecord() {
  return {{"finished_at", "2026-11-21T15:00:09Z"},
          {"duration_s", 9.5},
          {"interrupted", false},
          {"stopped_on_error", false},
          {"error", nullptr},
          {"counts", {{"pass", 1}, {"fail", 1}, {"error", 1}, {"skipped", 1}}},
          {"exit_code", 3}};
}

// The end of a run interrupted (Ctrl-C) after the first two tests: a fail makes exit code 1.
inline json interruptedEndRecord() {
  return {{"finished_at", "2026-11-21T15:00:05Z"},
          {"duration_s", 5.25},
          {"interrupted", true},
          {"stopped_on_error", false},
          {"error", nullptr},
          {"counts", {{"pass", 1}, {"fail", 1}, {"error", 0}, {"skipped", 0}}},
          {"exit_code", 1}};
}

// Plays the run through a reporter: the whole run, or (interrupted) the first two tests and
// interruptedEndRecord().
inline void play(reports::Reporter& r, bool interrupted = false) {
  r.begin(context());
  r.agents(agents());
  const auto all = tests();
  for (size_t i = 0; i < (interrupted ? 2 : all.size()); ++i) r.test(all[i]);
  r.finish(interrupted ? interruptedEndRecord() : endRecord());
}

}  // namespace fabcheck::testing::canned
