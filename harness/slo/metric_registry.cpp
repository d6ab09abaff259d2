#include "harness/slo/metric_registry.h"

#include <cctype>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

#include "harness/counters/flat_metrics.h"
#include "harness/counters/verdict_metrics.h"
#include "harness/model/name_suggestion.h"
#include "harness/suite/pattern_registry.h"

namespace fabcheck::slo {

namespace {

using nlohmann::json;

// Metric groups (harness/suite/pattern_plugin.h); each pattern says which it produces.
const std::vector<std::string> kAll = {suite::kMetricPackets};
const std::vector<std::string> kFlows = {suite::kMetricFlows};  // receivers account flows
const std::vector<std::string> kBursts = {suite::kMetricBursts};
const std::vector<std::string> kPingpong = {suite::kMetricRoundTrips};
// Any test with a latency-under-load probe (model::ProbeSpec) produces it.
const std::vector<std::string> kProbe = {suite::kMetricProbe};
const std::vector<std::string> kRoundTrip = {suite::kMetricRoundTrips, suite::kMetricProbe};
// Counters are read around any test.
const std::vector<std::string> kAnyTest = {suite::kMetricCounters};

bool has(const std::vector<std::string>& list, std::string_view x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

// A latency-style histogram summary (results::latencyUs): one metric per statistic.
void addHistogram(std::vector<MetricInfo>& out, const std::string& family, const std::string& what,
                  const std::vector<std::string>& patterns, const std::string& condition) {
  const std::pair<const char*, const char*> stats[] = {
      {"count", "number of samples"},    {"min", "minimum"},     {"mean", "mean"},
      {"stddev", "standard deviation"},  {"p50", "median"},      {"p90", "90th percentile"},
      {"p99", "99th percentile"},        {"p999", "99.9th percentile"},
      {"p9999", "99.99th percentile"},   {"max", "maximum"}};
  for (const auto& [stat, label] : stats) {
    const bool count = std::string(stat) == "count";
    out.push_back({family + "." + stat, count ? "samples" : "us", std::string(label) + " of " + what, patterns,
                   condition, {}});
  }
}

void addFlowMetrics(std::vector<MetricInfo>& m) {
  // Packet accounting.
  m.push_back({"sent_packets", "packets", "messages sent by all flows, warm-up included (pingpong: pings); a message whose send failed is not counted", kAll, "", {}});
  m.push_back({"send_error_packets", "packets", "messages the transport refused or failed to send (they are neither sent nor lost; per flow too)", kAll, "", {}});
  m.push_back({"received_packets", "packets", "messages received by all flows, warm-up included (pingpong: replies in time)", kAll, "", {}});
  m.push_back({"lost_packets", "packets", "messages sent but never received (pingpong: pings whose reply timed out)", kAll, "", {}});
  m.push_back({"loss_ratio", "", "lost_packets / sent_packets (0 when nothing was sent)", kAll, "", {}});
  m.push_back({"reordered_packets", "packets", "messages that arrived after a later one of their flow", kFlows, "", {}});
  m.push_back({"duplicate_packets", "packets", "messages received more than once", kFlows, "", {}});
  m.push_back({"late_packets", "packets", "messages that arrived after their flow's receiver gave them up as lost", kFlows, "", {}});
  m.push_back({"malformed_packets", "packets", "datagrams that were too short, of another flow or version, or of the wrong size", kAll, "", {}});
  m.push_back({"corrupted_packets", "packets", "messages whose payload check (CRC-32C) failed", kFlows, "payload_check on", {}});
  m.push_back({"truncated_packets", "packets", "messages larger than the receive buffer", kFlows, "", {}});
  m.push_back({"ce_marked_packets", "packets", "messages that arrived with ECN Congestion Experienced", kFlows, "", {}});
  m.push_back({"dscp_received", "DSCP", "DSCP of the last received message with a known TOS", kFlows,
               "the receiver could read the TOS byte", {}});
  // Rates.
  m.push_back({"duration_s", "s", "length of the measured phase (after warm-up), the longest flow's", kAll, "", {}});
  m.push_back({"throughput_gbps", "Gbit/s", "bits received in the measured phase over duration_s, all flows summed (pingpong: both ways)", kAll, "", {}});
  m.push_back({"packet_rate_mpps", "Mpkt/s", "messages received in the measured phase per second, all flows summed", kAll, "", {}});
  m.push_back({"offered_gbps", "Gbit/s", "bits the senders put on the wire in the measured phase over duration_s", kAll, "", {}});
  m.push_back({"target_gbps", "Gbit/s", "the pacers' total target rate (0 = as fast as possible)", kFlows, "", {}});
  m.push_back({"throughput_gbps.per_flow.min", "Gbit/s", "throughput of the slowest receiving flow", kFlows, "", {}});
  m.push_back({"throughput_gbps.per_flow.max", "Gbit/s", "throughput of the fastest receiving flow", kFlows, "", {}});
  m.push_back({"throughput_gbps.per_flow.mean", "Gbit/s", "mean throughput of the receiving flows", kFlows, "", {}});
  m.push_back({"jain_fairness", "", "Jain's fairness index (sum x)^2 / (n * sum x^2) over the flows' throughputs (1 = fair)", kFlows,
               "at least 2 receiving flows", {}});
}

void addLatencyMetrics(std::vector<MetricInfo>& m) {
  // Latency.
  m.push_back({"iterations", "round trips", "round trips recorded in the latency histogram (after warm-up)", kPingpong, "", {}});
  addHistogram(m, "latency_us", "the round-trip time, application to application (a probe's: while the load runs)",
               kRoundTrip, "");
  // Latency under load.
  addHistogram(m, "idle_latency_us", "the probe's round-trip time alone, measured just before the load", kProbe, "");
  for (const char* stat : {"p50", "p90", "p99", "p999", "max"}) {
    m.push_back({std::string("latency_increase_us.") + stat, "us",
                 std::string("the probe's ") + stat + " round trip under load minus its idle " + stat, kProbe, "", {}});
  }
  m.push_back({"probe.sent_packets", "packets", "pings the probe sent while the load ran, warm-up included", kProbe, "", {}});
  m.push_back({"probe.lost_packets", "packets", "probe pings whose reply did not come within reply_timeout", kProbe, "", {}});
  m.push_back({"probe.iterations", "round trips", "probe round trips recorded under load", kProbe, "", {}});
  m.push_back({"probe.idle_iterations", "round trips", "probe round trips recorded in the idle baseline", kProbe, "", {}});
  m.push_back({"probe.dscp_received", "DSCP", "DSCP the probe's responder saw on the pings", kProbe,
               "the responder could read the TOS byte", {}});
  addHistogram(m, "one_way_latency_us", "the one-way latency (receive time - send time)", kAll,
               "both ends on one clock (same kernel, or clock offsets applied)");
}

void addBurstAndMatrixMetrics(std::vector<MetricInfo>& m) {
  // Microburst and incast.
  m.push_back({"bursts_sent", "bursts", "bursts started by all senders", kBursts, "", {}});
  m.push_back({"bursts_received", "bursts", "bursts the receivers saw (at least one message)", kBursts, "", {}});
  m.push_back({"bursts_incomplete", "bursts", "bursts with at least one message missing", kBursts, "", {}});
  addHistogram(m, "burst_spread_us", "each burst's spread at the receiver (first to last arrival)", kBursts,
               "bursts were received");
  addHistogram(m, "burst_completion_us", "each burst's completion (its first send to its last arrival)", kBursts,
               "both ends on one clock");
  // Synchronisation.
  m.push_back({"start_skew_us", "us",
               "spread of the senders' first sends on the controller's clock (max - min); the largest over the test's rounds",
               kFlows, "at least 2 senders", {"start_skew_us.p99", "start_skew_us.max"}});
  m.push_back({"start_skew_bound_us", "us", "bound on start_skew_us's error from the measured clock offsets", kFlows,
               "at least 2 senders", {}});
  // The pairwise matrix (placement matrix; harness/results/matrix_outliers.h).
  const std::string matrix_only = "placement matrix";
  m.push_back({"matrix.bandwidth_gbps.min", "Gbit/s", "throughput of the slowest pair of the matrix", kFlows, matrix_only, {}});
  m.push_back({"matrix.bandwidth_gbps.median", "Gbit/s", "median throughput over the matrix's pairs", kFlows, matrix_only, {}});
  m.push_back({"matrix.latency_us_p50.max", "us", "round-trip p50 of the slowest pair of a pingpong matrix", kPingpong, matrix_only, {}});
  m.push_back({"matrix.latency_us_p50.median", "us", "median round-trip p50 over a pingpong matrix's pairs", kPingpong, matrix_only, {}});
  m.push_back({"matrix.outlier_pairs", "pairs",
               "pairs outside the tolerance in the first pass and in every retest (below outlier_ratio x the first pass's "
               "reference throughput; pingpong: above its reference latency / outlier_ratio)",
               kAll, matrix_only, {}});
  m.push_back({"matrix.first_pass_outlier_pairs", "pairs",
               "pairs outside the tolerance in the first pass, before the retests cleared or confirmed them", kAll,
               matrix_only, {}});
}

// The kernel's TCP facts (harness/results/tcp_summary.h): any test over transport tcp.
void addTcpMetrics(std::vector<MetricInfo>& m) {
  const std::vector<std::string> any = {suite::kMetricPackets, "collective"};
  const std::string tcp = "transport tcp";
  m.push_back({"tcp.segments_sent", "segments", "TCP segments the test's connections sent (TCP_INFO tcpi_segs_out), retransmissions included", any, tcp, {}});
  m.push_back({"tcp.retransmitted_segments", "segments", "TCP segments sent again (tcpi_total_retrans): on a kernel network, the fabric's loss", any, tcp, {}});
  m.push_back({"tcp.retransmission_ratio", "", "tcp.retransmitted_segments / tcp.segments_sent", any, tcp, {}});
  m.push_back({"tcp.loss_retransmissions", "segments",
               "tcp.retransmitted_segments - tcp.spurious_retransmissions: the retransmissions that repaired a real loss (the fabric's drops, at most)", any, tcp, {}});
  m.push_back({"tcp.bytes_retransmitted", "bytes", "bytes sent again (tcpi_bytes_retrans)", any, tcp, {}});
  m.push_back({"tcp.spurious_retransmissions", "segments",
               "retransmissions the receiver reported as duplicates (D-SACK): the original was not lost (reordering or a stall, not a drop)", any, tcp, {}});
  m.push_back({"tcp.reordering_events", "events", "reordering the senders' TCP detected (tcpi_reord_seen)", any, tcp, {}});
  m.push_back({"tcp.rtt_us.mean", "us", "mean of the connections' smoothed round-trip times at the end", any, tcp, {}});
  m.push_back({"tcp.rtt_us.max", "us", "largest of the connections' smoothed round-trip times at the end", any, tcp, {}});
}

std::vector<MetricInfo> build() {
  std::vector<MetricInfo> m;
  addFlowMetrics(m);
  addTcpMetrics(m);
  addLatencyMetrics(m);
  addBurstAndMatrixMetrics(m);
  // Metrics a pattern family owns (e.g. the collectives'; harness/patterns/), each family once.
  std::vector<std::string> families;
  for (const auto& p : suite::patternRegistry()) {
    if (has(families, p->metricFamily())) continue;
    families.push_back(p->metricFamily());
    for (const auto& o : p->ownMetrics()) {
      m.push_back({o.name, o.unit, o.meaning, {p->metricFamily()}, o.condition, o.aliases, o.deprecated});
    }
  }
  // Counter deltas over the test (harness/counters/flat_metrics.h): any pattern, where the
  // source could be read (the emulated fabric's switch ports; each participant's host).
  for (const auto& c : counters::flatMetricInfos()) m.push_back({c.name, c.unit, c.meaning, kAnyTest, c.source + " counters read", {}});
  // The NIC verdicts (harness/results/nic_verdicts.h).
  for (const auto& c : counters::verdictMetricInfos()) m.push_back({c.name, c.unit, c.meaning, kAnyTest, c.condition, {}});
  return m;
}

// The summary's metric family (suite::metricFamilyOf) from its pattern and placement; "" without a pattern.
std::string patternOfSummary(const json& j) {
  const json* p = nullptr;
  if (j.contains("pattern") && j["pattern"].is_string()) p = &j["pattern"];
  else if (j.contains("metrics") && j["metrics"].is_object() && j["metrics"].contains("pattern") &&
           j["metrics"]["pattern"].is_string()) p = &j["metrics"]["pattern"];
  if (!p) return "";
  const std::string placement = j.contains("placement") && j["placement"].is_string() ? j["placement"].get<std::string>() : "";
  return suite::metricFamilyOf(p->get<std::string>(), placement);
}

void flatten(const json& j, const std::string& prefix, std::map<std::string, double>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string name = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (name == "per_flow_throughput_gbps") name = "throughput_gbps.per_flow";
    if (name == "intervals") continue;  // the throughput time series
    if (it->is_object()) flatten(*it, name, out);
    else if (it->is_number() && std::isfinite(it->get<double>())) out[name] = it->get<double>();
    // arrays, strings, booleans, nulls: not metrics
  }
}

}  // namespace

const std::vector<MetricInfo>& metricRegistry() {
  // Rebuilt when the pattern registry changes; earlier builds stay alive for their holders.
  static std::mutex mutex;
  static std::vector<std::unique_ptr<const std::vector<MetricInfo>>> builds;
  static uint64_t generation = 0;
  std::lock_guard lock(mutex);
  const uint64_t now = suite::patternRegistryGeneration();
  if (builds.empty() || generation != now) {
    builds.push_back(std::make_unique<const std::vector<MetricInfo>>(build()));
    generation = now;
  }
  return *builds.back();
}

namespace {

// Does `name` fit `tmpl`, whose <placeholders> stand for one name part ([A-Za-z0-9_-], no dot),
// except <port>, which may hold dots?
bool fitsTemplate(std::string_view tmpl, std::string_view name) {
  const size_t open = tmpl.find('<');
  if (open == std::string_view::npos) return tmpl == name;
  if (name.substr(0, open) != tmpl.substr(0, open)) return false;
  const size_t close = tmpl.find('>', open);
  if (close == std::string_view::npos) return false;
  const bool any = tmpl.substr(open, close - open + 1) == "<port>";
  const std::string_view rest = tmpl.substr(close + 1);
  for (size_t len = 1; open + len <= name.size(); ++len) {
    const char c = name[open + len - 1];
    if (!any && !(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    if (fitsTemplate(rest, name.substr(open + len))) return true;
  }
  return false;
}

}  // namespace

bool isMetricTemplate(const MetricInfo& m) { return m.name.find('<') != std::string::npos; }

const MetricInfo* findMetric(std::string_view name) {
  for (const auto& m : metricRegistry()) {
    if (m.name == name) return &m;
    for (const auto& a : m.aliases) {
      if (a == name) return &m;
    }
  }
  if (const MetricInfo* m = deprecatedMetric(name)) return m;
  for (const auto& m : metricRegistry()) {
    if (isMetricTemplate(m) && fitsTemplate(m.name, name)) return &m;
  }
  return nullptr;
}

const MetricInfo* deprecatedMetric(std::string_view name) {
  for (const auto& m : metricRegistry()) {
    for (const auto& d : m.deprecated) {
      if (d == name) return &m;
    }
  }
  return nullptr;
}

std::string unitExplained(const std::string& unit) {
  static const std::map<std::string, std::string> meanings = {
      {"GB/s", "10^9 bytes/s"}, {"Gbit/s", "10^9 bits/s"}, {"Mpkt/s", "10^6 messages/s"},
      {"us", "microseconds"},   {"s", "seconds"}};
  if (unit.empty()) return "dimensionless";
  const auto it = meanings.find(unit);
  return it == meanings.end() ? unit : unit + " = " + it->second;
}

std::string deprecationWarning(std::string_view name) {
  const MetricInfo* m = deprecatedMetric(name);
  if (!m) return "";
  return "metric '" + std::string(name) + "' is deprecated: use '" + m->name + "' (" + unitExplained(m->unit) +
         "); the old name reads the same value until the next release";
}

std::string nearestMetric(const std::string& name) {
  // The summary JSON's own spelling of per-flow throughput.
  const std::string json_prefix = "per_flow_throughput_gbps.";
  if (name.rfind(json_prefix, 0) == 0) {
    const std::string renamed = "throughput_gbps.per_flow." + name.substr(json_prefix.size());
    if (findMetric(renamed)) return renamed;
  }
  std::vector<std::string> known;
  for (const auto& m : metricRegistry()) {
    known.push_back(m.name);
    known.insert(known.end(), m.aliases.begin(), m.aliases.end());
  }
  return model::nearestKey(name, known);
}

std::string metricPattern(const model::TestSpec& spec) { return suite::patternFor(spec)->metricFamily(); }

std::string metricPattern(patterns::PatternKind kind, patterns::Placement placement, bool collective) {
  model::TestSpec spec;
  spec.params.kind = kind;
  spec.placement = placement;
  if (collective) spec.collective = model::CollectiveSpec{};
  return metricPattern(spec);
}

bool producedBy(const MetricInfo& m, std::string_view pattern) {
  if (pattern == suite::kMetricProbe) return has(m.groups, suite::kMetricProbe);
  for (const auto& p : suite::patternRegistry()) {
    if (p->metricFamily() != pattern) continue;
    if (has(m.groups, suite::kMetricCounters) || has(m.groups, pattern)) return true;
    for (const auto& g : p->metricGroups()) {
      if (has(m.groups, g)) return true;
    }
  }
  return false;
}

std::string patternList(const MetricInfo& m) {
  std::vector<std::string> families;
  for (const auto& p : suite::patternRegistry()) {
    if (!has(families, p->metricFamily()) && producedBy(m, p->metricFamily())) families.push_back(p->metricFamily());
  }
  if (has(m.groups, suite::kMetricProbe)) families.push_back("a test with a probe");
  std::string s;
  for (const auto& f : families) s += (s.empty() ? "" : ", ") + f;
  return s;
}

std::map<std::string, double> flattenMetrics(const json& test_summary) {
  std::map<std::string, double> raw, out;
  if (!test_summary.is_object()) return out;
  const bool nested = test_summary.contains("metrics") && test_summary["metrics"].is_object();
  flatten(nested ? test_summary["metrics"] : test_summary, "", raw);
  for (const char* k : {"start_skew_us", "start_skew_bound_us"}) {
    if (test_summary.contains(k) && test_summary[k].is_number() && std::isfinite(test_summary[k].get<double>())) raw[k] = test_summary[k].get<double>();
  }
  const std::string pattern = patternOfSummary(test_summary);
  const bool probe = nested && test_summary["metrics"].contains("probe");
  for (const auto& [name, value] : raw) {
    const MetricInfo* m = findMetric(name);
    if (!m || (m->name != name && !isMetricTemplate(*m))) continue;
    if (!pattern.empty() && !producedBy(*m, pattern) && !(probe && producedBy(*m, "probe"))) continue;
    out[name] = value;
  }
  return out;
}

}  // namespace fabcheck::slo
