// ECN marking on the emulated fabric, for real (root, namespaces, BPF): a 2-host switch fabric
// with 50 Mbit/s ports and ecn_threshold=20p; h0 sends ECT(0) UDP to h1 through the switch port
// p1. Below the port's rate nothing is marked; a burst far above it is marked once the virtual
// queue holds 20 packets, and h1's namespace counts exactly as many CE packets (IpExt InCEPkts)
// as the port counted marks (no queue drops: the queue holds 1000 packets).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "harness/counters/counter_delta.h"
#include "harness/counters/ecn_mark_counter_source.h"
#include "harness/counters/flat_metrics.h"
#include "harness/counters/snmp_counter_source.h"
#include "harness/fabric/ecn_marker.h"
#include "tests/integration/counters_netns.h"
#include "tests/integration/fabric_fixture.h"

namespace fabcheck::testing {
namespace {

constexpr int kThresholdPackets = 20;
constexpr size_t kPayload = 1400;

// Sends `count` ECT(0) datagrams of kPayload bytes to dst:9 from namespace `ns`, each after
// `gap` (zero: back to back, far above 50 Mbit/s). Returns the number sendto() accepted.
int sendEct0(const std::string& ns, const std::string& dst, int count, std::chrono::microseconds gap) {
  int sent = 0;
  inNamespace(ns, [&] {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    const int tos = 0x02;  // ECT(0)
    ASSERT_EQ(::setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos), 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    ::inet_pton(AF_INET, dst.c_str(), &to.sin_addr);
    const std::string payload(kPayload, 'e');
    for (int i = 0; i < count; ++i) {
      if (::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) > 0) ++sent;
      if (gap.count()) std::this_thread::sleep_for(gap);
    }
    ::close(fd);
  });
  return sent;
}

// The IpExt counters of namespace `ns`.
counters::CounterSnapshot ipExtOf(const std::string& ns) {
  counters::CounterSnapshot snap;
  inNamespace(ns, [&] {
    counters::SnmpCounterSource src({.host = ns, .snmp_path = "/proc/thread-self/net/snmp", .snmp6_path = "/proc/thread-self/net/snmp6",
                                     .netstat_path = "/proc/thread-self/net/netstat"});
    snap = src.snapshot();
  });
  return snap;
}

uint64_t deltaOf(const std::vector<counters::CounterDelta>& d, const std::string& name, const std::string& dev = "") {
  uint64_t sum = 0;
  for (const auto& c : d) {
    if (c.name == name && (dev.empty() || c.labels.at("dev") == dev) && c.delta) sum += *c.delta;
  }
  return sum;
}

// One phase: counters of the port marks and of h1 around sending `count` datagrams; waits (at
// most 20 s, polling) until h1 received every one (ECT(0) or CE) so the queue is empty.
struct Phase {
  std::vector<counters::CounterDelta> marks, host;
  int sent = 0;
};

Phase runPhase(const std::string& fabric, const fabric::FabricLayout& l, int count, std::chrono::microseconds gap) {
  counters::EcnMarkCounterSource marks({.pin_dir = fabric::ecnPinDir(fabric)});
  const auto m0 = marks.snapshot();
  EXPECT_EQ(marks.unavailable_reason(), "");
  const std::string h1 = l.hosts[1].ns;
  const auto s0 = ipExtOf(h1);
  Phase p;
  p.sent = sendEct0(l.hosts[0].ns, l.hosts[1].data_address, count, gap);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    p.host = counters::delta(s0, ipExtOf(h1));
    if (deltaOf(p.host, "IpExt.InECT0Pkts") + deltaOf(p.host, "IpExt.InCEPkts") >= static_cast<uint64_t>(p.sent)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  p.marks = counters::delta(m0, marks.snapshot());
  return p;
}

TEST(FabricEcn, PortMarksCeAboveThresholdOnlyAndReceiverCountsEveryMark) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = uniqueFabricName('e');
  FabricGuard guard(name);
  process::SystemCommandRunner runner;
  fabric::FabricManager m(runner);
  const auto up = m.up(fabric::parseFabricSpec(
      "name=" + name + ",hosts=2,rate=50mbit,queue=1000,ecn_threshold=" + std::to_string(kThresholdPackets) + "p", "test"));
  struct stat st{};
  ASSERT_EQ(::stat((fabric::ecnPinDir(name) + "/fc-" + name + "-sw_p1").c_str(), &st), 0) << "the port's map is pinned";

  // Below the rate (one 1442-byte frame per >= 1 ms: < 12 Mbit/s into 50 Mbit/s): the queue
  // never holds 20 packets, nothing is marked.
  const Phase slow = runPhase(name, up.layout, 200, std::chrono::microseconds(1000));
  ASSERT_EQ(slow.sent, 200);
  EXPECT_EQ(deltaOf(slow.marks, "ecn_ect_packets", "p1"), 200u) << "every datagram passed the port's program as ECT";
  EXPECT_EQ(deltaOf(slow.marks, "ecn_marked"), 0u);
  EXPECT_EQ(deltaOf(slow.host, "IpExt.InECT0Pkts"), 200u);
  EXPECT_EQ(deltaOf(slow.host, "IpExt.InCEPkts"), 0u);

  // A back-to-back burst far above 50 Mbit/s: marks start once 20 packets are queued.
  const int burst = 600;
  const Phase fast = runPhase(name, up.layout, burst, std::chrono::microseconds(0));
  ASSERT_EQ(fast.sent, burst);
  const uint64_t marked = deltaOf(fast.marks, "ecn_marked", "p1");
  EXPECT_GT(marked, 0u) << "the port marked nothing although its queue passed the threshold";
  EXPECT_LE(marked, static_cast<uint64_t>(burst - kThresholdPackets)) << "the first 20 packets found fewer than 20 queued";
  EXPECT_EQ(deltaOf(fast.marks, "ecn_virtual_drops"), 0u);
  EXPECT_EQ(deltaOf(fast.marks, "ecn_mark_failures"), 0u);
  EXPECT_EQ(portCountersOf(name).at("fc-" + name + "-sw:p1").drops, 0u) << "the real queue dropped: CE and marks cannot be compared";
  EXPECT_EQ(deltaOf(fast.host, "IpExt.InCEPkts"), marked) << "the receiver's CE count equals the marks the port made";
  EXPECT_EQ(deltaOf(fast.host, "IpExt.InECT0Pkts") + marked, static_cast<uint64_t>(burst));

  // The same through the flat metrics SLOs name.
  const auto flat = counters::flatMetrics({counters::CounterDeltas{.source = "fabric_ecn", .counters = fast.marks},
                                           counters::CounterDeltas{.source = "snmp", .counters = fast.host}});
  EXPECT_EQ(flat.values.at("fabric.ecn_marked_packets"), flat.values.at("host.ce_packets"));

  m.down(name);
  EXPECT_NE(::stat(fabric::ecnPinDir(name).c_str(), &st), 0) << "fabric down removes the pin directory";
}

}  // namespace
}  // namespace fabcheck::testing
