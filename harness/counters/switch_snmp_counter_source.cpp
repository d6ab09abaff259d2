// One switch's port counters over SNMP (switch_snmp_counter_source.h).
#include "harness/counters/switch_snmp_counter_source.h"

#include <algorithm>
#include <set>

#include "generators/core/clock.h"

namespace fabcheck::counters {

namespace {

enum class Table : uint8_t { kIfTable, kIfXTable, kPfcPriority, kQosGroupStats };

struct Column {
  const char* name;  // the MIB object, the sample's name
  const char* oid;
  Table table;
};

// Every column one read walks (research: docs/switches.md "MIBs and OIDs fabcheck reads").
const std::vector<Column>& columns() {
  static const std::vector<Column> kColumns = {
      {"ifHCInOctets", ".1.3.6.1.2.1.31.1.1.1.6", Table::kIfXTable},
      {"ifHCInUcastPkts", ".1.3.6.1.2.1.31.1.1.1.7", Table::kIfXTable},
      {"ifHCInMulticastPkts", ".1.3.6.1.2.1.31.1.1.1.8", Table::kIfXTable},
      {"ifHCInBroadcastPkts", ".1.3.6.1.2.1.31.1.1.1.9", Table::kIfXTable},
      {"ifHCOutOctets", ".1.3.6.1.2.1.31.1.1.1.10", Table::kIfXTable},
      {"ifHCOutUcastPkts", ".1.3.6.1.2.1.31.1.1.1.11", Table::kIfXTable},
      {"ifHCOutMulticastPkts", ".1.3.6.1.2.1.31.1.1.1.12", Table::kIfXTable},
      {"ifHCOutBroadcastPkts", ".1.3.6.1.2.1.31.1.1.1.13", Table::kIfXTable},
      {"ifInDiscards", ".1.3.6.1.2.1.2.2.1.13", Table::kIfTable},
      {"ifInErrors", ".1.3.6.1.2.1.2.2.1.14", Table::kIfTable},
      {"ifOutDiscards", ".1.3.6.1.2.1.2.2.1.19", Table::kIfTable},
      {"ifOutErrors", ".1.3.6.1.2.1.2.2.1.20", Table::kIfTable},
      {"cpfcIfPriorityRequests", ".1.3.6.1.4.1.9.9.813.1.2.1.2", Table::kPfcPriority},
      {"cpfcIfPriorityIndications", ".1.3.6.1.4.1.9.9.813.1.2.1.3", Table::kPfcPriority},
      {"csqIfQosGroupStatsValue", ".1.3.6.1.4.1.9.9.580.1.5.5.1.4", Table::kQosGroupStats},
  };
  return kColumns;
}

const char* tableName(Table t) {
  switch (t) {
    case Table::kIfTable: return "IF-MIB ifTable (.1.3.6.1.2.1.2.2)";
    case Table::kIfXTable: return "IF-MIB ifXTable (.1.3.6.1.2.1.31.1.1)";
    case Table::kPfcPriority: return "CISCO-PFC-EXT-MIB cpfcIfPriorityTable (.1.3.6.1.4.1.9.9.813.1.2)";
    case Table::kQosGroupStats: return "CISCO-SWITCH-QOS-MIB csqIfQosGroupStatsTable (.1.3.6.1.4.1.9.9.580.1.5.5)";
  }
  return "";
}

constexpr const char* kIfNameOid = ".1.3.6.1.2.1.31.1.1.1.1";
constexpr const char* kIfOperStatusOid = ".1.3.6.1.2.1.2.2.1.8";
constexpr uint32_t kQosEgress = 2;
constexpr uint32_t kQosUcastDroppedPkts = 5;

// "Ethernet12" -> 12; otherwise -1.
int64_t sonicEthernetNumber(const std::string& name) {
  const std::string prefix = "Ethernet";
  if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size() || name.size() > prefix.size() + 6) return -1;
  const std::string digits = name.substr(prefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(digits);
}

bool isNumber(const SnmpVar& v) { return v.type != SnmpType::kString && v.type != SnmpType::kOther; }

}  // namespace

std::vector<SwitchPort> selectSwitchPorts(const std::map<uint32_t, std::string>& if_names,
                                          const std::map<uint32_t, int64_t>& oper_status,
                                          const std::vector<std::string>& wanted, const std::string& switch_name) {
  std::vector<SwitchPort> out;
  if (wanted.empty()) {
    for (const auto& [idx, name] : if_names) {
      auto it = oper_status.find(idx);
      if (it != oper_status.end() && it->second == 1) out.push_back({idx, name});
    }
    return out;
  }
  for (const std::string& w : wanted) {
    auto by_name = std::find_if(if_names.begin(), if_names.end(), [&](const auto& e) { return e.second == w; });
    if (by_name != if_names.end()) {
      out.push_back({by_name->first, by_name->second});
      continue;
    }
    const int64_t n = sonicEthernetNumber(w);
    if (n >= 0 && if_names.count(static_cast<uint32_t>(n + 1))) {
      out.push_back({static_cast<uint32_t>(n + 1), if_names.at(static_cast<uint32_t>(n + 1))});
      continue;
    }
    std::string names;
    for (const auto& [idx, name] : if_names) names += (names.empty() ? "" : ", ") + name;
    throw ConfigError("switch " + switch_name + ": port '" + w + "' is not one of its ifNames (" + (names.empty() ? "none" : names) +
                      ")" + (n >= 0 ? " and it has no ifIndex " + std::to_string(n + 1) + " (SONiC " + w + ")" : ""));
  }
  return out;
}

SwitchSnmpCounterSource::SwitchSnmpCounterSource(model::SwitchSpec sw) : sw_(std::move(sw)) {}
SwitchSnmpCounterSource::~SwitchSnmpCounterSource() = default;

void SwitchSnmpCounterSource::mapPorts() {
  const auto rows = session_->walk({parseOid(kIfNameOid), parseOid(kIfOperStatusOid)});
  std::map<uint32_t, std::string> names;
  std::map<uint32_t, int64_t> oper;
  for (const SnmpVar& v : rows[0]) {
    if (v.index.size() == 1 && v.type == SnmpType::kString) names[v.index[0]] = v.text;
  }
  for (const SnmpVar& v : rows[1]) {
    if (v.index.size() == 1 && v.type == SnmpType::kInteger) oper[v.index[0]] = static_cast<int64_t>(v.value);
  }
  if (names.empty()) {
    throw SnmpError("switch " + sw_.name + " (" + sw_.address + ") serves no ifName (" + kIfNameOid +
                    "): fabcheck needs IF-MIB ifXTable to name ports");
  }
  ports_ = selectSwitchPorts(names, oper, sw_.ports, sw_.name);
  if_names_ = std::move(names);
  mapped_ = true;
}

CounterSnapshot SwitchSnmpCounterSource::snapshot() {
  reason_.clear();
  if (sw_.address.empty()) {
    reason_ = "no switch given: switch_snmp reads a site file's switch (fabcheck counters --site FILE --switch NAME)";
    return CounterSnapshot{.taken_mono_ns = monoNowNs(), .samples = {}, .notes = {}};
  }
  try {
    if (!session_) session_ = std::make_unique<SnmpSession>(sw_);
    if (!mapped_) mapPorts();
    CounterSnapshot snap = read(true);
    if (!mapped_) {  // the read found an ifIndex it did not know: ports renumbered; map again and read
      mapPorts();
      snap = read(false);
    }
    return snap;
  } catch (const SnmpError& e) {
    session_.reset();
    mapped_ = false;
    reason_ = e.what();
    CounterSnapshot empty;
    empty.taken_mono_ns = monoNowNs();
    return empty;
  }
}

CounterSnapshot SwitchSnmpCounterSource::read(bool remap_on_unknown) {
  std::vector<Oid> roots;
  for (const Column& c : columns()) roots.push_back(parseOid(c.oid));
  const auto rows = session_->walk(roots);
  CounterSnapshot snap;
  snap.taken_mono_ns = monoNowNs();
  std::map<uint32_t, const SwitchPort*> wanted;
  for (const SwitchPort& p : ports_) wanted[p.ifindex] = &p;
  std::set<Table> served;
  for (size_t c = 0; c < roots.size(); ++c) {
    const Column& col = columns()[c];
    if (!rows[c].empty()) served.insert(col.table);
    for (const SnmpVar& v : rows[c]) {
      if (v.index.empty() || !isNumber(v)) continue;
      if (remap_on_unknown && !if_names_.count(v.index[0])) {
        mapped_ = false;  // snapshot() maps the ports again
        return snap;
      }
      auto port = wanted.find(v.index[0]);
      if (port == wanted.end()) continue;
      CounterSample s{.name = col.name,
                      .labels = {{"host", sw_.name}, {"switch", sw_.name}, {"port", port->second->name},
                                 {"ifindex", std::to_string(v.index[0])}},
                      .value = v.value,
                      .width_bits = v.type == SnmpType::kCounter64 ? 64 : 32};
      if (col.table == Table::kPfcPriority) {
        if (v.index.size() != 2 || v.index[1] > 7) continue;
        s.labels["prio"] = std::to_string(v.index[1]);
      } else if (col.table == Table::kQosGroupStats) {
        if (v.index.size() != 4 || v.index[1] != kQosEgress || v.index[3] != kQosUcastDroppedPkts || v.index[2] == 0) continue;
        s.name = std::string(col.name) + "_ucastDroppedPkts";
        s.labels["queue"] = std::to_string(v.index[2] - 1);
      } else if (v.index.size() != 1) {
        continue;
      }
      snap.samples.push_back(std::move(s));
    }
  }
  if (ports_.empty()) snap.notes.push_back("switch " + sw_.name + " has no port whose ifOperStatus is up; nothing to read");
  for (Table t : {Table::kIfXTable, Table::kIfTable, Table::kPfcPriority, Table::kQosGroupStats}) {
    if (!served.count(t)) snap.notes.push_back("switch " + sw_.name + " does not serve " + tableName(t) + "; its counters are absent");
  }
  return snap;
}

}  // namespace fabcheck::counters
