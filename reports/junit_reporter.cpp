#include "reports/junit_reporter.h"


#include <cmath>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "generators/core/errors.h"
#include "reports/flow_findings.h"
#include "reports/metric_units.h"
#include "reports/record_fields.h"
#include "reports/xml_text.h"

namespace fabcheck::reports {
namespace {

using nlohmann::json;

// ---- reading records that may lack any field -------------------------------------------------

// ---- formatting --------------------------------------------------------------------------------

// Integral values as integers, others with 6 significant digits: "0", "1.99123", "1e-07".
std::string fmt(double v) {
  char buf[48];
  if (std::isfinite(v) && std::fabs(v) < 1e15 && v == std::trunc(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}

std::string seconds(double s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", std::isfinite(s) && s > 0 ? s : 0.0);
  return buf;
}

// A JSON scalar as property text ("" for null).
std::string scalar(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return fmt(v.get<double>());
  if (v.is_null()) return "";
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "2026-11-21T15:00:00Z" / "...:00.123Z" → "2026-11-21T15:00:00" (xs:dateTime, no zone, as Ant).
std::string antTimestamp(const std::string& iso) {
  if (iso.size() < 19) return iso;
  return iso.substr(0, 19);
}

std::string firstLine(const std::string& s) {
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// Multi-line text (an error as an SLO's reason) on one line: line breaks become " / ".
std::string oneLine(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out += s[i] == '\n' || s[i] == '\r' ? std::string(" / ") : std::string(1, s[i]);
  }
  return out;
}

// An SLO's figure with the registry's unit (metric_units.h): "observed X unit, expected OP Y unit".
std::string sloValues(const json& slo) {
  const auto observed = numberField(slo, "observed"), threshold = numberField(slo, "threshold");
  std::string unit = textField(slo, "unit");
  if (unit.empty()) unit = metricUnit(textField(slo, "metric"));
  return "observed " + (observed ? withUnit(fmt(*observed), unit) : "nothing") + ", expected " + sloComparison(slo) +
         " " + (threshold ? withUnit(fmt(*threshold), unit) : "?");
}

// "expr: observed X, expected OP Y", then the findings behind a NIC verdict (which counter on
// which host rose by how much), so a CI summary that shows only the message names them.
std::string failureMessage(const json& slo) {
  std::string m = textField(slo, "expression") + ": " + sloValues(slo);
  if (slo.contains("findings") && slo["findings"].is_array()) {
    std::string f;
    for (const auto& x : slo["findings"]) {
      if (x.is_string()) f += (f.empty() ? "" : "; ") + x.get<std::string>();
    }
    if (!f.empty()) m += " — " + f;
  }
  return m;
}

std::string sloLine(const json& slo) {
  std::string line = "slo " + textField(slo, "verdict") + ": " + textField(slo, "expression");
  if (std::string r = textField(slo, "reason"); !r.empty()) line += " -- " + oneLine(r);
  if (std::string w = textField(slo, "where"); !w.empty()) line += " (" + w + ")";
  return line;
}

void attr(std::string& out, const char* name, const std::string& value) {
  out += ' ';
  out += name;
  out += "=\"";
  out += xmlAttr(value);
  out += '"';
}

// ---- one testcase --------------------------------------------------------------------------

struct Case {
  std::string xml;
  double time = 0;
  bool failed = false, errored = false, skipped = false;
};

// "65536 B" style sizes of the per-size lines: exact, as nccl-tests prints them.
std::string sizeText(const json& size) {
  const auto b = numberField(size, "size_bytes");
  return b ? fmt(*b) + " B" : "? B";
}

// "label value unit" for a collective metric of `m` (metrics.collective), the unit from the
// metric registry; "" when absent.
std::string collectiveFigure(const json& m, const char* key, const char* label) {
  const auto v = numberField(m, key);
  return v ? std::string(label) + " " + withUnit(fmt(*v), metricUnit(std::string("collective.") + key)) : "";
}

// The largest-size line and the average of a collective's metrics.
std::string collectiveKeyLines(const json& m, const json& sizes) {
  std::string out;
  for (const auto& [key, label] : {std::pair{"busbw_gbytes_s", "busbw"}, {"algbw_gbytes_s", "algbw"},
                                   {"time_us", "time"}, {"p99_us", "p99"}, {"cv", "cv"}, {"jct_ratio", "jct ratio"}}) {
    const std::string f = collectiveFigure(m, key, label);
    if (!f.empty()) out += (out.empty() ? "" : ", ") + f;
  }
  if (out.empty()) return "";
  for (size_t i = sizes.is_array() ? sizes.size() : 0; i-- > 0;) {  // the largest size that measured
    if (numberField(sizes[i], "iterations").value_or(0) > 0) {
      out += " (at " + sizeText(sizes[i]) + ")";
      break;
    }
  }
  out += "\n";
  if (std::string avg = collectiveFigure(m, "avg_busbw_gbytes_s", "avg busbw:"); !avg.empty()) {
    out += avg;
    if (auto n = numberField(m, "sizes")) out += " over " + fmt(*n) + (*n == 1 ? " size" : " sizes");
    out += "\n";
  }
  return out;
}

// One size's line: "size 65536 B: time 80 us, algbw 0.8 GB/s, ..." (units from the registry).
std::string collectiveSizeLine(const json& s) {
  std::string line;
  const std::pair<const char*, const char*> parts[] = {
      {"time_us", "time"}, {"algbw_gbytes_s", "algbw"}, {"busbw_gbytes_s", "busbw"}, {"p50_us", "p50"},
      {"p99_us", "p99"},   {"jct_ratio", "jct ratio"},  {"retransmissions", "retransmissions"}};
  for (const auto& [key, label] : parts) {
    const std::string f = collectiveFigure(s, key, label);
    if (!f.empty()) line += (line.empty() ? "" : ", ") + f;
  }
  if (field(s, "straggler").is_boolean() && field(s, "straggler").get<bool>()) {
    line += ", straggler rank " + scalar(field(s, "straggler_rank"));
  }
  if (std::string w = textField(s, "misreading"); !w.empty()) line += ", MISREADING: " + w;
  return line;
}

// A collective's figures (results/collective_summary.h), bandwidths in GB/s as nccl-tests:
//   collective: all_reduce ring (requested ring), 4 ranks, line rate 10 Gbit/s (fabric.line_rate_gbps)
//   busbw 1.5 GB/s, algbw 1 GB/s, time 1000 us, p99 1200 us, cv 0.05, jct ratio 1.2 (at 1048576 B)
//   avg busbw: 1.2 GB/s over 3 sizes
//   size 65536 B: time 80 us, algbw 0.8 GB/s, busbw 1.2 GB/s, p50 79 us, p99 90 us, retransmissions 0
//   straggler: rank 2 (agent 2, node03) is the straggler: link ...
std::string collectiveFigures(const json& record) {
  const json& col = field(record, "collective");
  const json& m = field(field(record, "metrics"), "collective");
  if (!col.is_object() && !m.is_object()) return "";
  std::string out;
  if (col.is_object()) {
    out += "collective: " + textField(col, "kind");
    if (std::string a = textField(col, "algorithm"); !a.empty()) out += " " + a;
    if (std::string a = textField(col, "algorithm_requested"); !a.empty() && a != textField(col, "algorithm")) {
      out += " (requested " + a + ")";
    }
    if (auto n = numberField(col, "ranks")) out += ", " + fmt(*n) + " ranks";
    const json& rate = field(col, "line_rate");
    if (auto g = numberField(rate, "gbps")) out += ", line rate " + fmt(*g) + " Gbit/s (" + textField(rate, "source") + ")";
    if (std::string why = textField(rate, "unknown"); !why.empty()) out += ", no jct ratio: " + why;
    out += "\n";
  }
  const json& sizes = field(col, "sizes");
  out += collectiveKeyLines(m, sizes);
  for (const auto& s : sizes.is_array() ? sizes : json::array()) {
    out += "size " + sizeText(s) + ": ";
    out += numberField(s, "iterations").value_or(0) <= 0 ? "no measurement\n" : collectiveSizeLine(s) + "\n";
  }
  if (const json& st = field(col, "straggler"); st.is_object()) {
    const std::string text = textField(st, "text");
    out += "straggler: " + (text.empty() ? "rank " + scalar(field(st, "rank")) : oneLine(text)) + "\n";
  }
  return out;
}

// The test's key figures and SLOs, for <system-out>.
std::string keyFigures(const json& record) {
  const json& m = field(record, "metrics");
  std::string out;
  if (std::string d = textField(record, "description"); !d.empty()) out += "description: " + oneLine(d) + "\n";
  out += "verdict: " + textField(record, "verdict") + "\n";
  if (std::string c = textField(record, "transport_caveat"); !c.empty()) out += "NOT PERFORMANCE: " + c + "\n";
  if (std::string p = textField(record, "pattern"); !p.empty()) out += "pattern: " + p + "\n";
  if (std::string p = textField(record, "placement"); !p.empty()) out += "placement: " + p + "\n";
  if (const json& p = field(record, "participants"); p.is_array() && !p.empty()) {
    out += "participants:";
    for (const auto& a : p) out += " " + scalar(a);
    out += "\n";
  }
  if (auto t = numberField(m, "throughput_gbps")) out += "throughput: " + withUnit(fmt(*t), metricUnit("throughput_gbps")) + "\n";
  out += collectiveFigures(record);
  if (auto l = numberField(m, "loss_ratio")) {
    out += "loss: ratio " + fmt(*l);
    if (auto n = numberField(m, "lost_packets")) out += ", " + fmt(*n) + " packets lost";
    if (auto n = numberField(m, "sent_packets")) out += " of " + fmt(*n) + " sent";
    out += "\n";
  }
  for (const char* key : {"latency_us", "one_way_latency_us"}) {
    const json& lat = field(m, key);
    const auto p50 = numberField(lat, "p50"), p99 = numberField(lat, "p99");
    if (!p50 && !p99) continue;
    std::string kind = key == std::string("latency_us") ? textField(m, "latency_kind") : "one-way";
    out += std::string("latency") + (kind.empty() ? "" : " (" + kind + ")") + ":";
    const std::string unit = metricUnit(std::string(key) + ".p50");
    if (p50) out += " p50 " + withUnit(fmt(*p50), unit);
    if (p50 && p99) out += ",";
    if (p99) out += " p99 " + withUnit(fmt(*p99), unit);
    out += "\n";
  }
  if (auto s = numberField(record, "start_skew_us")) out += "start skew: " + withUnit(fmt(*s), metricUnit("start_skew_us")) + "\n";
  for (const auto& slo : field(record, "slos").is_array() ? field(record, "slos") : json::array()) {
    out += sloLine(slo) + "\n";
  }
  return out;
}

// " — " + findings, or "" without.
std::string withFindings(const std::string& findings) { return findings.empty() ? "" : " — " + findings; }

// The <skipped>, <error> or <failure> elements of a test with this verdict (none for a pass),
// marking `c` skipped, errored or failed. `findings` (flow_findings.h) end each failure's and
// error's message.
std::string verdictElements(const std::string& verdict, const std::string& error, const json& slos,
                            const std::string& findings, Case& c, const std::string& skipped_reason = "") {
  std::string body;
  if (verdict == "skipped") {
    c.skipped = true;
    std::string reasons = skipped_reason;  // a test that never ran ("interrupted"): its SLOs were not either
    for (const auto& s : slos) {
      if (!skipped_reason.empty() || textField(s, "verdict") != "skipped") continue;
      reasons += (reasons.empty() ? "" : "; ") + textField(s, "expression") + ": " + oneLine(textField(s, "reason"));
    }
    body += "      <skipped";
    attr(body, "message", reasons.empty() ? "skipped" : reasons);
    body += "/>\n";
  } else if (verdict == "error") {
    c.errored = true;
    // Every SLO error of its own (not merely "the test did not complete"), and the test's error
    // too when it has one: neither hides the other (issue 19).
    std::string slo_errors;
    for (const auto& s : slos) {
      const std::string reason = textField(s, "reason");
      const bool only_the_tests = reason.rfind("the test did not complete: ", 0) == 0 ||
                                  (!error.empty() && reason.find(firstLine(error)) != std::string::npos);
      if (textField(s, "verdict") != "error" || only_the_tests) continue;
      slo_errors += "      <error";
      attr(slo_errors, "message", textField(s, "expression") + ": " + oneLine(textField(s, "reason")) + withFindings(findings));
      attr(slo_errors, "type", "slo");
      slo_errors += ">" + xmlText(sloLine(s)) + "</error>\n";
    }
    body += slo_errors;
    if (slo_errors.empty() || !error.empty()) {
      body += "      <error";
      attr(body, "message", (error.empty() ? "the test ended in an error" : firstLine(error)) + withFindings(findings));
      attr(body, "type", "infrastructure");
      body += ">" + xmlText(error) + "</error>\n";
    }
  } else if (verdict == "fail") {
    c.failed = true;
    for (const auto& s : slos) {
      if (textField(s, "verdict") != "fail") continue;
      body += "      <failure";
      attr(body, "message", failureMessage(s) + withFindings(findings));
      attr(body, "type", "slo");
      std::string text = textField(s, "reason");
      if (std::string w = textField(s, "where"); !w.empty()) text += " (" + w + ")";
      body += ">" + xmlText(text) + "</failure>\n";
    }
    if (body.empty()) {  // a fail without a failed SLO should not happen; never report it as a pass
      body += "      <failure";
      attr(body, "message", "the test failed" + withFindings(findings));
      attr(body, "type", "slo");
      body += "/>\n";
    }
  } else if (verdict != "pass") {
    c.errored = true;
    body += "      <error";
    attr(body, "message", "unknown verdict '" + verdict + "'");
    attr(body, "type", "fabcheck");
    body += "/>\n";
  }
  return body;
}

// The agents' own log lines of this test (warnings and errors at the default level).
std::string agentLogLines(const json& record) {
  std::string logs;
  if (const auto it = record.find("agent_logs"); it != record.end() && it->is_object()) {
    for (const auto& [agent, lines] : it->items()) {
      if (!lines.is_array()) continue;
      for (const auto& l : lines) {
        if (l.is_string()) logs += "agent " + agent + ": " + l.get<std::string>() + "\n";
      }
    }
  }
  return logs;
}

Case testCase(const json& record, const std::string& classname) {
  Case c;
  c.time = numberField(field(record, "metrics"), "duration_s").value_or(0);
  const std::string verdict = textField(record, "verdict"), error = textField(record, "error");
  const json slos = field(record, "slos").is_array() ? field(record, "slos") : json::array();
  std::string body = verdictElements(verdict, error, slos, flowFindings(record), c, textField(record, "skipped_reason"));
  body += "      <system-out>" + xmlText(keyFigures(record)) + "</system-out>\n";
  const std::string logs = agentLogLines(record);
  if (!error.empty() || !logs.empty()) {
    body += "      <system-err>" + xmlText((error.empty() ? "" : error + "\n") + logs) + "</system-err>\n";
  }

  c.xml = "    <testcase";
  attr(c.xml, "name", textField(record, "name"));
  attr(c.xml, "classname", classname);
  attr(c.xml, "time", seconds(c.time));
  c.xml += ">\n" + body + "    </testcase>\n";
  return c;
}

Case runErrorCase(const std::string& error, const std::string& classname) {
  Case c;
  c.errored = true;
  c.xml = "    <testcase";
  attr(c.xml, "name", "(run)");
  attr(c.xml, "classname", classname);
  attr(c.xml, "time", seconds(0));
  c.xml += ">\n      <error";
  attr(c.xml, "message", firstLine(error));
  attr(c.xml, "type", "infrastructure");
  c.xml += ">" + xmlText(error) + "</error>\n";
  c.xml += "      <system-err>" + xmlText(error + "\n") + "</system-err>\n    </testcase>\n";
  return c;
}

void property(std::string& out, const char* name, const std::string& value) {
  out += "      <property";
  attr(out, "name", name);
  attr(out, "value", value);
  out += "/>\n";
}

}  // namespace

std::string junitXml(const json& context, const json& agents, const json& tests, const json& end) {
  const json& suite = field(context, "suite");
  const std::string suite_name = textField(suite, "name").empty() ? "fabcheck" : textField(suite, "name");
  const std::string classname = "fabcheck." + suite_name;
  const bool finished = end.is_object();

  std::vector<Case> cases;
  if (tests.is_array()) {
    for (const auto& t : tests) cases.push_back(testCase(t, classname));
  }
  const std::string run_error = textField(end, "error");
  if (!run_error.empty()) cases.push_back(runErrorCase(run_error, classname));

  size_t failures = 0, errors = 0, skipped = 0;
  double time = 0;
  for (const auto& c : cases) {
    failures += c.failed;
    errors += c.errored;
    skipped += c.skipped;
    time += c.time;
  }
  if (auto d = numberField(end, "duration_s")) time = *d;
  const std::string timestamp = antTimestamp(textField(context, "started_at"));
  const auto counts = [&](std::string& out) {
    attr(out, "tests", std::to_string(cases.size()));
    attr(out, "failures", std::to_string(failures));
    attr(out, "errors", std::to_string(errors));
    attr(out, "skipped", std::to_string(skipped));
    attr(out, "time", seconds(time));
    if (!timestamp.empty()) attr(out, "timestamp", timestamp);
  };

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites";
  attr(out, "name", "fabcheck");
  counts(out);
  out += ">\n  <testsuite";
  attr(out, "name", suite_name);
  counts(out);
  if (std::string host = textField(context, "controller_host"); !host.empty()) attr(out, "hostname", host);
  out += ">\n    <properties>\n";
  property(out, "suite", textField(suite, "name"));
  property(out, "suite.file", textField(suite, "file"));
  if (const json& sites = field(suite, "site_files"); sites.is_array() && !sites.empty()) {
    std::string list;
    for (const auto& s : sites) list += (list.empty() ? "" : ",") + scalar(s);
    property(out, "suite.site_files", list);
  }
  const json& fabric = field(context, "fabric");
  property(out, "fabric.transport", textField(fabric, "transport"));
  if (auto rate = numberField(fabric, "line_rate_gbps")) property(out, "fabric.line_rate_gbps", fmt(*rate));
  property(out, "launcher", textField(context, "launcher"));
  property(out, "fabcheck.version", textField(context, "fabcheck_version"));
  property(out, "agents", std::to_string(agents.is_array() ? agents.size() : 0));
  const bool interrupted = !finished || field(end, "interrupted") == json(true);
  property(out, "interrupted", interrupted ? "true" : "false");
  if (!run_error.empty()) property(out, "run.error", run_error);
  out += "    </properties>\n";
  for (const auto& c : cases) out += c.xml;
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

JunitReporter::JunitReporter(std::string path) : WholeFileReporter("junit", std::move(path)) {
  write();  // fail now, before the run, when the path is not writable
}

// What of a record the XML shows: without the bulk it never reads (histograms, counters, NIC
// series, matrix, flows, intervals, a collective's per-rank and per-link detail).
json junitRecord(const json& record) {
  if (!record.is_object()) return record;
  json slim = json::object();
  for (const auto& [k, v] : record.items()) {
    if (k != "histograms" && k != "counters" && k != "nic" && k != "matrix" && k != "metrics_missing") slim[k] = v;
  }
  if (auto m = slim.find("metrics"); m != slim.end() && m->is_object()) {
    m->erase("per_flow");
    m->erase("intervals");
  }
  if (auto c = slim.find("collective"); c != slim.end() && c->is_object()) {
    if (auto sizes = c->find("sizes"); sizes != c->end() && sizes->is_array()) {
      for (auto& size : *sizes) {
        if (!size.is_object()) continue;
        size.erase("per_rank");
        size.erase("links");
      }
    }
  }
  return slim;
}

bool JunitReporter::keepRecord(const json& record) {
  tests_.push_back(junitRecord(record));
  return false;
}

std::string JunitReporter::render(const RunSoFar& run) const {
  const json end = run.end ? (run.end->is_object() ? *run.end : json::object()) : json();
  return junitXml(run.context, run.agents.value_or(json::array()), tests_, end);
}

}  // namespace fabcheck::reports
