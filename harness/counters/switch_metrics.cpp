#include "harness/counters/switch_metrics.h"

#include <algorithm>
#include <map>
#include <optional>

namespace fabcheck::counters {

namespace {

constexpr int kPriorities = 8;

// One per-port metric: the MIB objects it sums (of one priority when prio >= 0).
struct PortMetric {
  std::string suffix;
  std::string unit;
  std::string meaning;
  std::vector<std::string> objects;
  int prio = -1;
};

const std::vector<PortMetric>& portMetrics() {
  static const std::vector<PortMetric> kDefs = [] {
    std::vector<PortMetric> d;
    for (const SwitchPortFigure& f : switchPortFigures()) d.push_back({f.name, f.unit, f.meaning, f.objects});
    d.push_back({"queue_drops", "packets", "CISCO-SWITCH-QOS-MIB unicast packets dropped, summed over the port's queues",
                 {"csqIfQosGroupStatsValue_ucastDroppedPkts"}});
    for (int p = 0; p < kPriorities; ++p) {
      const std::string n = std::to_string(p);
      d.push_back({"pfc.prio" + n + ".rx_pause_frames", "frames",
                   "CISCO-PFC-EXT-MIB cpfcIfPriorityIndications: PFC frames received for priority " + n,
                   {"cpfcIfPriorityIndications"}, p});
      d.push_back({"pfc.prio" + n + ".tx_pause_frames", "frames",
                   "CISCO-PFC-EXT-MIB cpfcIfPriorityRequests: PFC frames sent for priority " + n,
                   {"cpfcIfPriorityRequests"}, p});
    }
    return d;
  }();
  return kDefs;
}

// One total: the per-port metrics it sums over every switch and port.
struct Total {
  FlatMetricInfo info;
  std::vector<std::string> suffixes;
};

const std::vector<Total>& totals() {
  static const std::vector<Total> kTotals = [] {
    auto total = [](const std::string& name, const std::string& unit, const std::string& meaning,
                    std::vector<std::string> suffixes) {
      return Total{{name, kSwitchSnmpSource, unit, meaning}, std::move(suffixes)};
    };
    std::vector<Total> t = {
        total("switch.rx_discards", "packets", "ifInDiscards summed over every switch port read", {"rx_discards"}),
        total("switch.tx_discards", "packets", "ifOutDiscards summed over every switch port read", {"tx_discards"}),
        total("switch.discards", "packets", "ifInDiscards + ifOutDiscards over every switch port read",
              {"rx_discards", "tx_discards"}),
        total("switch.rx_errors", "packets", "ifInErrors summed over every switch port read", {"rx_errors"}),
        total("switch.tx_errors", "packets", "ifOutErrors summed over every switch port read", {"tx_errors"}),
        total("switch.queue_drops", "packets", "queue drops (CISCO-SWITCH-QOS-MIB) over every switch port read",
              {"queue_drops"}),
    };
    for (int p = 0; p < kPriorities; ++p) {
      const std::string n = std::to_string(p);
      for (const char* dir : {"rx", "tx"}) {
        const std::string suffix = "pfc.prio" + n + "." + dir + "_pause_frames";
        t.push_back(total("switch." + suffix, "frames",
                          std::string("PFC frames ") + (dir[0] == 'r' ? "received" : "sent") + " for priority " + n +
                              " over every switch port read",
                          {suffix}));
      }
    }
    return t;
  }();
  return kTotals;
}

std::string label(const Labels& l, const char* key) {
  auto it = l.find(key);
  return it == l.end() ? std::string() : it->second;
}

bool matches(const PortMetric& m, const CounterDelta& d) {
  if (std::find(m.objects.begin(), m.objects.end(), d.name) == m.objects.end()) return false;
  return m.prio < 0 || label(d.labels, "prio") == std::to_string(m.prio);
}

// One per-port metric's counters as read.
struct PortTally {
  double sum = 0;
  std::string unknown;  // the first counter without a delta
  std::vector<FlatMetricPart> parts;
};

struct SwitchReading {
  std::map<std::string, std::string> unread;  // switch → why it was not read
  // (switch, port) → suffix → tally, in name order
  std::map<std::pair<std::string, std::string>, std::map<std::string, PortTally>> ports;
  bool any_source = false;
};

SwitchReading readSwitches(const std::vector<CounterDeltas>& deltas) {
  SwitchReading r;
  for (const CounterDeltas& src : deltas) {
    if (src.source != kSwitchSnmpSource) continue;
    r.any_source = true;
    const std::string sw = label(src.scope, "switch");
    if (!src.error.empty()) r.unread[sw] = "reading failed: " + src.error;
    else if (!src.unavailable_reason.empty()) r.unread[sw] = src.unavailable_reason;
    if (!src.error.empty() || !src.unavailable_reason.empty()) continue;
    for (const CounterDelta& d : src.counters) {
      const std::string port = label(d.labels, "port");
      const std::string on = label(d.labels, "switch").empty() ? sw : label(d.labels, "switch");
      for (const PortMetric& m : portMetrics()) {
        if (!matches(m, d)) continue;
        PortTally& t = r.ports[{on, port}][m.suffix];
        t.parts.push_back({src.source, "", d});
        if (d.delta) t.sum += static_cast<double>(*d.delta);
        else if (t.unknown.empty()) t.unknown = sampleKey(d.name, d.labels) + " " + toString(d.status);
      }
    }
  }
  return r;
}

std::string portMetricName(const std::string& sw, const std::string& port, const std::string& suffix) {
  return "switch." + sw + ".port." + port + "." + suffix;
}

FlatMetricDetail totalDetail(const Total& t, const SwitchReading& r) {
  FlatMetricDetail out{t.info.name, std::nullopt, "", {}};
  if (!r.unread.empty()) {
    out.missing = "switch " + r.unread.begin()->first + " was not read: " + r.unread.begin()->second;
    return out;
  }
  double sum = 0;
  bool found = false;
  for (const auto& [where, tallies] : r.ports) {
    for (const std::string& suffix : t.suffixes) {
      auto it = tallies.find(suffix);
      if (it == tallies.end()) continue;
      found = true;
      out.parts.insert(out.parts.end(), it->second.parts.begin(), it->second.parts.end());
      if (!it->second.unknown.empty() && out.missing.empty()) out.missing = "no delta for " + it->second.unknown;
      sum += it->second.sum;
    }
  }
  if (!found) out.missing = "no switch read serves it";
  if (out.missing.empty()) out.value = sum;
  return out;
}

}  // namespace

const std::vector<SwitchPortFigure>& switchPortFigures() {
  static const std::vector<SwitchPortFigure> kFigures = {
      {"rx_bytes", "bytes", "IF-MIB ifHCInOctets", {"ifHCInOctets"}},
      {"tx_bytes", "bytes", "IF-MIB ifHCOutOctets", {"ifHCOutOctets"}},
      {"rx_packets", "packets", "IF-MIB ifHCInUcastPkts + ifHCInMulticastPkts + ifHCInBroadcastPkts",
       {"ifHCInUcastPkts", "ifHCInMulticastPkts", "ifHCInBroadcastPkts"}},
      {"tx_packets", "packets", "IF-MIB ifHCOutUcastPkts + ifHCOutMulticastPkts + ifHCOutBroadcastPkts",
       {"ifHCOutUcastPkts", "ifHCOutMulticastPkts", "ifHCOutBroadcastPkts"}},
      {"rx_discards", "packets", "IF-MIB ifInDiscards (32-bit)", {"ifInDiscards"}},
      {"tx_discards", "packets", "IF-MIB ifOutDiscards (32-bit)", {"ifOutDiscards"}},
      {"rx_errors", "packets", "IF-MIB ifInErrors (32-bit)", {"ifInErrors"}},
      {"tx_errors", "packets", "IF-MIB ifOutErrors (32-bit)", {"ifOutErrors"}},
  };
  return kFigures;
}

const std::vector<FlatMetricInfo>& switchMetricInfos() {
  static const std::vector<FlatMetricInfo> kInfos = [] {
    std::vector<FlatMetricInfo> v;
    for (const Total& t : totals()) v.push_back(t.info);
    for (const PortMetric& m : portMetrics()) {
      v.push_back({portMetricName("<switch>", "<port>", m.suffix), kSwitchSnmpSource, m.unit, m.meaning});
    }
    return v;
  }();
  return kInfos;
}

std::vector<FlatMetricDetail> switchMetricDetails(const std::vector<CounterDeltas>& deltas) {
  const SwitchReading r = readSwitches(deltas);
  std::vector<FlatMetricDetail> out;
  if (!r.any_source) return out;
  for (const auto& [where, tallies] : r.ports) {
    for (const auto& [suffix, t] : tallies) {
      FlatMetricDetail d{portMetricName(where.first, where.second, suffix), std::nullopt, "", t.parts};
      if (t.unknown.empty()) d.value = t.sum;
      else d.missing = "no delta for " + t.unknown;
      out.push_back(std::move(d));
    }
  }
  for (const Total& t : totals()) out.push_back(totalDetail(t, r));
  for (const auto& [sw, why] : r.unread) {
    out.push_back({"switch." + sw + ".*", std::nullopt, "switch " + sw + " was not read: " + why, {}});
  }
  return out;
}

}  // namespace fabcheck::counters
