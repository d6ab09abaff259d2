#include "harness/runner/suite_run.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <ctime>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "generators/core/version.h"
#include "harness/plan/participants.h"
#include "harness/results/flow_detail.h"
#include "harness/results/loss_attribution.h"
#include "harness/results/test_summary.h"
#include "harness/results/topology.h"
#include "harness/runner/agent_cluster.h"
#include "harness/runner/line_rate_source.h"
#include "harness/slo/metric_registry.h"
#include "harness/slo/verdict.h"
#include "harness/suite/suite_loader.h"
#include "reports/reporter.h"

namespace fabcheck {
namespace {

using nlohmann::json;

std::string isoTime(int64_t wall_ns) {
  const std::time_t t = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json contextOf(const suite::Suite& s, const std::string& launcher, int64_t started_wall) {
  return {{"schema_version", 1},
          {"fabcheck_version", kVersion},
          {"suite", {{"name", s.name}, {"description", s.description}, {"file", s.file}, {"site_files", s.site_files}}},
          {"fabric", {{"transport", s.fabric.transport}, {"dscp", s.fabric.dscp}, {"ecn", s.fabric.ecn},
                      {"line_rate_gbps", s.fabric.line_rate_gbps > 0 ? json(s.fabric.line_rate_gbps) : json(nullptr)},
                      {"mtu", s.fabric.mtu > 0 ? json(s.fabric.mtu) : json(nullptr)}}},
          {"launcher", launcher},
          {"controller_host", hostName()},
          {"started_at", isoTime(started_wall)}};
}

}  // namespace

json sloJson(const slo::SloResult& r) {
  return json{{"expression", r.expression},
              {"verdict", slo::toString(r.verdict)},
              {"metric", r.metric},
              {"unit", r.unit},
              {"op", r.op},
              {"observed", r.observed ? json(*r.observed) : json(nullptr)},
              {"threshold", r.threshold},
              {"reason", r.reason},
              {"where", r.pos.str()}};
}

// A failed SLO on a NIC verdict carries the findings behind it (which counter on which host rose
// by how much, which storm): reporters show them with the failure (docs/results.md "slos").
void addFindings(const json& record, const slo::SloResult& r, json& slo) {
  if (r.verdict != slo::Verdict::kFail) return;
  const bool lossless = r.metric.rfind("lossless.", 0) == 0;
  const bool storms = r.metric == "nic.pfc.storms" || r.metric == "nic.pfc.max_pause_duty";
  const bool ecn = r.metric.rfind("ecn.", 0) == 0;
  const bool loss = results::isLossMetric(r.metric);
  if (!lossless && !storms && !ecn && !loss) return;
  const json nic = record.value("nic", json::object());
  json findings = json::array();
  if (loss) {
    for (const auto& f : results::lossAttribution(record.value("metrics", json::object()))) findings.push_back(f);
  }
  if (lossless) findings = nic.value("lossless", json::object()).value("violations", json::array());
  if (ecn) findings = nic.value("ecn", json::object()).value("problems", json::array());
  if (storms) {
    for (const auto& s : nic.value("pfc_storms", json::array())) {
      findings.push_back(s.value("host", std::string("?")) + ": PFC storm on " + s.value("nic", std::string("?")) +
                         " priority " + std::to_string(s.value("priority", -1)));
    }
  }
  if (findings.empty()) return;
  slo["findings"] = findings;
  std::string text;
  for (const auto& f : findings) text += (text.empty() ? "" : "; ") + f.get<std::string>();
  slo["reason"] = slo["reason"].get<std::string>() + " — " + text;
}

std::vector<launch::HostEntry> hostsOf(const RunOptions& options) {
  if (!options.hosts.empty()) return options.hosts;
  return {launch::HostEntry{"localhost", options.agents, {}}};
}

std::vector<PlannedTest> planSuite(const suite::Suite& s, const std::vector<launch::HostEntry>& hosts,
                                   const std::vector<std::string>& only) {
  if (auto d = slo::validateSlos(s); !d.empty()) throw suite::SuiteError(d);
  for (const auto& name : only) {
    bool found = false;
    for (const auto& t : s.tests) found |= t.spec.name == name;
    if (!found) throw ConfigError("--test '" + name + "': the suite has no test of that name");
  }
  const auto agents_of = plan::resolveSuite(s, hosts);  // a test needing more agents than given says so now
  std::vector<PlannedTest> planned;
  for (size_t i = 0; i < s.tests.size(); ++i) {
    if (!only.empty() && std::find(only.begin(), only.end(), s.tests[i].spec.name) == only.end()) continue;
    PlannedTest p{&s.tests[i], s.tests[i].spec};
    p.spec.agents = agents_of[i];
    planned.push_back(std::move(p));
  }
  return planned;
}

namespace {

// A collective's busbw above the line rate (results/collective_line_rate.h) is a misreading: the
// test is an error naming it, and an SLO on a figure it took out is an error, not skipped.
void applyMisreadings(const std::vector<std::string>& misreadings, json& record, std::vector<slo::SloResult>& slos,
                      slo::Verdict& verdict) {
  if (misreadings.empty()) return;
  const json missing = record.value("metrics_missing", json::object());
  for (auto& r : slos) {
    if (r.verdict == slo::Verdict::kSkipped && missing.contains(r.metric) &&
        missing[r.metric].get<std::string>().rfind("busbw above the line rate", 0) == 0) {
      r.verdict = slo::Verdict::kError;
    }
  }
  verdict = slo::Verdict::kError;
  const std::string misread =
      misreadings.front() + (misreadings.size() > 1 ? fmt::format(" (and {} more sizes)", misreadings.size() - 1) : "");
  // An error the test already had stays first; the misreading is added, not hidden (issue 19).
  const json& had = record.value("error", json());
  record["error"] = had.is_string() ? had.get<std::string>() + "; also: " + misread : misread;
}

// The record reporters get for one finished test: the summary, its SLOs' verdicts and the test's.
json testRecord(const model::TestOutcome& outcome, const std::vector<model::AgentInfo>& agents, const suite::SuiteTest& t,
                const std::map<std::string, double>& constants, const results::LineRate& line_rate, slo::Verdict& verdict) {
  json record = results::summarizeTest(outcome, agents);
  const std::vector<std::string> misreadings = results::addLineRateFigures(record, line_rate);
  const auto metrics = slo::flattenMetrics(record);
  std::map<std::string, std::string> why_missing;
  const json missing = record.value("metrics_missing", json::object());
  for (const auto& [name, why] : missing.items()) {
    if (why.is_string()) why_missing[name] = why.get<std::string>();
  }
  std::vector<slo::SloResult> slos;
  for (const auto& x : t.slos) slos.push_back(slo::evaluate(x, metrics, constants, outcome.error, why_missing));
  verdict = slo::testVerdict(slos, outcome.error);
  applyMisreadings(misreadings, record, slos, verdict);
  record["verdict"] = slo::toString(verdict);
  record["slos"] = json::array();
  for (const auto& r : slos) {
    json j = sloJson(r);
    addFindings(record, r, j);
    record["slos"].push_back(std::move(j));
  }
  if (!t.description.empty()) record["description"] = t.description;
  json phases = json::object();  // the controller's time per phase (not a metric: after flattenMetrics)
  for (const auto& [phase, ns] : outcome.phase_ns) phases[phase] = std::round(static_cast<double>(ns) / 1e4) / 100;
  record["phases_ms"] = std::move(phases);
  return record;
}

// This process's peak resident set (VmHWM of /proc/self/status) in bytes; -1 when unreadable.
int64_t peakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;  // "VmHWM:   1234 kB"
  }
  return -1;
}

// The end record's "controller": how long the agents took to come, the controller's peak memory,
// how many agents registered (those dropped at the start not counted).
json controllerStats(const SuiteRunResult& out, const std::vector<model::AgentInfo>& all) {
  const auto agents = std::count_if(all.begin(), all.end(), [](const model::AgentInfo& a) { return !a.dropped; });
  return {{"launch_to_ready_s", out.launch_to_ready_ns < 0 ? json(nullptr)
                                                           : json(static_cast<double>(out.launch_to_ready_ns) / 1e9)},
          {"peak_rss_bytes", peakRssBytes()},
          {"agents", agents}};
}

// Copies the controller's `now` lost marks (and reasons) onto our copy of the agents (which has
// the hosts file's topology labels) and, when an agent became lost, rebuilds the reports' agents
// `json` from them and returns true: every report says lost from that test on.
bool noteLostAgents(std::vector<model::AgentInfo>& agents, const std::vector<model::AgentInfo>& now, json& agents_json) {
  bool changed = false;
  for (size_t i = 0; i < agents.size() && i < now.size(); ++i) {
    if (!now[i].lost || agents[i].lost) continue;
    agents[i].lost = true;
    agents[i].lost_reason = now[i].lost_reason;
    changed = true;
  }
  if (!changed) return false;
  agents_json = json::array();
  for (const auto& x : agents) agents_json.push_back(results::agentJson(x));
  return true;
}

// The end record's "dropped_agents": those that never registered, the run having gone on without them.
json droppedAgentsJson(const std::vector<model::AgentInfo>& agents) {
  json out = json::array();
  for (const auto& a : agents) {
    if (a.dropped) out.push_back({{"id", a.id}, {"host", a.host}, {"reason", a.lost_reason}});
  }
  return out;
}

// The end record (reporter.h) of a run whose result `out` has its exit code.
json endRecord(const SuiteRunResult& out, int64_t started_mono, const json& counts,
               const std::vector<model::AgentInfo>& agents) {
  return {{"finished_at", isoTime(wallNowNs())},
          {"duration_s", static_cast<double>(monoNowNs() - started_mono) / 1e9},
          {"interrupted", out.interrupted},
          {"stopped_on_error", out.stopped_on_error},
          {"error", out.run_error.empty() ? json(nullptr) : json(out.run_error)},
          {"counts", counts},
          {"exit_code", out.exit_code},
          {"controller", controllerStats(out, agents)},
          {"dropped_agents", droppedAgentsJson(agents)}};
}

// What a run on an emulated fabric says about its line rate: the fabric's, and a warning when
// the suite's rates in % were taken of another one.
std::vector<std::string> lineRateMessages(const suite::Suite& s, const results::LineRate& line_rate) {
  std::vector<std::string> out;
  if (!lineRateIsTheFabrics(line_rate)) return out;
  out.push_back(fmt::format("fabcheck run: line rate {:g} Gbit/s: {}", line_rate.gbps, line_rate.source));
  if (s.fabric.line_rate_gbps > 0 && s.fabric.line_rate_gbps != line_rate.gbps) {
    out.push_back(fmt::format("fabcheck run: warning: rates given as a percentage are of the suite's {:g} Gbit/s, "
                              "not the fabric's {:g} (a site file with fabric: {{line_rate_gbps: {:g}}} makes them agree)",
                              s.fabric.line_rate_gbps, line_rate.gbps, line_rate.gbps));
  }
  return out;
}

// The status lines of a run that did not simply run every test.
template <class Message>
void sayHowItEnded(const SuiteRunResult& out, Message message) {
  if (out.stopped_on_error) message("fabcheck run: stopped after the first test with an error (--stop-on-error)");
  if (out.interrupted) message("fabcheck run: interrupted; the reports hold the tests that finished");
  if (!out.run_error.empty()) message("fabcheck run: " + out.run_error);
}

// The reporters of a run. One that throws is named in one line through `message` and not called
// again (its file keeps what it had: "complete": false for JSON); the run then fails.
class ReporterFanOut {
 public:
  ReporterFanOut(const std::vector<reports::Reporter*>& reporters, std::function<void(const std::string&)> message)
      : reporters_(reporters), failed_(reporters.size(), false), message_(std::move(message)) {}

  template <class F>
  void each(F f) {
    for (size_t i = 0; i < reporters_.size(); ++i) {
      if (failed_[i]) continue;
      try {
        f(*reporters_[i]);
      } catch (const std::exception& e) {
        failed_[i] = true;
        message_("fabcheck run: report " + reporters_[i]->describe() + " failed, it is incomplete: " + e.what());
      }
    }
  }
  bool anyFailed() const { return std::find(failed_.begin(), failed_.end(), true) != failed_.end(); }

 private:
  const std::vector<reports::Reporter*>& reporters_;
  std::vector<bool> failed_;
  std::function<void(const std::string&)> message_;
};

// The record of a planned test that never started (the run was interrupted, stopped on an error
// or failed before it): verdict "skipped", skipped_reason saying why, each SLO skipped too.
json skippedRecord(const PlannedTest& p, const std::string& why) {
  json slos = json::array();
  for (const auto& x : p.test->slos) {
    slos.push_back({{"expression", x.expression}, {"verdict", "skipped"}, {"reason", why + ": the test never started"},
                    {"where", x.pos.str()}});
  }
  json record = {{"name", p.spec.name},        {"pattern", patterns::toString(p.spec.params.kind)},
                 {"transport", p.spec.transport}, {"participants", p.spec.agents},
                 {"rounds", 0},                 {"verdict", "skipped"},
                 {"skipped_reason", why},       {"error", nullptr},
                 {"slos", std::move(slos)},     {"metrics", json::object()}};
  if (!p.test->description.empty()) record["description"] = p.test->description;
  return record;
}

// The planned tests' specs for the agents that came: when some never registered (dropped,
// min_agents), each test's selection is made again over the others (participants.h); a test
// whose selection is impossible now keeps its agents, and the controller ends it as an error
// naming the dropped agent.
std::vector<model::TestSpec> specsFor(const std::vector<PlannedTest>& planned, const std::vector<launch::HostEntry>& hosts,
                                      const std::vector<model::AgentInfo>& agents) {
  std::set<int> dropped;
  for (const auto& a : agents) {
    if (a.dropped) dropped.insert(a.id);
  }
  std::vector<model::TestSpec> specs;
  for (const auto& p : planned) {
    specs.push_back(p.spec);
    if (dropped.empty()) continue;
    if (auto who = plan::resolveParticipantsWithout(*p.test, hosts, dropped)) specs.back().agents = std::move(*who);
  }
  return specs;
}

// Runs the planned tests on the cluster's agents or on new ones (an AgentCluster of our own,
// started and stopped here); sets interrupted, stopped_on_error and run_error of `out`. Returns
// 0, or 2/3 for a run-level failure.
template <class OnReady, class OnTestStart, class OnTest>
int runTests(const SuiteRunOptions& options, const std::vector<PlannedTest>& planned, const std::atomic<bool>* interrupt,
             AgentCluster* cluster, OnReady on_ready, OnTestStart on_test_start, OnTest on_test, SuiteRunResult& out) {
  try {
    std::optional<AgentCluster> own;
    if (!cluster) {
      RunOptions run = options.run;
      run.keep_outcomes = false;  // each test is reported by on_test as it ends
      own.emplace(run);
      cluster = &*own;
    }
    if (!cluster->running()) cluster->start(interrupt);
    on_ready(cluster->agents());
    // Each outcome with the agents as the controller knows them now (some may have been lost).
    auto on_outcome = [&](const model::TestOutcome& o) { on_test(o, cluster->agents()); };
    const RunResult r =
        cluster->runTests(specsFor(planned, cluster->hosts(), cluster->agents()), interrupt, on_outcome, on_test_start);
    if (own) own->stop();
    // An interrupt during the last test ends that test too: the run was interrupted.
    out.interrupted = r.interrupted || (interrupt && interrupt->load());
    out.stopped_on_error = r.stopped_on_error;
    if (r.launch_to_ready_ns > 0) out.launch_to_ready_ns = r.launch_to_ready_ns;
    return 0;
  } catch (const ConfigError& e) {
    out.run_error = e.what();
    out.run_exception = std::current_exception();
    return 2;
  } catch (const std::exception& e) {
    out.run_error = e.what();
    out.run_exception = std::current_exception();
    return 3;
  }
}

}  // namespace

SuiteRunResult runSuite(const suite::Suite& s, const SuiteRunOptions& options,
                        const std::vector<reports::Reporter*>& reporters, const std::atomic<bool>* interrupt,
                        AgentCluster* cluster) {
  const SuiteRunHooks& hooks = options.hooks;
  const std::vector<launch::HostEntry> hosts = cluster ? cluster->hosts() : hostsOf(options.run);  // read once
  const std::vector<PlannedTest> planned = planSuite(s, hosts, options.only_tests);

  SuiteRunResult out;
  const int64_t started_wall = wallNowNs(), started_mono = monoNowNs();
  const RunOptions& ro = cluster ? cluster->options() : options.run;
  out.context = contextOf(s, ro.launcher, started_wall);
  auto message = [&](const std::string& m) { if (hooks.on_message) hooks.on_message(m); };
  ReporterFanOut fan(reporters, message);
  fan.each([&](reports::Reporter& r) { r.begin(out.context); });

  std::vector<model::AgentInfo> agents;
  results::LineRate line_rate = lineRateOf(s, ro);
  auto on_ready = [&](const std::vector<model::AgentInfo>& a) {
    agents = a;
    line_rate = lineRateOf(s, ro);  // an emulated launcher has brought its fabric up (rate=auto chosen)
    for (const auto& m : lineRateMessages(s, line_rate)) message(m);
    // The hosts file's switch=/port= labels win over LLDP (results/topology.h).
    for (const auto& w : results::applyHostsTopology(agents, hosts)) message("fabcheck run: warning: " + w);
    out.agents = json::array();
    for (const auto& x : agents) out.agents.push_back(results::agentJson(x));
    fan.each([&](reports::Reporter& r) { r.agents(out.agents); });
    if (hooks.on_ready) hooks.on_ready(agents);
  };
  auto on_test_start = [&](size_t i, const model::TestSpec& spec) {
    if (hooks.on_test_start) hooks.on_test_start(i, planned.size(), *planned[i].test, spec);
  };
  size_t done = 0;
  bool any_fail = false, any_error = false;
  json counts = {{"pass", 0}, {"fail", 0}, {"error", 0}, {"skipped", 0}};
  // A test's record to the reporters (its flows after it), the hook and the result.
  auto deliver = [&](json record, const std::map<std::string, double>& constants, const std::string& name,
                     const json& all_flows) {
    fan.each([&](reports::Reporter& r) { r.test(record); });
    if (!all_flows.empty()) fan.each([&](reports::Reporter& r) { r.flows(name, all_flows); });
    if (hooks.on_test) hooks.on_test(record);
    if (options.keep_records) {
      out.tests.push_back(std::move(record));
      out.constants.push_back(constants);
    }
  };
  auto on_test = [&](const model::TestOutcome& outcome, const std::vector<model::AgentInfo>& now) {
    if (noteLostAgents(agents, now, out.agents)) fan.each([&](reports::Reporter& r) { r.agents(out.agents); });
    const suite::SuiteTest& t = *planned[done++].test;
    auto constants = slo::constantsFor(s, t);
    // On an emulated fabric, SLOs written against the line rate read what its ports carry.
    if (lineRateIsTheFabrics(line_rate)) constants["line_rate_gbps"] = line_rate.gbps;
    slo::Verdict v{};
    json record = testRecord(outcome, agents, t, constants, line_rate, v);
    // After the SLOs and their findings, which read every flow: the record keeps the worst (and
    // all_flows has every flow only with report: {flows_sidecar: true}).
    const json all_flows = results::keepFlows(record, s.report);
    any_fail |= v == slo::Verdict::kFail;
    any_error |= v == slo::Verdict::kError;
    const std::string verdict(slo::toString(v));
    counts[verdict] = counts[verdict].get<int>() + 1;
    deliver(std::move(record), constants, t.spec.name, all_flows);
  };

  int code = runTests(options, planned, interrupt, cluster, on_ready, on_test_start, on_test, out);
  // Every test that never started is still listed, skipped, saying why (issue 19).
  const std::string why = out.interrupted ? "interrupted" : out.stopped_on_error ? "stopped on error" : "run failed";
  for (size_t i = done; i < planned.size(); ++i) {
    counts["skipped"] = counts["skipped"].get<int>() + 1;
    deliver(skippedRecord(planned[i], why), slo::constantsFor(s, *planned[i].test), planned[i].spec.name, json());
  }
  sayHowItEnded(out, message);
  if (code == 0) code = any_error ? 3 : any_fail ? 1 : 0;
  if (out.interrupted && code == 0) code = 3;
  out.exit_code = code;

  out.end = endRecord(out, started_mono, counts, agents);
  fan.each([&](reports::Reporter& r) { r.finish(out.end); });
  if (fan.anyFailed() && out.exit_code != 2) out.exit_code = 3;  // a report is incomplete
  return out;
}

}  // namespace fabcheck
