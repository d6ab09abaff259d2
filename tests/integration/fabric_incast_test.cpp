// Measurement truth on the emulated fabric: an incast of 3 senders → 1 receiver through a
// 200 Mbit/s switch port with a 20-packet queue. Every message fabcheck counts as lost was
// dropped by that queue or by the receiver's socket — exactly, read from tc and /proc/net/snmp
// around the run.
#include <gtest/gtest.h>

#include <sstream>

#include "harness/launch/emulated_launcher.h"
#include "harness/launch/launcher.h"
#include "harness/results/test_summary.h"
#include "harness/slo/metric_registry.h"
#include "tests/integration/fabric_fixture.h"
#include "tests/integration/runner_helpers.h"

namespace fabcheck {
namespace {

using testing::FabricGuard;
using testing::uniqueFabricName;

// `Udp: RcvbufErrors` inside namespace `ns` (its own /proc/net/snmp).
uint64_t udpRcvbufErrors(const std::string& ns) {
  const auto r = testing::run({testing::ipBinary(), "netns", "exec", ns, "/bin/cat", "/proc/net/snmp"}, std::chrono::seconds(10));
  std::istringstream in(r.out);
  std::string header, values, line;
  while (std::getline(in, line)) {
    if (line.rfind("Udp: ", 0) != 0) continue;
    if (header.empty()) header = line;
    else values = line;
  }
  std::istringstream h(header), v(values);
  std::string name, value;
  while (h >> name && v >> value) {
    if (name == "RcvbufErrors") return std::stoull(value);
  }
  ADD_FAILURE() << "no Udp RcvbufErrors in " << ns << "'s /proc/net/snmp: " << r.out << r.err;
  return 0;
}

TEST(FabricIncast, LostMessagesEqualSwitchQueueDropsPlusReceiverSocketDrops) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = uniqueFabricName('n');
  FabricGuard guard(name);
  process::SystemCommandRunner runner;
  fabric::FabricManager m(runner);
  const auto layout = m.up(fabric::parseFabricSpec("name=" + name + ",hosts=4,rate=200mbit,queue=20", "test")).layout;
  const std::map<std::string, std::string> options{{"fabric_name", name}};
  RunOptions o = testing::emulatedRun(options, 4);
  auto incast = testing::streamTest("incast", patterns::Placement::kIncast, 450e6);  // 3 × 150 Mbit/s into 200 Mbit/s

  const std::string sw = "fc-" + name + "-sw:";
  auto before = testing::portCountersOf(name);
  std::map<int, uint64_t> sock_before;
  for (int h = 0; h < 4; ++h) sock_before[h] = udpRcvbufErrors(layout.hosts[h].ns);
  RunResult r = Runner(o).run({incast});
  auto after = testing::portCountersOf(name);

  ASSERT_EQ(r.tests.size(), 1u);
  const auto& t = r.tests[0];
  ASSERT_EQ(t.error, "");
  ASSERT_EQ(t.receivers.size(), 3u);
  const int receiver = t.plan.flows.at(0).receiver;
  uint64_t lost = 0, sent = 0, received = 0;
  for (size_t i = 0; i < t.receivers.size(); ++i) {
    EXPECT_EQ(t.plan.flows.at(i).receiver, receiver);
    lost += t.receivers[i].sequence.lost;
    received += t.receivers[i].sequence.received;
    sent += t.senders[i].packets;
  }
  const std::string port = sw + "p" + std::to_string(receiver);
  const uint64_t queue_drops = after[port].drops - before[port].drops;
  const uint64_t socket_drops = udpRcvbufErrors(layout.hosts[receiver].ns) - sock_before[receiver];
  EXPECT_EQ(received + lost, sent);
  EXPECT_GT(queue_drops, 0u) << "450 Mbit/s into a 200 Mbit/s port with 20 packets of buffer must drop";
  EXPECT_EQ(lost, queue_drops + socket_drops) << "queue drops " << queue_drops << ", socket drops " << socket_drops << ", sent " << sent;
  // What left the receiver's port (UDP payload + 8 UDP + 20 IP + 14 Ethernet bytes per message)
  // is what the receiver got plus what its socket dropped; within 1% (the UDP
  // handshake's few datagrams cross it too; the fabric sends no ARP: fabric_neighbours.h).
  const double frame = incast.params.size_bytes + 42.0;
  const double port_bytes = static_cast<double>(after[port].bytes - before[port].bytes);
  const double measured = static_cast<double>(received + socket_drops) * frame;
  EXPECT_NEAR(port_bytes, measured, measured * 0.01) << "switch port bytes vs fabcheck's received messages";
  for (int h = 0; h < 4; ++h) {
    if (h == receiver) continue;
    const std::string p = sw + "p" + std::to_string(h);
    EXPECT_EQ(after[p].drops - before[p].drops, 0u) << "no drops toward sender " << h;
  }
  // The same truth from fabcheck's own counters (read by the runner and the agents around the
  // test), as SLOs see them.
  const auto metrics = slo::flattenMetrics(results::summarizeTest(t, r.agents));
  ASSERT_TRUE(metrics.count("fabric.queue_drops")) << "the emulated switch ports are read";
  ASSERT_TRUE(metrics.count("host.socket_drops")) << "every agent reads its namespace's snmp";
  EXPECT_EQ(metrics.at("fabric.queue_drops"), static_cast<double>(queue_drops));
  EXPECT_EQ(metrics.at("host.socket_drops"), static_cast<double>(socket_drops));
  EXPECT_EQ(metrics.at("lost_packets"), metrics.at("fabric.queue_drops") + metrics.at("host.socket_drops"));
  ASSERT_TRUE(r.tests[0].fabric_counters.is_object());
  EXPECT_EQ(r.tests[0].host_counters.size(), 4u) << "every participant reported its host counters";
}

}  // namespace
}  // namespace fabcheck
