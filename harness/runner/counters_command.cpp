#include "harness/runner/counters_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "harness/counters/counter_capture.h"
#include "harness/counters/flat_metrics.h"
#include "harness/counters/test_counters.h"
#include "harness/runner/switch_counters_view.h"

namespace fabcheck::runner {

namespace {

using nlohmann::json;
using counters::CounterDeltas;
using counters::SourceSnapshot;

// A snapshot as deltas from zero: the values view goes through the same metric code as deltas.
std::vector<CounterDeltas> asValues(const std::vector<SourceSnapshot>& snaps) {
  std::vector<CounterDeltas> out;
  for (const SourceSnapshot& s : snaps) {
    CounterDeltas d{.source = s.source, .scope = s.scope, .unavailable_reason = s.unavailable_reason, .error = s.error,
                    .interval_ns = 0, .counters = {}, .notes = s.snapshot.notes};
    for (const auto& c : s.snapshot.samples) d.counters.push_back({c.name, c.labels, counters::DeltaStatus::kOk, c.value, std::nullopt, c.value});
    out.push_back(std::move(d));
  }
  return out;
}

std::string unitOf(const std::string& metric) {
  for (const auto& i : counters::flatMetricInfos()) {
    if (i.name == metric) return i.unit;
  }
  return "";
}

json partJson(const counters::FlatMetricPart& p, bool values) {
  json j = {{"source", p.source}, {"raw", p.counter.name}};
  if (!p.vendor.empty()) j["vendor"] = p.vendor;
  for (const char* k : {"dev", "port", "dir"}) {
    if (p.counter.labels.count(k)) j[k] = p.counter.labels.at(k);
  }
  if (p.counter.delta) j[values ? "value" : "delta"] = *p.counter.delta;
  if (p.counter.status != counters::DeltaStatus::kOk) j["status"] = counters::toString(p.counter.status);
  return j;
}

// {"metrics": [...], "absent": {...}} of one snapshot (interval_ns 0) or one interval.
json viewJson(const std::vector<CounterDeltas>& deltas, bool values, int64_t interval_ns) {
  json metrics = json::array(), absent = json::object();
  for (const auto& d : counters::flatMetricDetails(deltas)) {
    if (d.missing.rfind("the ", 0) == 0 && d.missing.find(" source was not read") != std::string::npos) continue;
    if (!d.value) {
      absent[d.name] = d.missing;
      continue;
    }
    json m = {{"metric", d.name}, {"unit", unitOf(d.name)}, {values ? "value" : "delta", *d.value}};
    if (!values && interval_ns > 0) m["rate_per_s"] = *d.value * 1e9 / static_cast<double>(interval_ns);
    json from = json::array();
    for (const auto& p : d.parts) from.push_back(partJson(p, values));
    m["from"] = from;
    metrics.push_back(m);
  }
  json out = {{"metrics", metrics}, {"absent", absent}};
  if (!values) out["interval_ns"] = interval_ns;
  for (const auto& d : deltas) {
    if (!d.unavailable_reason.empty()) out["sources"][d.source] = "unavailable: " + d.unavailable_reason;
    if (!d.error.empty()) out["sources"][d.source] = "error: " + d.error;
  }
  return out;
}

std::string fromText(const json& from) {
  std::string t;
  for (const auto& p : from) {
    std::string one = p["source"].get<std::string>() + " ";
    if (p.contains("dev")) one += p["dev"].get<std::string>() + (p.contains("port") ? "/" + p["port"].get<std::string>() : "") + " ";
    one += p["raw"].get<std::string>() + (p.contains("vendor") ? " (" + p["vendor"].get<std::string>() + ")" : "");
    if (p.contains("status")) one += " [" + p["status"].get<std::string>() + "]";
    t += (t.empty() ? "" : ", ") + one;
  }
  return t;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), v == static_cast<double>(static_cast<long long>(v)) ? "%.0f" : "%.3f", v);
  return buf;
}

void printView(const json& view, std::ostream& out) {
  const bool values = !view.contains("interval_ns");
  for (const auto& m : view["metrics"]) {
    const double v = m[values ? "value" : "delta"].get<double>();
    std::string line = "  " + m["metric"].get<std::string>();
    line.resize(std::max<size_t>(line.size() + 1, 42), ' ');
    std::string val = number(v) + " " + m["unit"].get<std::string>();
    if (m.contains("rate_per_s")) val += " (" + number(m["rate_per_s"].get<double>()) + "/s)";
    val.resize(std::max<size_t>(val.size() + 1, 28), ' ');
    out << line << val << "from " << fromText(m["from"]) << "\n";
  }
  if (view.contains("sources")) {
    for (const auto& [source, why] : view["sources"].items()) out << "  source " << source << " " << why.get<std::string>() << "\n";
  }
  if (!view["absent"].empty()) out << "  absent:\n";
  for (const auto& [metric, why] : view["absent"].items()) out << "    " << metric << ": " << why.get<std::string>() << "\n";
}

struct Header {
  std::string host, interface, device, how;
};

json headerJson(const Header& h, const char* mode) {
  return {{"mode", mode}, {"host", h.host}, {"interface", h.interface}, {"device", h.device}};
}

void printHeader(const Header& h, std::ostream& out) {
  out << "host " << h.host;
  if (!h.interface.empty()) out << ", interface " << h.interface;
  if (!h.device.empty()) out << ", RDMA device " << h.device;
  if (!h.how.empty()) out << " (" << h.how << ")";
  out << "\n";
}

void emitValues(const Header& h, const std::vector<std::pair<std::string, std::vector<SourceSnapshot>>>& snaps, bool as_json,
                std::ostream& out) {
  json j = headerJson(h, "values");
  j["snapshots"] = json::array();
  if (!as_json) printHeader(h, out);
  for (const auto& [label, s] : snaps) {
    json v = viewJson(asValues(s), true, 0);
    v["snapshot"] = label;
    if (!as_json) {
      out << label << ":\n";
      printView(v, out);
    }
    j["snapshots"].push_back(v);
  }
  if (as_json) out << j.dump(2) << "\n";
}

void emitDeltas(const Header& h, const std::vector<std::pair<std::string, std::vector<SourceSnapshot>>>& snaps, bool as_json,
                std::ostream& out) {
  json j = headerJson(h, "deltas");
  j["intervals"] = json::array();
  if (!as_json) printHeader(h, out);
  for (size_t i = 1; i < snaps.size(); ++i) {
    const auto d = counters::deltas(snaps[i - 1].second, snaps[i].second);
    const int64_t interval = d.empty() ? 0 : d.front().interval_ns;
    json v = viewJson(d, false, interval);
    v["from"] = snaps[i - 1].first;
    v["to"] = snaps[i].first;
    if (!as_json) {
      out << snaps[i - 1].first << " -> " << snaps[i].first << " (" << number(static_cast<double>(interval) / 1e9) << " s):\n";
      printView(v, out);
    }
    j["intervals"].push_back(v);
  }
  if (as_json) out << j.dump(2) << "\n";
}

int64_t wallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void runCaptures(const CountersCommandOptions& o, std::ostream& out) {
  std::vector<std::pair<std::string, std::vector<SourceSnapshot>>> snaps;
  Header h;
  for (const std::string& dir : o.captures) {
    counters::Capture c = counters::readCapture(dir);
    if (snaps.empty()) h = {c.meta.host, c.meta.interface, c.meta.device, "capture"};
    snaps.emplace_back(dir, std::move(c.sources));
  }
  if (snaps.size() == 1) emitValues(h, snaps, o.json, out);
  else emitDeltas(h, snaps, o.json, out);
}

}  // namespace

void runCountersCommand(const CountersCommandOptions& o, std::ostream& out) {
  if (!o.site_file.empty() || !o.switch_name.empty()) {
    if (o.site_file.empty() || o.switch_name.empty()) throw ConfigError("--site FILE and --switch NAME go together (a switch of the site file)");
    if (!o.captures.empty() || !o.save_dir.empty() || !o.interface.empty() || !o.device.empty()) {
      throw ConfigError("--site/--switch read a switch over SNMP; they take no --capture, --save, --interface or --device");
    }
    if ((o.interval_ns > 0) != (o.count > 0)) throw ConfigError("--interval and --count go together (e.g. --interval 1s --count 5)");
    return runSwitchCounters({o.site_file, o.switch_name, o.json, o.interval_ns, o.count}, out);
  }
  if (!o.captures.empty()) {
    if (!o.save_dir.empty() || o.count > 0 || !o.interface.empty() || !o.device.empty()) {
      throw ConfigError("--capture reads saved counters; it takes no --save, --interval/--count, --interface or --device");
    }
    return runCaptures(o, out);
  }
  if ((o.interval_ns > 0) != (o.count > 0)) throw ConfigError("--interval and --count go together (e.g. --interval 1s --count 5)");
  counters::NicSelection nic;
  if (!o.interface.empty() || !o.device.empty()) {
    nic = counters::selectNic({.address = "", .interface = o.interface, .device = o.device});
    if (nic.interface.empty()) throw ConfigError("--device needs --interface (the interface whose netdev and ethtool counters go with it)");
  }
  counters::CounterSet set = counters::hostCounterSet(nic);
  const Header h{hostName(), nic.interface, nic.device, nic.how};
  if (!o.save_dir.empty()) {
    const int64_t t = wallNowNs();
    counters::saveCapture(o.save_dir, {h.host, t, h.interface, h.device}, set.snapshot());
    out << "saved " << o.save_dir << " (host " << h.host << ", time_ns " << t << ")\n";
    return;
  }
  std::vector<std::pair<std::string, std::vector<SourceSnapshot>>> snaps;
  snaps.emplace_back("now", set.snapshot());
  for (int i = 1; i <= o.count; ++i) {
    std::this_thread::sleep_for(std::chrono::nanoseconds(o.interval_ns));
    snaps.emplace_back("t+" + std::to_string(i), set.snapshot());
  }
  if (o.count == 0) emitValues(h, snaps, o.json, out);
  else emitDeltas(h, snaps, o.json, out);
}

}  // namespace fabcheck::runner
