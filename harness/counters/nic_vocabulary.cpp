#include "harness/counters/nic_vocabulary.h"

#include <map>

namespace fabcheck::counters {

namespace {

// One row per (metric, vendor): the raw counters whose sum is the metric on that vendor's NIC.
// "{p}" in the metric expands to priorities 0..7 (the raw names follow); "{p}" only in raw names
// (an all-priorities total) matches any priority. Rows of one metric are in preference order.
struct Row {
  const char* metric;
  const char* unit;
  const char* source;
  const char* meaning;
  const char* vendor;
  const char* dir;
  std::vector<const char*> raw;
};

// PFC and 802.3x pause (ethtool -S).
std::vector<Row> pauseRows() {
  return {
      // PFC, per priority.
      {"nic.pfc.prio{p}.rx_pause_frames", "frames", "ethtool", "PFC pause frames received for priority {p}", "mlx5", "", {"rx_prio{p}_pause"}},
      {"nic.pfc.prio{p}.rx_pause_frames", "", "", "", "bnxt", "", {"rx_pfc_ena_frames_pri{p}"}},
      {"nic.pfc.prio{p}.rx_pause_frames", "", "", "", "ice", "", {"rx_priority_{p}_xoff.nic"}},
      {"nic.pfc.prio{p}.tx_pause_frames", "frames", "ethtool", "PFC pause frames sent for priority {p}", "mlx5", "", {"tx_prio{p}_pause"}},
      {"nic.pfc.prio{p}.tx_pause_frames", "", "", "", "bnxt", "", {"tx_pfc_ena_frames_pri{p}"}},
      {"nic.pfc.prio{p}.tx_pause_frames", "", "", "", "ice", "", {"tx_priority_{p}_xoff.nic"}},
      {"nic.pfc.prio{p}.rx_pause_duration_us", "us", "ethtool", "time priority {p} was paused by the peer (PFC received)", "mlx5", "",
       {"rx_prio{p}_pause_duration"}},
      {"nic.pfc.prio{p}.rx_pause_duration_us", "", "", "", "bnxt", "", {"pfc_pri{p}_rx_duration_us"}},
      {"nic.pfc.prio{p}.tx_pause_duration_us", "us", "ethtool", "time this port paused the peer on priority {p} (PFC sent)", "mlx5", "",
       {"tx_prio{p}_pause_duration"}},
      {"nic.pfc.prio{p}.tx_pause_duration_us", "", "", "", "bnxt", "", {"pfc_pri{p}_tx_duration_us"}},
      {"nic.pfc.prio{p}.rx_pause_transitions", "events", "ethtool", "priority {p} went from paused to not paused (XOFF to XON received)",
       "mlx5", "", {"rx_prio{p}_pause_transition"}},
      {"nic.pfc.prio{p}.rx_pause_transitions", "", "", "", "bnxt", "", {"pfc_pri{p}_rx_transitions"}},
      {"nic.pfc.prio{p}.rx_pause_transitions", "", "", "", "ice", "", {"rx_priority_{p}_xon.nic"}},
      // PFC, all priorities.
      {"nic.pfc.rx_pause_frames", "frames", "ethtool", "PFC pause frames received, all priorities", "mlx5", "", {"rx_prio{p}_pause"}},
      {"nic.pfc.rx_pause_frames", "", "", "", "bnxt", "", {"rx_pfc_ena_frames_pri{p}"}},
      {"nic.pfc.rx_pause_frames", "", "", "", "ice", "", {"rx_priority_{p}_xoff.nic"}},
      {"nic.pfc.tx_pause_frames", "frames", "ethtool", "PFC pause frames sent, all priorities", "mlx5", "", {"tx_prio{p}_pause"}},
      {"nic.pfc.tx_pause_frames", "", "", "", "bnxt", "", {"tx_pfc_ena_frames_pri{p}"}},
      {"nic.pfc.tx_pause_frames", "", "", "", "ice", "", {"tx_priority_{p}_xoff.nic"}},
      // Link-level (802.3x global) pause.
      {"nic.pause.rx_frames", "frames", "ethtool", "802.3x pause frames received (global pause, not PFC)", "standard", "",
       {"pause_stat.rx_frames"}},
      {"nic.pause.rx_frames", "", "", "", "mlx5", "", {"rx_pause_ctrl_phy"}},
      {"nic.pause.rx_frames", "", "", "", "bnxt", "", {"rx_pause_frames"}},
      {"nic.pause.rx_frames", "", "", "", "ice", "", {"link_xoff_rx.nic"}},
      {"nic.pause.tx_frames", "frames", "ethtool", "802.3x pause frames sent (global pause, not PFC)", "standard", "", {"pause_stat.tx_frames"}},
      {"nic.pause.tx_frames", "", "", "", "mlx5", "", {"tx_pause_ctrl_phy"}},
      {"nic.pause.tx_frames", "", "", "", "bnxt", "", {"tx_pause_frames"}},
      {"nic.pause.tx_frames", "", "", "", "ice", "", {"link_xoff_tx.nic"}},
      {"nic.pause.rx_duration_us", "us", "ethtool", "time the port was paused by the peer's global pause", "mlx5", "",
       {"rx_global_pause_duration"}},
      {"nic.pause.tx_duration_us", "us", "ethtool", "time this port paused the peer with global pause", "mlx5", "",
       {"tx_global_pause_duration"}},
      {"nic.pause_storm_warnings", "events", "ethtool", "the device stalled past its pause-storm warning watermark", "mlx5", "",
       {"tx_pause_storm_warning_events"}},
      {"nic.pause_storm_errors", "events", "ethtool", "the device stalled past its critical watermark and stopped sending pause",
       "mlx5", "", {"tx_pause_storm_error_events"}},
  };
}

// Discards, RoCE congestion control and RDMA transport errors.
std::vector<Row> otherRows() {
  return {
      // Discards at the port.
      {"nic.rx_discards", "packets", "ethtool", "received packets the port discarded (no buffer)", "mlx5", "", {"rx_discards_phy"}},
      {"nic.rx_discards", "", "", "", "bnxt", "", {"rx_stat_discard"}},
      {"nic.rx_discards", "", "", "", "ice", "", {"rx_dropped.nic"}},
      {"nic.tx_discards", "packets", "ethtool", "packets the port discarded on transmission", "mlx5", "", {"tx_discards_phy"}},
      {"nic.tx_discards", "", "", "", "bnxt", "", {"tx_stat_discard"}},
      {"nic.tx_discards", "", "", "", "ice", "", {"tx_dropped_link_down.nic"}},
      {"nic.discards", "packets", "ethtool", "nic.rx_discards + nic.tx_discards", "mlx5", "", {"rx_discards_phy", "tx_discards_phy"}},
      {"nic.discards", "", "", "", "bnxt", "", {"rx_stat_discard", "tx_stat_discard"}},
      {"nic.discards", "", "", "", "ice", "", {"rx_dropped.nic", "tx_dropped_link_down.nic"}},
      {"nic.rx_out_of_buffer", "packets", "ethtool", "received packets dropped for no receive buffer in the driver's rings", "mlx5", "",
       {"rx_out_of_buffer"}},
      {"nic.rx_out_of_buffer", "", "", "", "bnxt", "", {"rx_total_ring_discards"}},
      // RoCE congestion control (infiniband hw_counters).
      {"nic.ecn_marked_packets", "packets", "infiniband", "RoCE packets received with ECN CE (notification point)", "mlx5", "hw_counters",
       {"np_ecn_marked_roce_packets"}},
      {"nic.ecn_marked_packets", "", "", "", "bnxt", "hw_counters", {"rx_ecn_marked_pkts"}},
      {"nic.ecn_marked_packets", "", "", "", "ice", "hw_counters", {"RxECNMrkd"}},
      {"nic.cnp_sent", "packets", "infiniband", "CNPs sent (notification point)", "mlx5", "hw_counters", {"np_cnp_sent"}},
      {"nic.cnp_sent", "", "", "", "bnxt", "hw_counters", {"tx_cnp_pkts"}},
      {"nic.cnp_sent", "", "", "", "ice", "hw_counters", {"cnpSent"}},
      {"nic.cnp_handled", "packets", "infiniband", "CNPs received and acted on (reaction point)", "mlx5", "hw_counters", {"rp_cnp_handled"}},
      {"nic.cnp_handled", "", "", "", "bnxt", "hw_counters", {"rx_cnp_pkts"}},
      {"nic.cnp_handled", "", "", "", "ice", "hw_counters", {"cnpHandled"}},
      {"nic.cnp_ignored", "packets", "infiniband", "CNPs received and ignored (reaction point)", "mlx5", "hw_counters", {"rp_cnp_ignored"}},
      {"nic.cnp_ignored", "", "", "", "ice", "hw_counters", {"cnpIgnored"}},
      // RDMA transport errors (infiniband hw_counters).
      {"nic.rdma.out_of_sequence", "packets", "infiniband", "packets received out of sequence (responder)", "mlx5", "hw_counters",
       {"out_of_sequence"}},
      {"nic.rdma.out_of_sequence", "", "", "", "bnxt", "hw_counters", {"res_oos_drop_count"}},
      {"nic.rdma.packet_seq_err", "events", "infiniband", "NAK sequence errors received (requester)", "mlx5", "hw_counters",
       {"packet_seq_err"}},
      {"nic.rdma.packet_seq_err", "", "", "", "bnxt", "hw_counters", {"seq_err_naks_rcvd"}},
      {"nic.rdma.local_ack_timeout_err", "events", "infiniband", "ACK timeouts (requester retransmitted after a timeout)", "mlx5",
       "hw_counters", {"local_ack_timeout_err"}},
      {"nic.rdma.local_ack_timeout_err", "", "", "", "bnxt", "hw_counters", {"to_retransmits"}},
      {"nic.rdma.retransmissions", "events", "infiniband",
       "events that made the requester retransmit: ACK timeouts + NAK sequence errors + implied NAKs", "mlx5", "hw_counters",
       {"local_ack_timeout_err", "packet_seq_err", "implied_nak_seq_err"}},
      {"nic.rdma.retransmissions", "", "", "", "bnxt", "hw_counters", {"to_retransmits", "seq_err_naks_rcvd", "missing_resp"}},
      {"nic.rdma.rnr_nak_retry_err", "events", "infiniband", "RNR NAKs received (the responder had no receive posted)", "mlx5",
       "hw_counters", {"rnr_nak_retry_err"}},
      {"nic.rdma.rnr_nak_retry_err", "", "", "", "bnxt", "hw_counters", {"rnr_naks_rcvd"}},
      {"nic.rdma.out_of_buffer", "packets", "infiniband", "packets dropped for no receive WQE", "mlx5", "hw_counters", {"out_of_buffer"}},
      {"nic.rdma.out_of_buffer", "", "", "", "bnxt", "hw_counters", {"rx_out_of_buffer"}},
  };
}

const std::vector<Row>& table() {
  static const std::vector<Row> kRows = [] {
    std::vector<Row> v = pauseRows();
    for (Row& r : otherRows()) v.push_back(std::move(r));
    return v;
  }();
  return kRows;
}

std::string replaceP(const std::string& s, char digit) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 3, "{p}") == 0) {
      out.push_back(digit);
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct Expanded {
  std::vector<NicMetricInfo> infos;
  std::map<std::string, std::vector<NicGroup>> groups;
  std::map<std::string, std::string> source_of;
};

void addRow(Expanded& e, const Row& r, const std::string& metric, const NicMetricInfo& info, char digit) {
  if (!e.groups.count(metric)) {
    e.infos.push_back(info);
    e.source_of[metric] = info.source;
  }
  NicGroup g{r.vendor, r.dir, {}};
  for (const char* raw : r.raw) g.raw.push_back(digit ? replaceP(raw, digit) : raw);
  e.groups[metric].push_back(std::move(g));
}

const Expanded& expanded() {
  static const Expanded kExpanded = [] {
    Expanded e;
    NicMetricInfo last;
    std::vector<const Row*> family;
    auto flush = [&] {
      if (family.empty()) return;
      const std::string m = family.front()->metric;
      const bool per_prio = m.find("{p}") != std::string::npos;
      for (char d = '0'; d <= (per_prio ? '7' : '0'); ++d) {
        NicMetricInfo info = last;
        if (per_prio) info = {replaceP(last.name, d), last.unit, last.source, replaceP(last.meaning, d)};
        for (const Row* r : family) addRow(e, *r, info.name, info, per_prio ? d : 0);
      }
      family.clear();
    };
    for (const Row& r : table()) {
      if (*r.unit) {
        flush();
        last = {r.metric, r.unit, r.source, r.meaning};
      }
      family.push_back(&r);
    }
    flush();
    return e;
  }();
  return kExpanded;
}

// `name` is `pattern` with each "{p}" a digit 0..7.
bool matchesPattern(const std::string& pattern, const std::string& name) {
  const auto at = pattern.find("{p}");
  if (at == std::string::npos) return pattern == name;
  if (name.size() != pattern.size() - 2 || name.compare(0, at, pattern, 0, at) != 0) return false;
  if (name[at] < '0' || name[at] > '7') return false;
  return name.compare(at + 1, std::string::npos, pattern, at + 3, std::string::npos) == 0;
}

}  // namespace

const std::vector<NicMetricInfo>& nicMetricInfos() { return expanded().infos; }

const std::vector<NicGroup>& nicGroups(const std::string& metric) {
  static const std::vector<NicGroup> kNone;
  const auto it = expanded().groups.find(metric);
  return it == expanded().groups.end() ? kNone : it->second;
}

namespace {

struct IndexEntry {
  std::string raw, metric, dir, vendor, source;
  size_t group;
};

// Exact raw names by name; the few "{p}" patterns (all-priority totals) apart. Built once.
struct Index {
  std::map<std::string, std::vector<IndexEntry>> exact;
  std::vector<IndexEntry> patterns;
};

const Index& index() {
  static const Index kIndex = [] {
    Index x;
    for (const auto& [metric, groups] : expanded().groups) {
      for (size_t g = 0; g < groups.size(); ++g) {
        for (const auto& raw : groups[g].raw) {
          IndexEntry e{raw, metric, groups[g].dir, groups[g].vendor, expanded().source_of.at(metric), g};
          if (raw.find("{p}") == std::string::npos) x.exact[raw].push_back(e);
          else x.patterns.push_back(e);
        }
      }
    }
    return x;
  }();
  return kIndex;
}

}  // namespace

std::vector<NicMatch> matchNicCounter(const std::string& source, const std::string& name, const Labels& labels) {
  std::vector<NicMatch> out;
  const auto dir = labels.find("dir");
  const std::string dir_value = dir == labels.end() ? "" : dir->second;
  auto consider = [&](const IndexEntry& e) {
    if (e.source == source && e.dir == dir_value && matchesPattern(e.raw, name)) out.push_back({e.metric, e.group, e.vendor});
  };
  const auto it = index().exact.find(name);
  if (it != index().exact.end()) {
    for (const IndexEntry& e : it->second) consider(e);
  }
  for (const IndexEntry& e : index().patterns) consider(e);
  return out;
}

std::string nicRawNamesText(const std::string& metric) {
  std::string out;
  for (const NicGroup& g : nicGroups(metric)) {
    std::string names;
    for (const auto& r : g.raw) names += (names.empty() ? "" : " + ") + r;
    out += (out.empty() ? "" : ", ") + g.vendor + " " + names;
  }
  return out;
}

}  // namespace fabcheck::counters
