// One switch's SNMP counters, per port (switch_counters_view.h).
#include "harness/runner/switch_counters_view.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "harness/counters/counter_delta.h"
#include "harness/counters/switch_metrics.h"
#include "harness/counters/switch_snmp_counter_source.h"
#include "harness/suite/site_loader.h"

namespace fabcheck::runner {

namespace {

using nlohmann::json;

// One raw counter as the view shows it: a value (values mode) or a delta.
struct RawRow {
  std::string name;
  counters::Labels labels;
  std::optional<uint64_t> v;
  std::string status;  // "" when ok
};

std::optional<uint64_t> sumOf(const std::vector<const RawRow*>& rows, const std::vector<std::string>& names) {
  uint64_t total = 0;
  for (const std::string& n : names) {
    const RawRow* found = nullptr;
    for (const RawRow* r : rows) {
      if (r->name == n && !r->labels.count("prio") && !r->labels.count("queue")) found = r;
    }
    if (!found || !found->v) return std::nullopt;
    total += *found->v;
  }
  return total;
}

json portJson(const std::string& port, const std::vector<const RawRow*>& rows, bool values) {
  json p = {{"port", port}, {"ifindex", rows.front()->labels.at("ifindex")}};
  for (const auto& f : counters::switchPortFigures()) {
    if (auto v = sumOf(rows, f.objects)) p[f.name] = *v;
  }
  p["pfc"] = json::object();
  p["queue_drops"] = json::object();
  p["raw"] = json::array();
  for (const RawRow* r : rows) {
    json raw = {{"raw", r->name}};
    for (const char* k : {"prio", "queue"}) {
      if (r->labels.count(k)) raw[k] = r->labels.at(k);
    }
    if (r->v) raw[values ? "value" : "delta"] = *r->v;
    if (!r->status.empty()) raw["status"] = r->status;
    p["raw"].push_back(raw);
    if (!r->v) continue;
    if (r->labels.count("prio")) {
      const bool tx = r->name == "cpfcIfPriorityRequests";  // PFC frames sent; Indications = received
      p["pfc"][r->labels.at("prio")][tx ? "tx_pause_frames" : "rx_pause_frames"] = *r->v;
    } else if (r->labels.count("queue")) {
      p["queue_drops"][r->labels.at("queue")] = *r->v;
    }
  }
  return p;
}

// {"ports": [...], "notes": [...], "unavailable"?}; ports in ifIndex order.
json viewJson(const std::vector<RawRow>& rows, const std::vector<std::string>& notes, const std::string& unavailable, bool values) {
  std::map<uint64_t, std::pair<std::string, std::vector<const RawRow*>>> by_port;
  for (const RawRow& r : rows) {
    auto& e = by_port[std::stoull(r.labels.at("ifindex"))];
    e.first = r.labels.at("port");
    e.second.push_back(&r);
  }
  json v = {{"ports", json::array()}, {"notes", notes}};
  for (const auto& [idx, e] : by_port) v["ports"].push_back(portJson(e.first, e.second, values));
  if (!unavailable.empty()) v["unavailable"] = unavailable;
  return v;
}

std::string cell(const json& p, const char* key) { return p.contains(key) ? std::to_string(p[key].get<uint64_t>()) : "-"; }

std::string padded(std::string s, size_t w) {
  s.resize(std::max(s.size() + 1, w), ' ');
  return s;
}

std::string trimmed(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

void printPort(const json& p, bool values, std::ostream& out) {
  std::string line = "  " + padded(p["port"].get<std::string>(), 12) + padded(p["ifindex"].get<std::string>(), 8);
  for (const auto& f : counters::switchPortFigures()) line += padded(cell(p, f.name.c_str()), 13);
  out << trimmed(line) << "\n";
  for (const auto& [prio, pf] : p["pfc"].items()) {
    out << "      pfc prio" << prio << "  rx_pause_frames " << cell(pf, "rx_pause_frames") << "  tx_pause_frames "
        << cell(pf, "tx_pause_frames") << "\n";
  }
  for (const auto& [q, n] : p["queue_drops"].items()) out << "      queue " << q << "  ucast dropped " << n.get<uint64_t>() << "\n";
  for (const auto& r : p["raw"]) {
    std::string raw = r["raw"].get<std::string>();
    if (r.contains("prio")) raw += "{prio=" + r["prio"].get<std::string>() + "}";
    if (r.contains("queue")) raw += "{queue=" + r["queue"].get<std::string>() + "}";
    const char* key = values ? "value" : "delta";
    out << "      " << padded(raw, 52) << (r.contains(key) ? std::to_string(r[key].get<uint64_t>()) : "-")
        << (r.contains("status") ? " [" + r["status"].get<std::string>() + "]" : "") << "\n";
  }
}

void printView(const json& v, bool values, std::ostream& out) {
  if (v.contains("unavailable")) out << "  unavailable: " << v["unavailable"].get<std::string>() << "\n";
  if (!v["ports"].empty()) {
    std::string head = "  " + padded("port", 12) + padded("ifIndex", 8);
    for (const auto& f : counters::switchPortFigures()) head += padded(f.name, 13);
    out << trimmed(head) << "\n";
  }
  for (const auto& p : v["ports"]) printPort(p, values, out);
  for (const auto& n : v["notes"]) out << "  note: " << n.get<std::string>() << "\n";
}

std::vector<RawRow> valueRows(const counters::CounterSnapshot& s) {
  std::vector<RawRow> rows;
  for (const auto& c : s.samples) rows.push_back({c.name, c.labels, c.value, ""});
  return rows;
}

std::vector<RawRow> deltaRows(const counters::CounterSnapshot& a, const counters::CounterSnapshot& b) {
  std::vector<RawRow> rows;
  for (const auto& d : counters::delta(a, b)) {
    rows.push_back({d.name, d.labels, d.delta, d.status == counters::DeltaStatus::kOk ? "" : counters::toString(d.status)});
  }
  return rows;
}

std::vector<std::string> mergedNotes(const counters::CounterSnapshot& a, const counters::CounterSnapshot& b) {
  std::vector<std::string> n = a.notes;
  for (const auto& x : b.notes) {
    if (std::find(n.begin(), n.end(), x) == n.end()) n.push_back(x);
  }
  return n;
}

}  // namespace

void runSwitchCounters(const SwitchCountersOptions& o, std::ostream& out) {
  const model::Site site = suite::loadSite(o.site_file);
  const model::SwitchSpec& sw = suite::findSwitch(site, o.switch_name);
  counters::SwitchSnmpCounterSource source(sw);
  const std::string version = sw.snmp.version == model::SnmpVersion::kV2c ? "2c" : "3";
  struct Read {
    counters::CounterSnapshot snap;
    std::string reason;
  };
  std::vector<Read> reads;
  for (int i = 0; i <= o.count; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(o.interval_ns));
    counters::CounterSnapshot s = source.snapshot();
    reads.push_back({std::move(s), source.unavailable_reason()});
  }
  const bool values = o.count == 0;
  json j = {{"mode", values ? "values" : "deltas"}, {"switch", sw.name}, {"address", sw.address}, {"snmp", version}};
  if (!o.json) out << "switch " << sw.name << " at " << sw.address << " (SNMP v" << version << ", " << sw.source << ")\n";
  for (size_t i = values ? 0 : 1; i < reads.size(); ++i) {
    const std::string label = i == 0 ? "now" : "t+" + std::to_string(i);
    json v;
    if (values) {
      v = viewJson(valueRows(reads[i].snap), reads[i].snap.notes, reads[i].reason, true);
      v["snapshot"] = label;
    } else {
      const std::string why = !reads[i - 1].reason.empty() ? reads[i - 1].reason : reads[i].reason;
      v = viewJson(deltaRows(reads[i - 1].snap, reads[i].snap), mergedNotes(reads[i - 1].snap, reads[i].snap), why, false);
      v["from"] = i == 1 ? "now" : "t+" + std::to_string(i - 1);
      v["to"] = label;
      v["interval_ns"] = reads[i].snap.taken_mono_ns - reads[i - 1].snap.taken_mono_ns;
    }
    if (!o.json) {
      out << (values ? label : v["from"].get<std::string>() + " -> " + label) << ":\n";
      printView(v, values, out);
    }
    j[values ? "snapshots" : "intervals"].push_back(v);
  }
  if (o.json) out << j.dump(2) << "\n";
}

}  // namespace fabcheck::runner
