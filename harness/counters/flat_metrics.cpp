#include "harness/counters/flat_metrics.h"

#include <functional>
#include <map>
#include <optional>

#include "harness/counters/nic_vocabulary.h"
#include "harness/counters/switch_metrics.h"

namespace fabcheck::counters {

namespace {

using Selector = std::function<bool(const std::string& name, const Labels& labels)>;

struct Definition {
  FlatMetricInfo info;
  Selector select;
};

Selector named(std::vector<std::string> names) {
  return [names = std::move(names)](const std::string& name, const Labels&) {
    for (const auto& n : names) {
      if (n == name) return true;
    }
    return false;
  };
}

Selector rootQdisc(std::string counter) {
  return [counter = std::move(counter)](const std::string& name, const Labels& labels) {
    auto p = labels.find("parent");
    return name == counter && p != labels.end() && p->second == "root";
  };
}

Selector inDir(std::string dir, std::vector<std::string> names) {
  return [dir = std::move(dir), sel = named(std::move(names))](const std::string& name, const Labels& labels) {
    auto d = labels.find("dir");
    return d != labels.end() && d->second == dir && sel(name, labels);
  };
}

const std::vector<Definition>& definitions() {
  static const std::vector<Definition> kDefs = {
      {{"fabric.queue_drops", "qdisc", "packets", "packets dropped by root qdiscs (children's drops are counted by their root)"},
       rootQdisc("drops")},
      {{"fabric.queue_overlimits", "qdisc", "events", "overlimits of root qdiscs (a shaper delayed or refused a packet)"},
       rootQdisc("overlimits")},
      {{"fabric.queue_packets", "qdisc", "packets", "packets sent by root qdiscs"}, rootQdisc("packets")},
      {{"fabric.emulator_drops", "emulator", "packets",
        "packets the machine emulating the fabric dropped outside its queues: /proc/net/softnet_stat backlog drops summed over CPUs"},
       named({"backlog_drops"})},
      {{"fabric.calibrated_port_bps", "emulator", "bit/s",
        "what `fabric up` measured each port carries with every host sending (its calibration); missing without one"},
       named({"calibrated_port_bps"})},
      {{"fabric.ecn_marked_packets", "fabric_ecn", "packets", "packets set to CE by the emulated fabric's ECN-marking ports (ecn_threshold=)"},
       named({"ecn_marked"})},
      {{"host.socket_drops", "snmp", "datagrams", "Udp RcvbufErrors + Udp6 RcvbufErrors: datagrams dropped for a full socket receive buffer"},
       named({"Udp.RcvbufErrors", "Udp6.RcvbufErrors"})},
      {{"host.udp_in_errors", "snmp", "datagrams", "Udp InErrors + Udp6 InErrors (includes RcvbufErrors and checksum errors)"},
       named({"Udp.InErrors", "Udp6.InErrors"})},
      {{"host.udp_no_ports", "snmp", "datagrams", "Udp NoPorts + Udp6 NoPorts: datagrams to a port nobody listens on"},
       named({"Udp.NoPorts", "Udp6.NoPorts"})},
      {{"host.udp_sndbuf_errors", "snmp", "datagrams", "Udp SndbufErrors + Udp6 SndbufErrors"},
       named({"Udp.SndbufErrors", "Udp6.SndbufErrors"})},
      {{"host.tcp_retrans_segs", "snmp", "segments", "Tcp RetransSegs"}, named({"Tcp.RetransSegs"})},
      {{"host.ce_packets", "snmp", "packets", "IpExt InCEPkts: IPv4 packets received with ECN CE (congestion experienced)"},
       named({"IpExt.InCEPkts"})},
      {{"host.ect_packets", "snmp", "packets", "IpExt InECT0Pkts + InECT1Pkts: IPv4 packets received ECN-capable, not CE"},
       named({"IpExt.InECT0Pkts", "IpExt.InECT1Pkts"})},
      {{"host.rx_bytes", "netdev", "bytes", "rx_bytes summed over the interfaces read"}, named({"rx_bytes"})},
      {{"host.tx_bytes", "netdev", "bytes", "tx_bytes summed over the interfaces read"}, named({"tx_bytes"})},
      {{"host.rx_packets", "netdev", "packets", "rx_packets summed over the interfaces read"}, named({"rx_packets"})},
      {{"host.tx_packets", "netdev", "packets", "tx_packets summed over the interfaces read"}, named({"tx_packets"})},
      {{"host.rx_dropped", "netdev", "packets", "rx_dropped summed over the interfaces read"}, named({"rx_dropped"})},
      {{"host.tx_dropped", "netdev", "packets", "tx_dropped summed over the interfaces read"}, named({"tx_dropped"})},
      {{"host.rx_errors", "netdev", "packets", "rx_errors summed over the interfaces read"}, named({"rx_errors"})},
      {{"host.tx_errors", "netdev", "packets", "tx_errors summed over the interfaces read"}, named({"tx_errors"})},
      {{"rdma.tx_bytes", "infiniband", "bytes", "port_xmit_data × 4 summed over RDMA ports"}, inDir("counters", {"port_xmit_bytes"})},
      {{"rdma.rx_bytes", "infiniband", "bytes", "port_rcv_data × 4 summed over RDMA ports"}, inDir("counters", {"port_rcv_bytes"})},
      {{"rdma.port_xmit_discards", "infiniband", "packets", "port_xmit_discards summed over RDMA ports"},
       inDir("counters", {"port_xmit_discards"})},
      {{"rdma.port_rcv_errors", "infiniband", "packets", "port_rcv_errors summed over RDMA ports"}, inDir("counters", {"port_rcv_errors"})},
      {{"rdma.symbol_errors", "infiniband", "events", "symbol_error summed over RDMA ports"}, inDir("counters", {"symbol_error"})},
      {{"rdma.link_downed", "infiniband", "events", "link_downed summed over RDMA ports"}, inDir("counters", {"link_downed"})},
  };
  return kDefs;
}

// Where one metric's counters stand after reading the sources.
struct Tally {
  double sum = 0;
  bool found = false, source_seen = false;
  std::string unknown, unavailable;
  std::vector<FlatMetricPart> parts;

  void seeSource(const CounterDeltas& src) {
    source_seen = true;
    if (!src.error.empty()) unavailable = "reading " + src.source + " failed: " + src.error;
    else if (!src.unavailable_reason.empty()) unavailable = src.source + " unavailable: " + src.unavailable_reason;
  }
  void add(const std::string& source, const std::string& vendor, const CounterDelta& d) {
    found = true;
    parts.push_back({source, vendor, d});
    // A gauge (a level, e.g. the fabric's calibrated rate) counts with its value at the end.
    const std::optional<uint64_t> v = d.status == DeltaStatus::kGauge ? d.after : d.delta;
    if (v) {
      sum += static_cast<double>(*v);
    } else if (unknown.empty()) {
      unknown = sampleKey(d.name, d.labels) + " " + toString(d.status);
    }
  }
  FlatMetricDetail finish(const FlatMetricInfo& info, const std::string& looked_for) {
    FlatMetricDetail out{info.name, std::nullopt, "", std::move(parts)};
    if (!unknown.empty()) {
      out.missing = "no delta for " + unknown;
    } else if (found) {
      out.value = sum;
    } else if (!unavailable.empty()) {
      out.missing = unavailable;
    } else if (!source_seen) {
      out.missing = "the " + info.source + " source was not read";
    } else {
      out.missing = looked_for.empty() ? "no counter for it in the " + info.source + " source"
                                       : "no counter for it on the NICs read (" + looked_for + ")";
    }
    return out;
  }
};

// The device a NIC counter belongs to: one vendor group per metric and device.
std::string deviceKey(const std::string& source, const Labels& l) {
  auto get = [&](const char* k) {
    auto it = l.find(k);
    return it == l.end() ? std::string() : it->second;
  };
  return source + "|" + get("host") + "|" + get("netns") + "|" + get("dev") + "|" + get("port");
}

// The nic.* metrics (nic_vocabulary.h): per metric and device, the counters of the preferred group.
std::map<std::string, Tally> nicTallies(const std::vector<CounterDeltas>& deltas) {
  struct Pick {
    size_t group = ~size_t{0};
    std::string vendor;
    std::vector<std::pair<std::string, const CounterDelta*>> counters;
  };
  std::map<std::string, std::map<std::string, Pick>> picks;  // metric → device → pick
  std::map<std::string, Tally> out;
  for (const CounterDeltas& src : deltas) {
    for (const auto& info : nicMetricInfos()) {
      if (info.source == src.source) out[info.name].seeSource(src);
    }
    for (const CounterDelta& d : src.counters) {
      for (const NicMatch& m : matchNicCounter(src.source, d.name, d.labels)) {
        Pick& p = picks[m.metric][deviceKey(src.source, d.labels)];
        if (m.group > p.group) continue;
        if (m.group < p.group) p = Pick{m.group, m.vendor, {}};
        p.counters.emplace_back(src.source, &d);
      }
    }
  }
  for (const auto& [metric, devices] : picks) {
    for (const auto& [device, pick] : devices) {
      for (const auto& [source, d] : pick.counters) out[metric].add(source, pick.vendor, *d);
    }
  }
  return out;
}

}  // namespace

const std::vector<FlatMetricInfo>& flatMetricInfos() {
  static const std::vector<FlatMetricInfo> kInfos = [] {
    std::vector<FlatMetricInfo> v;
    for (const auto& d : definitions()) v.push_back(d.info);
    for (const auto& n : nicMetricInfos()) v.push_back({n.name, n.source, n.unit, n.meaning});
    for (const auto& s : switchMetricInfos()) v.push_back(s);
    return v;
  }();
  return kInfos;
}

std::vector<FlatMetricDetail> flatMetricDetails(const std::vector<CounterDeltas>& deltas) {
  std::vector<FlatMetricDetail> out;
  for (const Definition& def : definitions()) {
    Tally t;
    for (const CounterDeltas& src : deltas) {
      if (src.source != def.info.source) continue;
      t.seeSource(src);
      for (const CounterDelta& d : src.counters) {
        if (def.select(d.name, d.labels)) t.add(src.source, "", d);
      }
    }
    out.push_back(t.finish(def.info, ""));
  }
  auto nic = nicTallies(deltas);
  for (const auto& n : nicMetricInfos()) {
    const FlatMetricInfo info{n.name, n.source, n.unit, n.meaning};
    out.push_back(nic[n.name].finish(info, nicRawNamesText(n.name)));
  }
  for (auto& s : switchMetricDetails(deltas)) out.push_back(std::move(s));
  return out;
}

FlatMetrics flatMetrics(const std::vector<CounterDeltas>& deltas) {
  FlatMetrics out;
  for (const FlatMetricDetail& d : flatMetricDetails(deltas)) {
    if (!d.value) {
      out.missing[d.name] = d.missing;
      continue;
    }
    out.values[d.name] = *d.value;
    for (const FlatMetricPart& p : d.parts) {
      if (p.counter.delta && *p.counter.delta > 0) {
        out.contributors[d.name].push_back({sampleKey(p.counter.name, p.counter.labels), *p.counter.delta});
      }
    }
  }
  return out;
}

}  // namespace fabcheck::counters
