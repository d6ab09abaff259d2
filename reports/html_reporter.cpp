#include "reports/html_reporter.h"


#include <cmath>
#include <initializer_list>

#include "generators/core/errors.h"
#include "reports/html_collective.h"
#include "reports/html_flows.h"
#include "reports/html_matrix.h"
#include "reports/metric_units.h"
#include "reports/record_fields.h"
#include "reports/html_nic.h"
#include "reports/svg_charts.h"

namespace fabcheck::reports {
namespace {

using nlohmann::json;
using svg::escape;

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1320px;
  padding:16px 24px;color:#222;background:#f7f7f7}
h1{font-size:22px;margin:6px 0}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
.muted{color:#666}.small{font-size:12px}
.badge{display:inline-block;padding:3px 10px;border-radius:12px;color:#fff;font-weight:600;margin-right:6px;
  font-size:13px}
.badges{margin:10px 0}.badges .badge{font-size:15px;padding:5px 14px}
.pass{background:#2e7d32}.fail{background:#c62828}.error{background:#6a1b9a}.skipped,.unknown{background:#757575}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}
.banner.incomplete{background:#fff3cd;border:1px solid #d4a800}
.banner.runerror{background:#fde2e2;border:1px solid #c62828}
table{border-collapse:collapse;font-size:13px;margin:8px 0;background:#fff}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#efefef}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.v-pass{color:#2e7d32;font-weight:700}td.v-fail{color:#c62828;font-weight:700}
td.v-error{color:#6a1b9a;font-weight:700}td.v-skipped,td.v-unknown{color:#757575;font-weight:700}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
.facts th{width:160px}
details.test{background:#fff;border:1px solid #ddd;border-radius:6px;margin:12px 0;padding:0 14px 6px}
details.test>summary{cursor:pointer;padding:10px 0;font-size:16px;font-weight:600}
.testerror{background:#fde2e2;border:1px solid #c62828;border-radius:4px;padding:6px 10px;margin:6px 0}
.nic{border-radius:4px;padding:6px 10px;margin:6px 0;border:1px solid #ccc}.nic.pass{background:#e6f4ea;border-color:#2e7d32}
.nic.unknown{background:#f4f4f4;color:#555}.nic ul{margin:4px 0 0 18px;padding:0}
.charts{display:flex;flex-wrap:wrap;gap:14px;margin:10px 0}
svg.chart{background:#fff;border:1px solid #e4e4e4;border-radius:4px;max-width:100%;height:auto}
div.straggler{background:#fff3e0;border:2px solid #e65100;border-radius:4px;padding:8px 12px;margin:8px 0;font-weight:600}
tr.straggler td{background:#fff3e0;font-weight:600}
)";

// Any JSON value as short, escaped text: numbers shortened, null as "—".
std::string show(const json* v) {
  if (v == nullptr || v->is_null()) return "—";
  if (v->is_string()) return escape(v->get<std::string>());
  if (v->is_boolean()) return v->get<bool>() ? "yes" : "no";
  if (v->is_number()) return escape(svg::formatNumber(v->get<double>()));
  return escape(v->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// A verdict as a CSS class: only the known four, so record text never reaches an attribute.
std::string verdictClass(const json& record) {
  const std::string v = str(record, {"verdict"});
  return v == "pass" || v == "fail" || v == "error" || v == "skipped" ? v : "unknown";
}

std::string row(std::initializer_list<std::string> cells, const char* tag = "td") {
  std::string o = "<tr>";
  for (const auto& c : cells) o += std::string("<") + tag + ">" + c + "</" + tag + ">";
  return o + "</tr>\n";
}

std::string fact(const char* label, const std::string& html) {
  return std::string("<tr><th>") + label + "</th><td>" + html + "</td></tr>\n";
}

// pass, fail, error, skipped: from end.counts when the run ended, else counted so far.
std::vector<std::pair<std::string, int>> countVerdicts(const std::vector<json>& tests, const std::optional<json>& end) {
  std::vector<std::pair<std::string, int>> counts{{"pass", 0}, {"fail", 0}, {"error", 0}, {"skipped", 0}};
  const json* given = end ? find(*end, {"counts"}) : nullptr;
  for (auto& [verdict, n] : counts) {
    if (given != nullptr && given->is_object()) {
      n = static_cast<int>(number(*given, {verdict.c_str()}).value_or(0));
      continue;
    }
    for (const auto& t : tests) n += verdictClass(t) == verdict ? 1 : 0;
  }
  return counts;
}

std::string banners(const std::vector<json>& tests, const std::optional<json>& end) {
  std::string o;
  const std::string finished = std::to_string(tests.size()) + (tests.size() == 1 ? " test" : " tests");
  if (!end) {
    o += "<div class=\"banner incomplete\" id=\"incomplete\">Incomplete: the run is still going or was interrupted — " +
         finished + " finished so far.</div>\n";
  } else if (const json* i = find(*end, {"interrupted"}); i != nullptr && i->is_boolean() && i->get<bool>()) {
    o += "<div class=\"banner incomplete\" id=\"interrupted\">Interrupted: the run was stopped before every test ran — " +
         finished + " finished.</div>\n";
  }
  if (end) {
    if (const json* e = find(*end, {"error"}); e != nullptr && !e->is_null()) {
      o += "<div class=\"banner runerror\">Run error: " + show(e) + "</div>\n";
    }
  }
  return o;
}

std::string summary(const json& ctx, const std::vector<json>& tests, const std::optional<json>& end) {
  std::string o = "<section id=\"summary\">\n<div class=\"badges\">";
  for (const auto& [verdict, n] : countVerdicts(tests, end)) {
    o += "<span class=\"badge " + verdict + "\">" + verdict + " " + std::to_string(n) + "</span>";
  }
  o += "</div>\n<table class=\"facts\">\n";
  const json e = end.value_or(json::object());
  const json* interrupted = find(e, {"interrupted"});
  o += fact("suite", show(find(ctx, {"suite", "name"})) + " <span class=\"muted\">" +
                                  show(find(ctx, {"suite", "file"})) + "</span>");
  o += fact("started", show(find(ctx, {"started_at"})));
  o += fact("finished", end ? show(find(e, {"finished_at"})) : "not yet");
  const auto duration = number(e, {"duration_s"});
  o += fact("duration", duration ? escape(svg::formatNumber(*duration)) + " s" : "—");
  o += fact("interrupted", !end ? "unknown (run incomplete)" : show(interrupted));
  o += fact("exit code", show(find(e, {"exit_code"})));
  o += fact("fabcheck version", show(find(ctx, {"fabcheck_version"})));
  o += fact("launcher", show(find(ctx, {"launcher"})));
  o += fact("transport", show(find(ctx, {"fabric", "transport"})));
  o += fact("controller host", show(find(ctx, {"controller_host"})));
  return o + "</table>\n</section>\n";
}

std::string agentsTable(const json& agents) {
  std::string o = "<section id=\"agents\">\n<h2>Agents</h2>\n";
  if (!agents.is_array() || agents.empty()) return o + "<p class=\"muted\">No agents registered.</p>\n</section>\n";
  o += "<table>\n" +
       row({"id", "host", "version", "pid", "kernel", "clock offset (µs)", "offset bound (± µs)", "lost"}, "th");
  for (const auto& a : agents) {
    const auto offset = number(a, {"clock_offset_ns"}), bound = number(a, {"offset_bound_ns"});
    const json* lost = find(a, {"lost"});
    std::string lost_text = show(lost);
    if (lost != nullptr && lost->is_boolean() && lost->get<bool>()) lost_text += ": " + show(find(a, {"lost_reason"}));
    o += "<tr><td class=\"num\">" + show(find(a, {"id"})) + "</td><td>" + show(find(a, {"host"})) + "</td><td>" +
         show(find(a, {"version"})) + "</td><td class=\"num\">" + show(find(a, {"pid"})) + "</td><td>" +
         show(find(a, {"kernel"})) + "</td><td class=\"num\">" +
         (offset ? escape(svg::formatNumber(*offset / 1000)) : "unmeasured") + "</td><td class=\"num\">" +
         (bound ? escape(svg::formatNumber(*bound / 1000)) : "—") + "</td><td>" + lost_text + "</td></tr>\n";
  }
  return o + "</table>\n</section>\n";
}

std::string sloTable(const std::vector<json>& tests) {
  std::string body;
  for (size_t i = 0; i < tests.size(); ++i) {
    const json* slos = find(tests[i], {"slos"});
    if (slos == nullptr || !slos->is_array()) continue;
    for (const auto& s : *slos) {
      const std::string v = verdictClass(s), unit = str(s, {"unit"});
      const std::string suffix = unit.empty() ? "" : " " + escape(unit);
      const json* observed = find(s, {"observed"});
      const json* threshold = find(s, {"threshold"});
      body += "<tr><td><a href=\"#test-" + std::to_string(i) + "\">" + show(find(tests[i], {"name"})) +
              "</a></td><td><code>" + show(find(s, {"expression"})) + "</code></td><td class=\"v-" + v + "\">" +
              show(find(s, {"verdict"})) + "</td><td class=\"num\">" + show(observed) +
              (observed && observed->is_number() ? suffix : "") + "</td><td class=\"num\">" + show(threshold) +
              (threshold && threshold->is_number() ? suffix : "") + "</td><td>" + show(find(s, {"reason"})) +
              "</td><td class=\"small muted\">" + show(find(s, {"where"})) + "</td></tr>\n";
    }
  }
  std::string o = "<section id=\"slos\">\n<h2>SLOs</h2>\n";
  if (body.empty()) return o + "<p class=\"muted\">No SLOs checked yet.</p>\n</section>\n";
  return o + "<table>\n" + row({"test", "expression", "verdict", "observed", "threshold", "reason", "where"}, "th") +
         body + "</table>\n</section>\n";
}

// A metric's unit as the report shows it: the registry's (metric_units.h), µs for us.
std::string shownUnit(const std::string& metric) {
  const std::string unit = metricUnit(metric);
  return unit == "us" ? "µs" : unit;
}

std::string keyMetrics(const json& m) {
  struct Item {
    const char* label;
    const char* key;
    const char* sub;  // nullptr: `key` itself is the number
    bool only_nonzero = false;  // shown only when it is not 0 (a problem when it is there)
  };
  // A collective's figures (results/collective_summary.h) are at its largest size; the
  // bandwidths are GB/s, as nccl-tests prints them. Units come from the metric registry.
  const Item items[] = {{"busbw", "collective", "busbw_gbytes_s"},
                        {"algbw", "collective", "algbw_gbytes_s"},
                        {"time", "collective", "time_us"},
                        {"time p99", "collective", "p99_us"},
                        {"cv", "collective", "cv"},
                        {"JCT ratio", "collective", "jct_ratio"},
                        {"avg busbw", "collective", "avg_busbw_gbytes_s"},
                        {"retransmissions", "collective", "retransmissions"},
                        {"timeouts", "collective", "timeouts", true},
                        {"corrupted bytes", "collective", "corrupted_bytes", true},
                        {"straggler links", "collective", "straggler_links"},
                        {"throughput", "throughput_gbps", nullptr},
                        {"offered", "offered_gbps", nullptr},
                        {"packet rate", "packet_rate_mpps", nullptr},
                        {"loss ratio", "loss_ratio", nullptr},
                        {"lost packets", "lost_packets", nullptr},
                        {"fairness (Jain)", "jain_fairness", nullptr},
                        {"latency p50", "latency_us", "p50"},
                        {"latency p99", "latency_us", "p99"},
                        {"latency max", "latency_us", "max"},
                        {"idle latency p99", "idle_latency_us", "p99"},
                        {"burst completion p99", "burst_completion_us", "p99"},
                        {"switch queue drops", "fabric", "queue_drops"},
                        {"socket drops", "host", "socket_drops"},
                        {"measured", "duration_s", nullptr}};
  std::string head, cells;
  for (const auto& it : items) {
    const auto v = it.sub ? number(m, {it.key, it.sub}) : number(m, {it.key});
    if (!v || (it.only_nonzero && *v == 0)) continue;
    const std::string unit = shownUnit(it.sub ? std::string(it.key) + "." + it.sub : std::string(it.key));
    head += std::string("<th>") + it.label + "</th>";
    cells += "<td class=\"num\">" + escape(svg::formatNumber(*v)) + (unit.empty() ? "" : " " + escape(unit)) + "</td>";
  }
  if (head.empty()) return {};
  return "<table class=\"metrics\"><tr>" + head + "</tr><tr>" + cells + "</tr></table>\n";
}

svg::Series percentiles(const std::string& name, const json* lat) {
  svg::Series s{name, {}};
  if (lat == nullptr) return s;
  const std::pair<const char*, double> keys[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p999", 99.9}, {"p9999", 99.99}};
  for (const auto& [key, p] : keys) {
    if (const auto v = number(*lat, {key})) s.points.push_back({p, *v});
  }
  return s;
}

std::string charts(const json& t) {
  std::string o;
  const json m = t.contains("metrics") && t["metrics"].is_object() ? t["metrics"] : json::object();
  const bool probe = m.contains("probe");
  auto rtt = percentiles(probe ? "probe under load" : "round trip", find(m, {"latency_us"}));
  auto idle = percentiles("probe idle", find(m, {"idle_latency_us"}));
  auto one_way = percentiles("one way", find(m, {"one_way_latency_us"}));
  if (probe && (!rtt.points.empty() || !idle.points.empty())) {
    // Latency under load: the probe beside its idle baseline.
    std::vector<svg::Series> series;
    if (!idle.points.empty()) series.push_back(std::move(idle));
    if (!rtt.points.empty()) series.push_back(std::move(rtt));
    o += svg::latencyChart("Probe round trip: idle and under load", series);
    rtt.points.clear();
  }
  if (!rtt.points.empty() || !one_way.points.empty()) {
    std::vector<svg::Series> series;
    if (!rtt.points.empty()) series.push_back(std::move(rtt));
    if (!one_way.points.empty()) series.push_back(std::move(one_way));
    const char* title = series.size() == 2 ? "Latency by percentile"
                        : series[0].name == "one way" ? "One-way latency by percentile"
                                                      : "Round-trip latency by percentile";
    o += svg::latencyChart(title, series);
  }
  if (const json* samples = find(m, {"intervals", "samples"}); samples && samples->is_array() && !samples->empty()) {
    svg::Series s{"all flows", {}};
    for (const auto& smp : *samples) {
      const auto start = number(smp, {"start_s"}), dur = number(smp, {"duration_s"}), gbps = number(smp, {"gbps"});
      if (start && dur && gbps) s.points.push_back({*start + *dur / 2, *gbps});
    }
    o += svg::throughputChart("Throughput over time (all flows)", {s});
  }
  o += flowChartsHtml(m);
  o += matrixChartsHtml(t);
  o += nicChartsHtml(t);
  return o.empty() ? o : "<div class=\"charts\">\n" + o + "</div>\n";
}

std::string testSection(const json& t, size_t index) {
  const std::string v = verdictClass(t);
  std::string facts = show(find(t, {"pattern"})) + " · " + show(find(t, {"placement"})) + " · " +
                      show(find(t, {"transport"}));
  if (const json* p = find(t, {"participants"}); p && p->is_array()) facts += " · " + std::to_string(p->size()) + " agents";
  std::string o = "<details class=\"test\" id=\"test-" + std::to_string(index) + "\" open>\n<summary><span class=\"badge " +
                  v + "\">" + v + "</span>" + show(find(t, {"name"})) + " <span class=\"muted small\">" + facts +
                  "</span></summary>\n";
  if (const json* d = find(t, {"description"}); d && d->is_string()) o += "<p class=\"muted\">" + show(d) + "</p>\n";
  if (const json* e = find(t, {"error"}); e && !e->is_null()) o += "<div class=\"testerror\">Error: " + show(e) + "</div>\n";
  if (const json* c = find(t, {"transport_caveat"}); c && c->is_string()) {
    o += "<div class=\"testerror\">Not performance: " + show(c) + "</div>\n";
  }
  o += nicVerdictHtml(t);
  if (const json* m = find(t, {"metrics"}); m && m->is_object()) o += keyMetrics(*m);
  const auto skew = number(t, {"start_skew_us"});
  if (skew) {
    o += "<p class=\"small muted\">start skew " + escape(svg::formatNumber(*skew)) + " µs (bound ± " +
         show(find(t, {"start_skew_bound_us"})) + " µs)</p>\n";
  }
  return o + collectiveHtml(t) + charts(t) + "</details>\n";
}

}  // namespace

std::string renderHtml(const json& context, const json& agents, const std::vector<json>& tests,
                       const std::optional<json>& end) {
  const std::string suite = str(context, {"suite", "name"}, "(suite not started)");
  std::string o = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>fabcheck: " +
                  escape(suite) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  o += "<header>\n<h1>fabcheck report: " + escape(suite) + "</h1>\n";
  if (const json* d = find(context, {"suite", "description"}); d && d->is_string()) {
    o += "<p class=\"muted\">" + show(d) + "</p>\n";
  }
  o += "</header>\n" + banners(tests, end) + summary(context, tests, end) + agentsTable(agents) + sloTable(tests);
  o += "<section id=\"tests\">\n<h2>Tests</h2>\n";
  if (tests.empty()) o += "<p class=\"muted\">No test finished yet.</p>\n";
  for (size_t i = 0; i < tests.size(); ++i) o += testSection(tests[i], i);
  o += "</section>\n<footer class=\"small muted\"><p>Written by fabcheck " + show(find(context, {"fabcheck_version"})) +
       (end ? "" : " while the run was going") + ".</p></footer>\n</body>\n</html>\n";
  return o;
}

HtmlReporter::HtmlReporter(std::string path) : WholeFileReporter("html", std::move(path)) {
  write();  // fail now, before the run, when the path is not writable
}

std::string HtmlReporter::render(const RunSoFar& run) const {
  return renderHtml(run.context, run.agents.value_or(json::array()), run.tests, run.end);
}

}  // namespace fabcheck::reports
