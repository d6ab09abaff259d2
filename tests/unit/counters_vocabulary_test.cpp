// The NIC vocabulary on real captures (tests/fixtures/nics, SOURCE.md there): mlx5, bnxt and ice
// `ethtool -S` and mlx5 sysfs counter trees, read as capture directories, mapped to nic.*
// metrics; plus the vocabulary's own rules (one vendor group per device, priorities, absence).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "harness/counters/counter_capture.h"
#include "harness/counters/flat_metrics.h"
#include "harness/counters/nic_vocabulary.h"
#include "harness/counters/pfc_counter_names.h"

namespace fabcheck::counters {
namespace {

const std::string kNics = std::string(FABCHECK_SOURCE_DIR) + "/tests/fixtures/nics/";

// A capture's values as deltas from zero (what `fabcheck counters --capture A` shows).
std::vector<CounterDeltas> values(const Capture& c) {
  std::vector<CounterDeltas> out;
  for (const SourceSnapshot& s : c.sources) {
    CounterDeltas d{.source = s.source, .unavailable_reason = s.unavailable_reason, .error = s.error};
    for (const auto& x : s.snapshot.samples) d.counters.push_back({x.name, x.labels, DeltaStatus::kOk, x.value, std::nullopt, x.value});
    out.push_back(d);
  }
  return out;
}

const FlatMetricDetail& detail(const std::vector<FlatMetricDetail>& all, const std::string& name) {
  for (const auto& d : all) {
    if (d.name == name) return d;
  }
  throw std::runtime_error("no metric " + name);
}

std::string raws(const FlatMetricDetail& d) {
  std::string s;
  for (const auto& p : d.parts) s += (s.empty() ? "" : ",") + p.vendor + ":" + p.counter.name;
  return s;
}

TEST(NicVocabulary, Mlx5ConnectX4LxEthtoolCapture) {
  const Capture c = readCapture(kNics + "mlx5/connectx4lx");
  EXPECT_EQ(c.meta.interface, "p3p1");
  const auto all = flatMetricDetails(values(c));
  EXPECT_EQ(detail(all, "nic.discards").value, 0.0);
  EXPECT_EQ(raws(detail(all, "nic.discards")), "mlx5:rx_discards_phy,mlx5:tx_discards_phy");
  EXPECT_EQ(raws(detail(all, "nic.pause.rx_frames")), "mlx5:rx_pause_ctrl_phy");
  EXPECT_EQ(raws(detail(all, "nic.pause.rx_duration_us")), "mlx5:rx_global_pause_duration");
  EXPECT_EQ(raws(detail(all, "nic.rx_out_of_buffer")), "mlx5:rx_out_of_buffer");
  // PFC is off on this NIC: mlx5 lists no rx_prio<N>_pause, so the per-priority metrics are absent.
  const auto& prio3 = detail(all, "nic.pfc.prio3.rx_pause_frames");
  EXPECT_FALSE(prio3.value);
  EXPECT_EQ(prio3.missing, "no counter for it on the NICs read (mlx5 rx_prio3_pause, bnxt rx_pfc_ena_frames_pri3, ice rx_priority_3_xoff.nic)");
  EXPECT_FALSE(detail(all, "nic.pause_storm_errors").value) << "kernel 4.15's mlx5 has no tx_pause_storm_error_events";
  EXPECT_EQ(detail(all, "nic.cnp_sent").missing, "infiniband unavailable: no sys/class/infiniband in capture " + kNics + "mlx5/connectx4lx");
}

TEST(NicVocabulary, BnxtEthtoolCapture) {
  const auto all = flatMetricDetails(values(readCapture(kNics + "bnxt/bnxt_en-6.6")));
  EXPECT_EQ(detail(all, "nic.rx_discards").value, 49337.0);
  EXPECT_EQ(detail(all, "nic.tx_discards").value, 0.0);
  EXPECT_EQ(detail(all, "nic.discards").value, 49337.0);
  EXPECT_EQ(detail(all, "nic.rx_out_of_buffer").value, 655430134.0);
  EXPECT_EQ(raws(detail(all, "nic.pfc.prio3.rx_pause_frames")), "bnxt:rx_pfc_ena_frames_pri3");
  EXPECT_EQ(raws(detail(all, "nic.pfc.prio3.rx_pause_duration_us")), "bnxt:pfc_pri3_rx_duration_us");
  EXPECT_EQ(detail(all, "nic.pfc.rx_pause_frames").parts.size(), 8u) << "all eight priorities summed";
  EXPECT_EQ(raws(detail(all, "nic.pause.rx_frames")), "bnxt:rx_pause_frames");
  EXPECT_FALSE(detail(all, "nic.pause_storm_errors").value);
}

TEST(NicVocabulary, IceEthtoolCapture) {
  const auto all = flatMetricDetails(values(readCapture(kNics + "ice/e810")));
  EXPECT_EQ(raws(detail(all, "nic.discards")), "ice:tx_dropped_link_down.nic,ice:rx_dropped.nic") << "in the order ethtool lists them";
  EXPECT_EQ(detail(all, "nic.discards").value, 0.0);
  EXPECT_EQ(raws(detail(all, "nic.pfc.prio5.tx_pause_frames")), "ice:tx_priority_5_xoff.nic");
  EXPECT_EQ(raws(detail(all, "nic.pause.tx_frames")), "ice:link_xoff_tx.nic");
  EXPECT_EQ(detail(all, "nic.pfc.prio5.tx_pause_duration_us").missing.rfind("no counter for it on the NICs read (mlx5 tx_prio5_pause_duration", 0), 0u)
      << "ice has no pause durations";
}

TEST(NicVocabulary, Mlx5SysfsTreeOfAnH100Host) {
  const Capture c = readCapture(kNics + "mlx5/connectx7-h100");
  const auto all = flatMetricDetails(values(c));
  // Two devices (ConnectX-7 InfiniBand, BlueField-3 RoCE), both counted.
  EXPECT_EQ(detail(all, "rdma.tx_bytes").value, 2.0 * 230442669431839.0 * 4);
  EXPECT_EQ(detail(all, "rdma.port_rcv_errors").value, 28.0);
  EXPECT_EQ(detail(all, "nic.rdma.out_of_sequence").value, 0.0);
  EXPECT_EQ(detail(all, "nic.rdma.retransmissions").parts.size(), 6u) << raws(detail(all, "nic.rdma.retransmissions"));
  EXPECT_EQ(detail(all, "nic.rdma.local_ack_timeout_err").parts.front().counter.labels.at("dir"), "hw_counters");
  // No congestion-control counters on this host: absent with what was looked for, never 0.
  EXPECT_EQ(detail(all, "nic.cnp_sent").missing, "no counter for it on the NICs read (mlx5 np_cnp_sent, bnxt tx_cnp_pkts, ice cnpSent)");
  EXPECT_EQ(detail(all, "nic.discards").missing, "ethtool unavailable: no ethtool in capture " + kNics + "mlx5/connectx7-h100");
}

TEST(NicVocabulary, OneVendorGroupPerDeviceNeverDoubleCounts) {
  // An mlx5 NIC whose driver also gives the standard pause statistics (the "pause" reader).
  CounterDeltas e{.source = "ethtool", .interval_ns = 1'000'000'000};
  auto add = [&](const std::string& dev, const std::string& name, uint64_t delta) {
    e.counters.push_back({name, {{"host", "h"}, {"dev", dev}}, DeltaStatus::kOk, delta, 0, delta});
  };
  add("eth0", "pause_stat.rx_frames", 7);
  add("eth0", "rx_pause_ctrl_phy", 7);
  add("eth1", "rx_pause_ctrl_phy", 5);  // another NIC without the standard statistics
  add("eth0", "rx_prio3_pause", 2);
  add("eth0", "rx_prio4_pause", 3);
  const auto all = flatMetricDetails({e});
  EXPECT_EQ(detail(all, "nic.pause.rx_frames").value, 12.0);
  EXPECT_EQ(raws(detail(all, "nic.pause.rx_frames")), "standard:pause_stat.rx_frames,mlx5:rx_pause_ctrl_phy");
  EXPECT_EQ(detail(all, "nic.pfc.prio3.rx_pause_frames").value, 2.0);
  EXPECT_EQ(detail(all, "nic.pfc.rx_pause_frames").value, 5.0);
  EXPECT_FALSE(detail(all, "nic.pfc.prio0.rx_pause_frames").value);
}

TEST(NicVocabulary, TableIsWellFormed) {
  std::set<std::string> names;
  for (const auto& m : nicMetricInfos()) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name << " twice";
    EXPECT_EQ(m.name.rfind("nic.", 0), 0u) << m.name;
    EXPECT_TRUE(m.source == "ethtool" || m.source == "infiniband") << m.name;
    EXPECT_FALSE(nicGroups(m.name).empty()) << m.name;
    EXPECT_EQ(m.name.find("{p}"), std::string::npos);
  }
  for (int p = 0; p < 8; ++p) EXPECT_TRUE(names.count("nic.pfc.prio" + std::to_string(p) + ".tx_pause_duration_us")) << p;
  for (const char* m : {"nic.ecn_marked_packets", "nic.cnp_sent", "nic.cnp_handled", "nic.rdma.out_of_sequence", "nic.rdma.retransmissions",
                        "nic.rdma.local_ack_timeout_err", "nic.rdma.packet_seq_err", "nic.rdma.out_of_buffer", "nic.discards",
                        "nic.pause_storm_errors", "nic.pause.rx_frames", "nic.pause.tx_frames"}) {
    EXPECT_TRUE(names.count(m)) << m;
  }
  // A name outside the vocabulary, or in the wrong directory, feeds nothing.
  EXPECT_TRUE(matchNicCounter("ethtool", "rx_prio8_pause", {}).empty());
  EXPECT_TRUE(matchNicCounter("infiniband", "np_cnp_sent", {{"dir", "counters"}}).empty());
  EXPECT_EQ(matchNicCounter("infiniband", "np_cnp_sent", {{"dir", "hw_counters"}}).size(), 1u);
  // The storm rule's parser agrees with the vocabulary on bnxt's transitions.
  const auto t = parsePfcCounterName("pfc_pri6_rx_transitions");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->counter, PfcCounter::kRxPauseTransition);
  EXPECT_EQ(t->priority, 6);
}

}  // namespace
}  // namespace fabcheck::counters
