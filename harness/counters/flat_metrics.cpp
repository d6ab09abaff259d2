#include "harness/counters/flat_metrics.h"

#include <functional>

#include "harness/counters/pfc_counter_names.h"

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

Selector pfc(PfcCounter which) {
  return [which](const std::string& name, const Labels&) {
    const auto p = parsePfcCounterName(name);
    return p && p->counter == which;
  };
}

const std::vector<Definition>& definitions() {
  static const std::vector<Definition> kDefs = {
      {{"fabric.queue_drops", "qdisc", "packets", "packets dropped by root qdiscs (children's drops are counted by their root)"},
       rootQdisc("drops")},
      {{"fabric.queue_overlimits", "qdisc", "events", "overlimits of root qdiscs (a shaper delayed or refused a packet)"},
       rootQdisc("overlimits")},
      {{"fabric.queue_packets", "qdisc", "packets", "packets sent by root qdiscs"}, rootQdisc("packets")},
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
      {{"rdma.out_of_sequence", "infiniband", "packets", "hw_counters out_of_sequence (packets received out of order)"},
       inDir("hw_counters", {"out_of_sequence"})},
      {{"rdma.packet_seq_err", "infiniband", "events", "hw_counters packet_seq_err (NAK sequence errors received)"},
       inDir("hw_counters", {"packet_seq_err"})},
      {{"rdma.local_ack_timeout_err", "infiniband", "events", "hw_counters local_ack_timeout_err (retransmission timeouts)"},
       inDir("hw_counters", {"local_ack_timeout_err"})},
      {{"rdma.out_of_buffer", "infiniband", "packets", "hw_counters out_of_buffer (dropped: no receive WQE)"},
       inDir("hw_counters", {"out_of_buffer"})},
      {{"rdma.ecn_marked_packets", "infiniband", "packets", "hw_counters np_ecn_marked_roce_packets"},
       inDir("hw_counters", {"np_ecn_marked_roce_packets"})},
      {{"rdma.cnp_sent", "infiniband", "packets", "hw_counters np_cnp_sent"}, inDir("hw_counters", {"np_cnp_sent"})},
      {{"rdma.cnp_handled", "infiniband", "packets", "hw_counters rp_cnp_handled"}, inDir("hw_counters", {"rp_cnp_handled"})},
      {{"nic.rx_pause_frames", "ethtool", "frames", "PFC pause frames received, all priorities (pfc_counter_names.h)"},
       pfc(PfcCounter::kRxPause)},
      {{"nic.tx_pause_frames", "ethtool", "frames", "PFC pause frames sent, all priorities"}, pfc(PfcCounter::kTxPause)},
      {{"nic.rx_discards_phy", "ethtool", "packets", "rx_discards_phy summed over NICs"}, named({"rx_discards_phy"})},
      {{"nic.tx_discards_phy", "ethtool", "packets", "tx_discards_phy summed over NICs"}, named({"tx_discards_phy"})},
      {{"nic.rx_out_of_buffer", "ethtool", "packets", "rx_out_of_buffer summed over NICs"}, named({"rx_out_of_buffer"})},
      {{"nic.pause_storm_errors", "ethtool", "events", "tx_pause_storm_error_events summed over NICs"},
       named({"tx_pause_storm_error_events"})},
  };
  return kDefs;
}

}  // namespace

const std::vector<FlatMetricInfo>& flatMetricInfos() {
  static const std::vector<FlatMetricInfo> kInfos = [] {
    std::vector<FlatMetricInfo> v;
    for (const auto& d : definitions()) v.push_back(d.info);
    return v;
  }();
  return kInfos;
}

FlatMetrics flatMetrics(const std::vector<CounterDeltas>& deltas) {
  FlatMetrics out;
  for (const Definition& def : definitions()) {
    const std::string& metric = def.info.name;
    double sum = 0;
    bool found = false, source_seen = false;
    std::string unknown, unavailable;
    for (const CounterDeltas& src : deltas) {
      if (src.source != def.info.source) continue;
      source_seen = true;
      if (!src.error.empty()) unavailable = "reading " + src.source + " failed: " + src.error;
      else if (!src.unavailable_reason.empty()) unavailable = src.source + " unavailable: " + src.unavailable_reason;
      for (const CounterDelta& d : src.counters) {
        if (!def.select(d.name, d.labels)) continue;
        found = true;
        if (d.delta) {
          sum += static_cast<double>(*d.delta);
          if (*d.delta > 0) out.contributors[metric].push_back({sampleKey(d.name, d.labels), *d.delta});
        } else if (unknown.empty()) {
          unknown = sampleKey(d.name, d.labels) + " " + toString(d.status);
        }
      }
    }
    if (!unknown.empty()) {
      out.contributors.erase(metric);
      out.missing[metric] = "no delta for " + unknown;
    } else if (found) {
      out.values[metric] = sum;
    } else if (!unavailable.empty()) {
      out.missing[metric] = unavailable;
    } else {
      out.missing[metric] = source_seen ? "no counter for it in the " + def.info.source + " source"
                                        : "the " + def.info.source + " source was not read";
    }
  }
  return out;
}

}  // namespace fabcheck::counters
