// Switch counters over SNMP against real parts: a real snmpd in the emulated fabric's switch
// namespace (snmpd_fixture.h) serves the switch ports' kernel counters through IF-MIB and the
// PFC/QoS tables from the test's pass_persist script; fabcheck's SwitchSnmpCounterSource and
// `fabcheck counters --site --switch` read them over v2c and v3 (unix socket, see docs/switches.md).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness/counters/switch_snmp_counter_source.h"
#include "harness/suite/site_loader.h"
#include "tests/integration/fabric_fixture.h"
#include "tests/integration/snmpd_fixture.h"
#include "tests/support/test_helpers.h"

namespace fabcheck {
namespace {

using Clock = std::chrono::steady_clock;

std::string snmpSkipReason() {
  if (std::string why = testing::fabricSkipReason(); !why.empty()) return why;
  if (::access(testing::kSnmpdBin, X_OK) != 0) return std::string(testing::kSnmpdBin) + " is not installed (Debian package snmpd)";
  if (::access("/usr/bin/python3", X_OK) != 0) return "/usr/bin/python3 is missing (the test's pass_persist script)";
  return "";
}

// The kernel's statistic `stat` of `dev` inside namespace `ns`.
uint64_t kernelStat(const std::string& ns, const std::string& dev, const std::string& stat) {
  const auto r = testing::run({testing::ipBinary(), "netns", "exec", ns, "/bin/cat", "/sys/class/net/" + dev + "/statistics/" + stat},
                              std::chrono::seconds(10));
  EXPECT_EQ(r.status.code, 0) << r.err;
  return r.status.code == 0 ? std::stoull(r.out) : 0;
}

uint32_t kernelIfindex(const std::string& ns, const std::string& dev) {
  const auto r = testing::run({testing::ipBinary(), "netns", "exec", ns, "/bin/cat", "/sys/class/net/" + dev + "/ifindex"},
                              std::chrono::seconds(10));
  return r.status.code == 0 ? static_cast<uint32_t>(std::stoul(r.out)) : 0;
}

std::optional<uint64_t> sampleOf(const counters::CounterSnapshot& s, const std::string& name, const std::string& port,
                                 const std::pair<std::string, std::string>& extra = {}) {
  for (const auto& c : s.samples) {
    if (c.name != name || c.labels.at("port") != port) continue;
    if (!extra.first.empty() && (!c.labels.count(extra.first) || c.labels.at(extra.first) != extra.second)) continue;
    return c.value;
  }
  return std::nullopt;
}

// The kernel's figures of a port and fabcheck's, as "rx_bytes=.. tx_bytes=.. ..." (equal strings = equal figures).
std::string kernelFigures(const std::string& ns, const std::string& dev) {
  std::string s;
  for (const char* k : {"rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_errors", "tx_errors", "tx_dropped"}) {
    s += std::string(k) + "=" + std::to_string(kernelStat(ns, dev, k)) + " ";
  }
  return s + "rx_discards=" + std::to_string(kernelStat(ns, dev, "rx_dropped") + kernelStat(ns, dev, "rx_missed_errors"));
}

std::string snmpFigures(const counters::CounterSnapshot& s, const std::string& port) {
  auto v = [&](const char* n) { return sampleOf(s, n, port).value_or(~0ull); };
  return "rx_bytes=" + std::to_string(v("ifHCInOctets")) + " tx_bytes=" + std::to_string(v("ifHCOutOctets")) +
         " rx_packets=" + std::to_string(v("ifHCInUcastPkts") + v("ifHCInMulticastPkts") + v("ifHCInBroadcastPkts")) +
         " tx_packets=" + std::to_string(v("ifHCOutUcastPkts") + v("ifHCOutMulticastPkts") + v("ifHCOutBroadcastPkts")) +
         " rx_errors=" + std::to_string(v("ifInErrors")) + " tx_errors=" + std::to_string(v("ifOutErrors")) +
         " tx_dropped=" + std::to_string(v("ifOutDiscards")) + " rx_discards=" + std::to_string(v("ifInDiscards"));
}

class SwitchSnmp : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = snmpSkipReason(); !why.empty()) GTEST_SKIP() << why;
    name_ = testing::uniqueFabricName('n');
    guard_ = std::make_unique<testing::FabricGuard>(name_);
    process::SystemCommandRunner runner;
    fabric::FabricManager m(runner);
    layout_ = m.up(fabric::parseFabricSpec("name=" + name_ + ",hosts=2", "test")).layout;
    sw_ns_ = fabric::namespacePrefix(name_) + "sw";
    snmpd_ = std::make_unique<testing::SnmpdInNamespace>(testing::ipBinary(), sw_ns_);
    ASSERT_TRUE(snmpd_->ok()) << snmpd_->error();
    writeSite();
  }
  void TearDown() override {
    snmpd_.reset();
    guard_.reset();
  }

  void writeKey(const std::string& file, const std::string& secret) { std::ofstream(snmpd_->dir() + "/" + file) << secret << "\n"; }

  void writeSite() {
    writeKey("community", testing::kSnmpCommunity);
    writeKey("wrong.community", "not-the-community");
    writeKey("auth", testing::kSnmpV3Auth);
    writeKey("priv", testing::kSnmpV3Priv);
    writeKey("wrong.auth", "wrong-auth-pass");
    const std::string a = snmpd_->peer();
    std::ofstream(site()) << "switches:\n"
                          << "  - {name: sw, address: '" << a << "', snmp: {version: 2c, community_file: community}, ports: [p0, p1]}\n"
                          << "  - {name: sw3, address: '" << a << "', ports: [p0, p1], snmp: {version: 3, user: "
                          << testing::kSnmpV3User << ", auth: sha, auth_key_file: auth, priv: aes, priv_key_file: priv}}\n"
                          << "  - {name: swbadkey, address: '" << a << "', timeout: 500ms, retries: 0, snmp: {version: 3, user: "
                          << testing::kSnmpV3User << ", auth: sha, auth_key_file: wrong.auth, priv: aes, priv_key_file: priv}}\n"
                          << "  - {name: swbadcomm, address: '" << a
                          << "', timeout: 300ms, retries: 1, snmp: {version: 2c, community_file: wrong.community}}\n"
                          << "  - {name: swbadport, address: '" << a
                          << "', ports: [p0, p9], snmp: {version: 2c, community_file: community}}\n"
                          << "  - {name: swall, address: '" << a << "', snmp: {version: 2c, community_file: community}}\n";
  }
  std::string site() const { return snmpd_->dir() + "/site.yaml"; }
  model::SwitchSpec spec(const std::string& name) const { return suite::findSwitch(suite::loadSite(site()), name); }

  std::string name_, sw_ns_;
  fabric::FabricLayout layout_;
  std::unique_ptr<testing::FabricGuard> guard_;
  std::unique_ptr<testing::SnmpdInNamespace> snmpd_;
};

TEST_F(SwitchSnmp, IfMibFiguresOfTheSwitchPortsEqualTheKernelsOnceTrafficStops) {
  ASSERT_EQ(layout_.hosts.size(), 2u);
  ASSERT_EQ(testing::sendUdpFrom(layout_.hosts[0].ns, layout_.hosts[1].data_address, {9}, 300, 500), "");
  counters::SwitchSnmpCounterSource source(spec("sw"));
  // snmpd caches ifTable for 3 s: poll until a reading agrees with the kernel before and after it.
  std::map<std::string, std::string> kernel, snmp;
  bool equal = false;
  for (const auto deadline = Clock::now() + std::chrono::seconds(30); !equal && Clock::now() < deadline;) {
    equal = true;
    const auto before = std::map<std::string, std::string>{{"p0", kernelFigures(sw_ns_, "p0")}, {"p1", kernelFigures(sw_ns_, "p1")}};
    const auto snap = source.snapshot();
    ASSERT_EQ(source.unavailable_reason(), "");
    for (const char* p : {"p0", "p1"}) {
      kernel[p] = kernelFigures(sw_ns_, p);
      snmp[p] = snmpFigures(snap, p);
      equal = equal && kernel[p] == before.at(p) && snmp[p] == kernel[p];
    }
    if (!equal) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_TRUE(equal) << "p0 kernel " << kernel["p0"] << "\n   snmp   " << snmp["p0"] << "\np1 kernel " << kernel["p1"]
                     << "\n   snmp   " << snmp["p1"];
  EXPECT_GE(kernelStat(sw_ns_, "p0", "rx_bytes"), 300u * 500u) << "the traffic went through the switch port";
  ASSERT_EQ(source.ports().size(), 2u);
  EXPECT_EQ(source.ports()[0].name, "p0");
  EXPECT_EQ(source.ports()[0].ifindex, kernelIfindex(sw_ns_, "p0")) << "ifIndex is the kernel's ifindex in the switch namespace";
}

TEST_F(SwitchSnmp, PfcPerPriorityAndQueueDropsFollowTheValuesTheSwitchServes) {
  const uint32_t i0 = kernelIfindex(sw_ns_, "p0"), i1 = kernelIfindex(sw_ns_, "p1");
  const std::string req = ".1.3.6.1.4.1.9.9.813.1.2.1.2.", ind = ".1.3.6.1.4.1.9.9.813.1.2.1.3.", q = ".1.3.6.1.4.1.9.9.580.1.5.5.1.4.";
  auto values = [&](uint64_t base) {
    return req + std::to_string(i0) + ".3 counter64 " + std::to_string(base + 11) + "\n" +  //
           ind + std::to_string(i0) + ".3 counter64 " + std::to_string(base + 22) + "\n" +  //
           req + std::to_string(i1) + ".0 counter64 18446744073709551615\n" +               // 2^64-1: both halves
           ind + std::to_string(i1) + ".7 counter64 " + std::to_string(base + 4294967296ull) + "\n" +
           ".1.3.6.1.4.1.9.9.813.1.1.1.1." + std::to_string(i0) + " counter64 999\n" +  // cpfcIfTable: never read
           q + std::to_string(i0) + ".2.4.5 counter64 " + std::to_string(base + 5) + "\n" +  // egress, queue 3, ucastDropped
           q + std::to_string(i0) + ".2.4.1 counter64 123456\n" +                            // ucastSentPkts: not read
           q + std::to_string(i0) + ".1.4.5 counter64 777\n";                                // ingress: not read
  };
  snmpd_->setValues(values(0));
  counters::SwitchSnmpCounterSource source(spec("sw"));
  auto s = source.snapshot();
  ASSERT_EQ(source.unavailable_reason(), "");
  EXPECT_EQ(sampleOf(s, "cpfcIfPriorityRequests", "p0", {"prio", "3"}), 11u);
  EXPECT_EQ(sampleOf(s, "cpfcIfPriorityIndications", "p0", {"prio", "3"}), 22u);
  EXPECT_EQ(sampleOf(s, "cpfcIfPriorityRequests", "p1", {"prio", "0"}), 18446744073709551615ull);
  EXPECT_EQ(sampleOf(s, "cpfcIfPriorityIndications", "p1", {"prio", "7"}), 4294967296ull);
  EXPECT_EQ(sampleOf(s, "cpfcIfPriorityRequests", "p0", {"prio", "0"}), std::nullopt) << "not served: absent, not zero";
  EXPECT_EQ(sampleOf(s, "csqIfQosGroupStatsValue_ucastDroppedPkts", "p0", {"queue", "3"}), 5u);
  size_t queue_samples = 0;
  for (const auto& c : s.samples) queue_samples += c.labels.count("queue");
  EXPECT_EQ(queue_samples, 1u) << "only egress ucastDroppedPkts";
  for (const auto& c : s.samples) EXPECT_NE(c.value, 999u) << c.name << ": cpfcIfTable is never read";

  snmpd_->setValues(values(1000));
  s = source.snapshot();
  EXPECT_EQ(sampleOf(s, "cpfcIfPriorityRequests", "p0", {"prio", "3"}), 1011u);
  EXPECT_EQ(sampleOf(s, "cpfcIfPriorityIndications", "p0", {"prio", "3"}), 1022u);
  EXPECT_EQ(sampleOf(s, "csqIfQosGroupStatsValue_ucastDroppedPkts", "p0", {"queue", "3"}), 1005u);

  snmpd_->setValues("");  // the switch stops serving the tables: a note each, samples absent
  s = source.snapshot();
  EXPECT_EQ(sampleOf(s, "cpfcIfPriorityRequests", "p0", {"prio", "3"}), std::nullopt);
  std::string notes;
  for (const auto& n : s.notes) notes += n + "\n";
  EXPECT_NE(notes.find("switch sw does not serve CISCO-PFC-EXT-MIB cpfcIfPriorityTable"), std::string::npos) << notes;
  EXPECT_NE(notes.find("switch sw does not serve CISCO-SWITCH-QOS-MIB csqIfQosGroupStatsTable"), std::string::npos) << notes;
  EXPECT_TRUE(sampleOf(s, "ifHCInOctets", "p0").has_value());
}

TEST_F(SwitchSnmp, V3AuthPrivReadsAndWrongCredentialsAreAbsentWithAReason) {
  auto readsV3 = [&] {
    counters::SwitchSnmpCounterSource v3(spec("sw3"));
    const auto s = v3.snapshot();
    EXPECT_EQ(v3.unavailable_reason(), "");
    return sampleOf(s, "ifHCOutOctets", "p1").has_value();
  };
  EXPECT_TRUE(readsV3());
  for (const char* bad : {"swbadkey", "swbadcomm"}) {
    counters::SwitchSnmpCounterSource source(spec(bad));
    const auto start = Clock::now();
    const auto s = source.snapshot();
    const auto took = Clock::now() - start;
    EXPECT_TRUE(s.samples.empty()) << bad;
    const std::string why = source.unavailable_reason();
    EXPECT_NE(why.find(std::string("switch ") + bad + " (" + snmpd_->peer() + ")"), std::string::npos) << why;
    EXPECT_NE(why.find(bad == std::string("swbadkey") ? "Authentication failure" : "no answer"), std::string::npos) << why;
    // No hang: the timeouts are 500 ms x 1 and 300 ms x 2; 20 s would be a hang, not a slow host.
    EXPECT_LT(took, std::chrono::seconds(20)) << bad;
  }
  EXPECT_TRUE(readsV3()) << "the wrong key's session left no keys behind";

  // net-snmp keeps one key set per user and engine: while a good session is open, another
  // session with other keys is refused, not silently given the good keys.
  counters::SwitchSnmpCounterSource good(spec("sw3"));
  EXPECT_FALSE(good.snapshot().samples.empty()) << good.unavailable_reason();
  counters::SwitchSnmpCounterSource bad(spec("swbadkey"));
  EXPECT_TRUE(bad.snapshot().samples.empty());
  EXPECT_NE(bad.unavailable_reason().find("uses v3 user 'fabv3' with other keys"), std::string::npos) << bad.unavailable_reason();
  EXPECT_FALSE(good.snapshot().samples.empty()) << good.unavailable_reason();
}

TEST_F(SwitchSnmp, TheCommandShowsPerPortFiguresAndNamesAPortTheSwitchLacks) {
  const uint32_t i0 = kernelIfindex(sw_ns_, "p0");
  snmpd_->setValues(".1.3.6.1.4.1.9.9.813.1.2.1.3." + std::to_string(i0) + ".3 counter64 42\n");
  auto r = testing::run({testing::kFabcheckBin, "counters", "--site", site(), "--switch", "sw", "--json"}, std::chrono::seconds(60));
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "net-snmp's own log lines are not printed";
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["snapshots"][0]["ports"].size(), 2u) << r.out;
  const auto& p0 = j["snapshots"][0]["ports"][0];
  EXPECT_EQ(p0["port"], "p0");
  EXPECT_EQ(p0["pfc"]["3"]["rx_pause_frames"], 42);
  EXPECT_TRUE(p0.contains("rx_bytes") && p0.contains("tx_packets") && p0.contains("rx_discards")) << p0.dump();
  EXPECT_EQ(r.out.find(testing::kSnmpCommunity), std::string::npos) << "no secret in the output";

  r = testing::run({testing::kFabcheckBin, "counters", "--site", site(), "--switch", "swall"}, std::chrono::seconds(60));
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_NE(r.out.find("  p0 "), std::string::npos) << "every oper-up port: " << r.out;
  EXPECT_NE(r.out.find("ifHCInOctets"), std::string::npos) << r.out;

  r = testing::run({testing::kFabcheckBin, "counters", "--site", site(), "--switch", "swbadport"}, std::chrono::seconds(60));
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("switch swbadport: port 'p9' is not one of its ifNames ("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("p0"), std::string::npos) << r.err;
}


// `fabcheck run --site`: the controller reads the site's switches around the test; per-port
// metrics reach the report and its SLOs (the test outlasts snmpd's 3 s counter cache, so its last
// reading holds at least a second of the traffic: h0 sends into p0, p1 sends to h1), and a switch that does not answer makes the totals and
// its own ports' SLOs skipped with its name and why (never a pass on a switch nobody read).
TEST_F(SwitchSnmp, ARunReadsTheSiteSwitchesAndAnUnreadSwitchSkipsTheSlosItCouldHide) {
  const std::string a = snmpd_->peer();
  std::ofstream(snmpd_->dir() + "/run-site.yaml")
      << "switches:\n"
      << "  - {name: sw, address: '" << a << "', snmp: {version: 2c, community_file: community}, ports: [p0, p1]}\n"
      << "  - {name: swbadcomm, address: '" << a
      << "', timeout: 300ms, retries: 0, snmp: {version: 2c, community_file: wrong.community}}\n";
  std::ofstream(snmpd_->dir() + "/s.yaml") << R"(name: switch-run
tests:
  - name: stream
    pattern: stream
    rate: 20mbit
    duration: 4s
    slos:
      - switch.sw.port.p0.rx_packets > 0
      - switch.sw.port.p1.tx_packets > 0
      - switch.discards == 0
      - switch.swbadcomm.port.p0.rx_discards == 0
)";
  const auto r = testing::run({testing::kFabcheckBin, "run", snmpd_->dir() + "/s.yaml", "--launcher", "emulated", "--agents", "2",
                               "--launcher-option", "fabric_name=" + name_, "--site", snmpd_->dir() + "/run-site.yaml",
                               "--report", "json:" + snmpd_->dir() + "/r.json"},
                              std::chrono::seconds(120));
  ASSERT_EQ(r.status.code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(testing::slurp(snmpd_->dir() + "/r.json"));
  const auto& t = j.at("tests").at(0);
  const auto& slos = t.at("slos");
  ASSERT_EQ(slos.size(), 4u);
  EXPECT_EQ(slos[0].at("verdict"), "pass") << slos[0].dump();
  EXPECT_EQ(slos[1].at("verdict"), "pass") << slos[1].dump();
  for (size_t i : {2u, 3u}) {
    EXPECT_EQ(slos[i].at("verdict"), "skipped") << slos[i].dump();
    EXPECT_NE(slos[i].at("reason").get<std::string>().find("switch swbadcomm was not read"), std::string::npos) << slos[i].dump();
  }
  EXPECT_EQ(r.out.find(testing::kSnmpCommunity), std::string::npos) << "no secret on the console";
  EXPECT_EQ(testing::slurp(snmpd_->dir() + "/r.json").find(testing::kSnmpCommunity), std::string::npos) << "no secret in the report";
  // The fabric's counters in the report carry each switch's source, named by its scope.
  int switches = 0;
  for (const auto& src : t.at("counters").at("fabric").at("sources")) {
    if (src.at("source") != "switch_snmp") continue;
    ++switches;
    const std::string sw = src.at("scope").at("switch");
    EXPECT_TRUE(sw == "sw" ? !src.at("counters").empty() : src.contains("unavailable_reason")) << src.dump();
  }
  EXPECT_EQ(switches, 2);
  EXPECT_FALSE(t.at("metrics_missing").contains("switch.sw.port.p0.rx_packets"));
  EXPECT_NE(t.at("metrics_missing").value("switch.swbadcomm.*", "").find("switch swbadcomm was not read"), std::string::npos);
}

}  // namespace
}  // namespace fabcheck
