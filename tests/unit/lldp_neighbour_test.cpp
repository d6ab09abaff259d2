// The lldpcli json0 parser and the neighbour lookup, on real `lldpcli -f json0 show neighbors`
// output: lldpd's own test sample (tests/integration/test_lldpcli.py test_json0_output, a MAC
// port id), one captured here from Debian 12's lldpd 1.0.16 between two namespaces
// (portidsubtype ifname), and the empty answer of an lldpd without neighbours.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/counters/lldp_neighbour.h"

namespace fabcheck::counters {
namespace {

// lldpd test_json0_output ("age" removed by that test): the port id is a MAC, its name is in descr.
const char* kLldpdMacSample = R"({"lldp": [{"interface": [{
  "name": "eth0", "via": "LLDP", "rid": "1",
  "chassis": [{"id": [{"type": "mac", "value": "00:00:00:00:00:02"}],
               "name": [{"value": "ns-2.example.com"}],
               "descr": [{"value": "Spectacular GNU/Linux 2016 running on Linux 4.19"}],
               "mgmt-ip": [{"value": "fe80::200:ff:fe00:2"}], "mgmt-iface": [{"value": "2"}],
               "capability": [{"type": "Bridge", "enabled": false}, {"type": "Wlan", "enabled": false}]}],
  "port": [{"id": [{"type": "mac", "value": "00:00:00:00:00:02"}],
            "descr": [{"value": "eth1"}], "ttl": [{"value": "120"}]}]}]}]})";

// Captured from Debian 12's lldpd 1.0.16: the switch side runs `configure lldp portidsubtype ifname`.
const char* kCapturedIfnameSample = R"({
  "lldp": [{"interface": [{
    "name": "ltv0", "via": "LLDP", "rid": "1", "age": "0 day, 00:00:01",
    "chassis": [{"id": [{"type": "mac", "value": "6e:69:7a:38:9c:97"}], "name": [{"value": "leafx"}],
                 "descr": [{"value": "Debian GNU/Linux 12 (bookworm) Linux 6.18.44 x86_64"}],
                 "capability": [{"type": "Bridge", "enabled": false}, {"type": "Router", "enabled": false},
                                {"type": "Wlan", "enabled": false}, {"type": "Station", "enabled": true}]}],
    "port": [{"id": [{"type": "ifname", "value": "p3"}], "descr": [{"value": "p3"}], "ttl": [{"value": "4"}]}]}]}]
})";

// Debian 12's lldpd without neighbours, as captured.
const char* kNoNeighbours = "{\n  \"lldp\": [\n    {\n      \n    }\n  ]\n}\n";

TEST(LldpNeighbour, MacPortIdTakesThePortDescription) {
  const LldpParse p = parseLldpNeighbours(kLldpdMacSample);
  ASSERT_TRUE(p.error.empty()) << p.error;
  ASSERT_EQ(p.neighbours.size(), 1u);
  EXPECT_EQ(p.neighbours[0].interface, "eth0");
  EXPECT_EQ(p.neighbours[0].switch_name, "ns-2.example.com");
  EXPECT_EQ(p.neighbours[0].port, "eth1");
}

TEST(LldpNeighbour, IfnamePortIdIsThePort) {
  const LldpLookup l = neighbourOn(parseLldpNeighbours(kCapturedIfnameSample), "ltv0");
  ASSERT_TRUE(l.neighbour) << l.reason;
  EXPECT_EQ(l.neighbour->switch_name, "leafx");
  EXPECT_EQ(l.neighbour->port, "p3");
}

TEST(LldpNeighbour, LocalPortIdIsThePortNotTheDescription) {
  // SONiC's lldpmgrd: portidsubtype local <alias>, description set separately.
  const char* sonic = R"({"lldp": [{"interface": [{"name": "ens1f0",
    "chassis": [{"id": [{"type": "mac", "value": "aa:bb:cc:00:00:01"}], "name": [{"value": "leaf3"}]}],
    "port": [{"id": [{"type": "local", "value": "etp13"}], "descr": [{"value": "Servers17:ens1f0"}]}]}]}]})";
  const LldpLookup l = neighbourOn(parseLldpNeighbours(sonic), "ens1f0");
  ASSERT_TRUE(l.neighbour) << l.reason;
  EXPECT_EQ(l.neighbour->switch_name, "leaf3");
  EXPECT_EQ(l.neighbour->port, "etp13");
}

TEST(LldpNeighbour, PicksTheDataInterfaceAmongSeveral) {
  const char* two = R"({"lldp": [{"interface": [
    {"name": "mgmt0", "chassis": [{"name": [{"value": "oob1"}]}], "port": [{"id": [{"type": "ifname", "value": "Gi1/0/7"}]}]},
    {"name": "eth0", "chassis": [{"name": [{"value": "leaf2"}]}], "port": [{"id": [{"type": "ifname", "value": "Ethernet8"}]}]}]}]})";
  const LldpParse p = parseLldpNeighbours(two);
  ASSERT_EQ(p.neighbours.size(), 2u);
  const LldpLookup l = neighbourOn(p, "eth0");
  ASSERT_TRUE(l.neighbour);
  EXPECT_EQ(l.neighbour->switch_name, "leaf2");
  EXPECT_EQ(l.neighbour->port, "Ethernet8");
  const LldpLookup none = neighbourOn(p, "eth1");
  EXPECT_FALSE(none.neighbour);
  EXPECT_EQ(none.reason, "lldpd has no LLDP neighbour on eth1");
}

TEST(LldpNeighbour, NoNeighboursIsAnEmptyListWithAReason) {
  const LldpParse p = parseLldpNeighbours(kNoNeighbours);
  EXPECT_TRUE(p.error.empty()) << p.error;
  EXPECT_TRUE(p.neighbours.empty());
  EXPECT_EQ(neighbourOn(p, "eth0").reason, "lldpd has no LLDP neighbour on eth0");
}

TEST(LldpNeighbour, ANeighbourWithoutASystemNameIsNotMadeUp) {
  const char* nameless = R"({"lldp": [{"interface": [{"name": "eth0",
    "chassis": [{"id": [{"type": "mac", "value": "00:11:22:33:44:55"}]}],
    "port": [{"id": [{"type": "ifname", "value": "p1"}]}]}]}]})";
  const LldpLookup l = neighbourOn(parseLldpNeighbours(nameless), "eth0");
  EXPECT_FALSE(l.neighbour);
  EXPECT_NE(l.reason.find("no system name"), std::string::npos) << l.reason;
  EXPECT_NE(l.reason.find("00:11:22:33:44:55"), std::string::npos) << l.reason;
}

TEST(LldpNeighbour, TheJsonShapeAndGarbageAreErrors) {
  // `-f json` collapses arrays and keys interfaces by name: not what this reads.
  const char* json = R"({"lldp":{"interface":{"eth0":{"via":"LLDP","chassis":{"ns-2":{}},"port":{"descr":"eth1"}}}}})";
  EXPECT_FALSE(parseLldpNeighbours(json).error.empty());
  EXPECT_FALSE(parseLldpNeighbours("lldpcli: unknown format").error.empty());
  const LldpLookup l = neighbourOn(parseLldpNeighbours("{\"lldp\": [{\"interface\": {}}]}"), "eth0");
  EXPECT_FALSE(l.neighbour);
  EXPECT_NE(l.reason.find("json0"), std::string::npos) << l.reason;
}

class LldpCannedRunner : public process::CommandRunner {
 public:
  process::CommandResult answer;
  std::vector<std::string> argv;
  int64_t timeout_ns = 0;
  process::CommandResult run(const std::vector<std::string>& a, int64_t t) override {
    argv = a;
    timeout_ns = t;
    return answer;
  }
};

TEST(LldpNeighbour, ReadRunsLldpcliWithItsSocketAndTimeout) {
  LldpCannedRunner r;
  r.answer.out = kCapturedIfnameSample;
  const LldpLookup l = readLldpNeighbour({.interface = "ltv0", .socket = "/tmp/x/h1.sock", .timeout_ns = 5}, r);
  ASSERT_TRUE(l.neighbour) << l.reason;
  EXPECT_EQ(l.neighbour->port, "p3");
  EXPECT_EQ(r.argv, (std::vector<std::string>{"lldpcli", "-u", "/tmp/x/h1.sock", "-f", "json0", "show", "neighbors"}));
  EXPECT_EQ(r.timeout_ns, 5);
}

TEST(LldpNeighbour, NoLldpdIsAReasonNotANeighbour) {
  LldpCannedRunner r;
  r.answer.exit_code = 1;
  r.answer.err = "2026-12-02T18:19:02 [WARN/control] unable to connect to socket /run/lldpd.socket: No such file or directory";
  const LldpLookup l = readLldpNeighbour({.interface = "eth0"}, r);
  EXPECT_FALSE(l.neighbour);
  EXPECT_EQ(l.reason, "lldpcli -f json0 show neighbors: unable to connect to socket /run/lldpd.socket: No such file or directory");
  LldpCannedRunner missing;
  missing.answer.not_found = true;
  missing.answer.exit_code = -1;
  EXPECT_NE(readLldpNeighbour({.interface = "eth0"}, missing).reason.find("not installed"), std::string::npos);
}

}  // namespace
}  // namespace fabcheck::counters
