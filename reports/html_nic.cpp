#include "reports/html_nic.h"

#include <cmath>
#include <vector>

#include "reports/record_fields.h"
#include "reports/svg_charts.h"

namespace fabcheck::reports {
namespace {

using nlohmann::json;
using svg::escape;

std::string list(const json& items, const char* cls) {
  if (!items.is_array() || items.empty()) return "";
  std::string o = "<ul class=\"" + std::string(cls) + "\">\n";
  for (const auto& i : items) {
    if (i.is_string()) o += "<li>" + escape(i.get<std::string>()) + "</li>\n";
  }
  return o + "</ul>\n";
}

std::string losslessHtml(const json& l) {
  if (!l.is_object()) return "";
  const bool known = field(l, "known").is_boolean() && l["known"].get<bool>();
  const bool ok = field(l, "ok").is_boolean() && l["ok"].get<bool>();
  if (!known) {
    return "<div class=\"nic lossless unknown\"><b>lossless: unknown</b> — " + escape(textField(l, "why_unknown")) + "</div>\n";
  }
  if (ok) {
    const json& checked = field(l, "checked");
    return "<div class=\"nic lossless pass\"><b>lossless: holds</b> <span class=\"small muted\">(checked " +
           std::to_string(checked.is_array() ? checked.size() : 0) + " counters and storm rules)</span></div>\n";
  }
  return "<div class=\"nic lossless fail testerror\"><b>lossless: broken</b>\n" + list(field(l, "violations"), "violations") + "</div>\n";
}

std::string ecnHtml(const json& e) {
  if (!e.is_object()) return "";
  const auto marked = numberField(e, "marked"), sent = numberField(e, "cnp_sent"), handled = numberField(e, "cnp_handled");
  const bool consistent = field(e, "consistent").is_boolean() && e["consistent"].get<bool>();
  auto n = [](const std::optional<double>& v) { return v ? escape(svg::formatNumber(*v)) : std::string("—"); };
  return std::string("<div class=\"nic ecn ") + (consistent ? "pass" : "fail") + "\"><b>ECN: " +
         (consistent ? "consistent" : "inconsistent") + "</b> — CE-marked " + n(marked) + ", CNPs sent " + n(sent) +
         ", CNPs handled " + n(handled) + "\n" + list(field(e, "problems"), "problems") + "</div>\n";
}

// One line per paused NIC priority: "h1 eth0 prio 3", x = t_s, y = values[key] × scale.
std::vector<svg::Series> pauseSeries(const json& pause, const char* key, double scale, bool only_with_duration) {
  std::vector<svg::Series> out;
  for (const auto& p : pause) {
    const json* t = find(p, {"t_s"});
    const json* v = find(p, {key});
    if (!t || !v || !t->is_array() || !v->is_array() || t->size() != v->size()) continue;
    if (only_with_duration && numberField(p, "max_duty").value_or(0) <= 0) continue;
    svg::Series s{textField(p, "host") + " " + textField(p, "nic") + " prio " + std::to_string(field(p, "priority").is_number() ? p["priority"].get<int>() : -1), {}};
    for (size_t i = 0; i < t->size(); ++i) {
      const double x = (*t)[i].is_number() ? (*t)[i].get<double>() : NAN;
      const double y = (*v)[i].is_number() ? (*v)[i].get<double>() * scale : NAN;
      s.points.push_back({x, y});
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<svg::Span> storms(const json& nic) {
  std::vector<svg::Span> out;
  const json& list = field(nic, "pfc_storms");
  if (!list.is_array()) return out;
  for (const auto& s : list) {
    const auto start = numberField(s, "start_s"), ms = numberField(s, "duration_ms");
    if (!start || !ms) continue;
    out.push_back({*start, *start + *ms / 1000, "storm " + textField(s, "host") + " " + textField(s, "nic") + " prio " +
                                                   std::to_string(field(s, "priority").is_number() ? s["priority"].get<int>() : -1)});
  }
  return out;
}

}  // namespace

std::string nicVerdictHtml(const json& record) {
  const json& nic = field(record, "nic");
  if (!nic.is_object()) return "";
  return losslessHtml(field(nic, "lossless")) + ecnHtml(field(nic, "ecn"));
}

std::string nicChartsHtml(const json& record) {
  const json& nic = field(record, "nic");
  const json& pause = field(nic, "pause");
  if (!pause.is_array() || pause.empty()) return "";
  const auto spans = storms(nic);
  std::string o;
  const auto duty = pauseSeries(pause, "duty", 100, true);
  if (!duty.empty()) o += svg::pauseChart("PFC pause duty by NIC priority (% of each interval paused)", "paused (%)", duty, spans);
  o += svg::pauseChart("PFC pause frames received by NIC priority", "frames/s", pauseSeries(pause, "rx_frames_per_s", 1, false), spans);
  return o;
}

}  // namespace fabcheck::reports
