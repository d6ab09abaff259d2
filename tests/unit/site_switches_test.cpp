// The site file's switches (harness/suite/site_loader.h) and the SNMP source's pure parts:
// port selection, OIDs, peer names (harness/counters/switch_snmp_counter_source.h, snmp_session.h).
#include <gtest/gtest.h>

#include <fstream>

#include "generators/core/errors.h"
#include "harness/counters/snmp_session.h"
#include "harness/counters/switch_snmp_counter_source.h"
#include "harness/suite/site_loader.h"
#include "tests/support/temp_dir.h"

namespace fabcheck {
namespace {

void writeSiteKey(const testing::TempDir& d, const std::string& name, const std::string& content) {
  std::ofstream(d.path() + "/" + name) << content;
}

std::string siteErrorOf(const std::string& yaml, const testing::TempDir& d) {
  try {
    suite::parseSite(yaml, "site.yaml", d.path());
  } catch (const suite::SuiteError& e) {
    return e.what();
  }
  return "";
}

TEST(SiteSwitches, V2cSwitchWithPortsTimeoutAndRetries) {
  testing::TempDir d;
  writeSiteKey(d, "leaf1.community", "s3cret-comm\n");
  const auto site = suite::parseSite(
      "fabric: {line_rate_gbps: 100}\n"
      "switches:\n"
      "  - name: leaf1\n"
      "    address: 192.0.2.10:1161\n"
      "    snmp: {version: 2c, community_file: leaf1.community}\n"
      "    ports: [Ethernet0, Ethernet4]\n"
      "    timeout: 500ms\n"
      "    retries: 2\n",
      "site.yaml", d.path());
  ASSERT_EQ(site.switches.size(), 1u);
  const auto& sw = site.switches[0];
  EXPECT_EQ(sw.name, "leaf1");
  EXPECT_EQ(sw.address, "192.0.2.10:1161");
  EXPECT_EQ(sw.snmp.version, model::SnmpVersion::kV2c);
  EXPECT_EQ(sw.snmp.community, "s3cret-comm") << "the trailing newline is stripped";
  EXPECT_EQ(sw.snmp.community_file, d.path() + "/leaf1.community");
  EXPECT_EQ(sw.ports, (std::vector<std::string>{"Ethernet0", "Ethernet4"}));
  EXPECT_EQ(sw.timeout_ns, 500'000'000);
  EXPECT_EQ(sw.retries, 2);
  EXPECT_EQ(sw.source, "site.yaml:3:5");
  EXPECT_EQ(&suite::findSwitch(site, "leaf1"), &sw);
  try {
    suite::findSwitch(site, "leaf9");
    FAIL() << "leaf9 is not in the site file";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "switch 'leaf9' is not in the site file site.yaml; it has leaf1");
  }
}

TEST(SiteSwitches, V3AuthPrivFromKeyFilesAndDefaults) {
  testing::TempDir d;
  writeSiteKey(d, "auth", "authpass123\n");
  writeSiteKey(d, "priv", "privpass123");
  const auto site = suite::parseSite(
      "switches:\n"
      "  - {name: spine1, address: 'unix:/tmp/x.sock', snmp: {version: 3, user: fab, auth: sha512, auth_key_file: auth,"
      " priv: aes, priv_key_file: priv}}\n"
      "  - {name: spine2, address: h2, snmp: {version: 3, user: nobody}}\n",
      "site.yaml", d.path());
  ASSERT_EQ(site.switches.size(), 2u);
  const auto& s = site.switches[0].snmp;
  EXPECT_EQ(s.version, model::SnmpVersion::kV3);
  EXPECT_EQ(s.user, "fab");
  EXPECT_EQ(s.auth, model::SnmpAuth::kSha512);
  EXPECT_EQ(s.auth_key, "authpass123");
  EXPECT_EQ(s.priv, model::SnmpPriv::kAes);
  EXPECT_EQ(s.priv_key, "privpass123");
  EXPECT_EQ(site.switches[0].timeout_ns, 1'000'000'000) << "default timeout 1s";
  EXPECT_EQ(site.switches[0].retries, 1);
  EXPECT_TRUE(site.switches[0].ports.empty());
  EXPECT_EQ(site.switches[1].snmp.auth, model::SnmpAuth::kNone) << "user only: noAuthNoPriv";
}

TEST(SiteSwitches, EachProblemIsOneLineWithItsPositionAndNoSecret) {
  testing::TempDir d;
  writeSiteKey(d, "short", "abc123\n");
  writeSiteKey(d, "good", "goodpass99\n");
  const std::string err = siteErrorOf(
      "switches:\n"
      "  - name: a\n"
      "    address: h\n"
      "    snmp: {version: 3, user: u, auth: sha, auth_key_file: short, priv: aes, priv_key_file: nofile}\n"
      "    prots: [x]\n"
      "  - {name: a, address: h, snmp: {version: 2c, community_file: good}, retries: 11}\n"
      "  - {name: b, address: h, snmp: {version: 3, user: u, auth: sha1, auth_key_file: good, priv: 3des, priv_key_file: good}}\n",
      d);
  EXPECT_NE(err.find("site.yaml:4:59: snmp.auth_key_file 'short': the passphrase in " + d.path() +
                     "/short has 6 characters; SNMPv3 needs at least 8"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("site.yaml:4:92: snmp.priv_key_file 'nofile': cannot read " + d.path() + "/nofile: No such file or directory"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("site.yaml:5:5: unknown key 'prots' in a switch; did you mean 'ports'?"), std::string::npos) << err;
  EXPECT_NE(err.find("site.yaml:6:12: name 'a' is also the switch at site.yaml:2:5"), std::string::npos) << err;
  EXPECT_NE(err.find("retries '11': expected a whole number from 0 to 10"), std::string::npos) << err;
  EXPECT_NE(err.find("snmp.auth 'sha1'"), std::string::npos) << err;
  EXPECT_NE(err.find("snmp.priv '3des'"), std::string::npos) << err;
  EXPECT_EQ(err.find("abc123"), std::string::npos) << "no secret in messages: " << err;
  EXPECT_EQ(err.find("goodpass99"), std::string::npos) << err;
}

TEST(SiteSwitches, MissingPiecesAndWrongVersionKeys) {
  testing::TempDir d;
  writeSiteKey(d, "c", "public1\n");
  const std::string err = siteErrorOf(
      "switches:\n"
      "  - {name: a, snmp: {version: 2c}}\n"
      "  - {name: b, address: h, snmp: {version: 2c, community_file: c, user: x}}\n"
      "  - {name: c, address: h, snmp: {version: 3, priv: aes}}\n"
      "  - {name: d, address: h, snmp: {version: 1}}\n"
      "color: red\n",
      d);
  EXPECT_NE(err.find("site.yaml:2:5: the switch has no address"), std::string::npos) << err;
  EXPECT_NE(err.find("snmp version 2c needs community_file"), std::string::npos) << err;
  EXPECT_NE(err.find("snmp.user: only SNMP version 3 takes it; this switch uses 2c"), std::string::npos) << err;
  EXPECT_NE(err.find("snmp version 3 needs user"), std::string::npos) << err;
  EXPECT_NE(err.find("snmp.priv: needs auth (md5, sha, sha256 or sha512) as well"), std::string::npos) << err;
  EXPECT_NE(err.find("snmp.version '1'"), std::string::npos) << err;
  EXPECT_NE(err.find("site.yaml:6:1: unknown key 'color' in the site file"), std::string::npos) << err;
}

TEST(SiteSwitches, LoadSiteReadsKeysBesideTheFile) {
  testing::TempDir d;
  writeSiteKey(d, "comm", "public1\n");
  writeSiteKey(d, "site.yaml", "switches:\n  - {name: s, address: h, snmp: {version: 2c, community_file: comm}}\n");
  EXPECT_EQ(suite::loadSite(d.path() + "/site.yaml").switches.at(0).snmp.community, "public1");
  EXPECT_THROW(suite::loadSite(d.path() + "/none.yaml"), ConfigError);
}

// ---- the SNMP source's pure parts ----------------------------------------------------------

TEST(SwitchSnmpPorts, ByIfNameBySonicEthernetNOrEveryOperUpPort) {
  const std::map<uint32_t, std::string> names = {{1, "etp1"}, {5, "etp2"}, {9, "etp3"}, {100, "Ethernet8"}};
  const std::map<uint32_t, int64_t> oper = {{1, 1}, {5, 2}, {9, 1}, {100, 7}};
  using counters::SwitchPort;
  EXPECT_EQ(counters::selectSwitchPorts(names, oper, {}, "leaf1"), (std::vector<SwitchPort>{{1, "etp1"}, {9, "etp3"}}));
  EXPECT_EQ(counters::selectSwitchPorts(names, oper, {"etp2", "Ethernet0", "Ethernet8"}, "leaf1"),
            (std::vector<SwitchPort>{{5, "etp2"}, {1, "etp1"}, {100, "Ethernet8"}}))
      << "ifName first; SONiC EthernetN is ifIndex N+1, labelled with the switch's ifName (its alias)";
  try {
    counters::selectSwitchPorts(names, oper, {"Ethernet12"}, "leaf1");
    FAIL() << "Ethernet12 is neither an ifName nor ifIndex 13";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "switch leaf1: port 'Ethernet12' is not one of its ifNames (etp1, etp2, etp3, Ethernet8) and it has no ifIndex 13 "
                 "(SONiC Ethernet12)");
  }
  EXPECT_THROW(counters::selectSwitchPorts(names, oper, {"swp1"}, "leaf1"), ConfigError);
}

TEST(SwitchSnmpPorts, OidsAndPeerNames) {
  EXPECT_EQ(counters::parseOid(".1.3.6.1.2.1.31.1.1.1.1"), (counters::Oid{1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1}));
  EXPECT_EQ(counters::oidText({1, 3, 6, 4294967295u}), ".1.3.6.4294967295");
  EXPECT_THROW(counters::parseOid("IF-MIB::ifName"), Error);
  EXPECT_THROW(counters::parseOid(".1.3..6"), Error);
  EXPECT_TRUE(counters::oidStartsWith({1, 3, 6, 1}, {1, 3, 6}));
  EXPECT_FALSE(counters::oidStartsWith({1, 3, 6}, {1, 3, 6})) << "an instance is strictly below its column";
  EXPECT_EQ(counters::snmpPeerName("192.0.2.10"), "udp:192.0.2.10");
  EXPECT_EQ(counters::snmpPeerName("leaf1:1161"), "udp:leaf1:1161");
  EXPECT_EQ(counters::snmpPeerName("[2001:db8::1]:161"), "udp6:[2001:db8::1]:161");
  EXPECT_EQ(counters::snmpPeerName("2001:db8::1"), "udp6:[2001:db8::1]");
  EXPECT_EQ(counters::snmpPeerName("unix:/run/s.sock"), "unix:/run/s.sock");
}

TEST(SwitchSnmpPorts, WithoutASwitchTheSourceIsUnavailableNotZero) {
  counters::SwitchSnmpCounterSource s(model::SwitchSpec{});
  EXPECT_EQ(s.name(), "switch_snmp");
  EXPECT_TRUE(s.snapshot().samples.empty());
  EXPECT_NE(s.unavailable_reason().find("no switch given"), std::string::npos);
}

}  // namespace
}  // namespace fabcheck
