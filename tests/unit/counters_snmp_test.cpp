#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "generators/core/errors.h"
#include "harness/counters/snmp_counter_source.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::counters {
namespace {

// Captured from Debian 12 (kernel 6.1), shortened.
const char* kSnmp =
    "Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers "
    "OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates\n"
    "Ip: 2 64 25336563 0 0 0 0 3 25336563 25330403 36450 0 0 0 0 0 0 0 0\n"
    "Icmp: InMsgs InErrors\n"
    "Icmp: 36542 0\n"
    "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs "
    "RetransSegs InErrs OutRsts InCsumErrors\n"
    "Tcp: 1 200 120000 -1 17214 11886 5185 2186 0 504151 502597 481 0 6728 0\n"
    "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n"
    "Udp: 22606005 36539 2082267 24797455 2082260 0 7 0 0\n"
    "UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n"
    "UdpLite: 0 0 0 0 0 0 0 0 0\n";

const char* kSnmp6 =
    "Ip6InReceives                   \t19013\n"
    "Udp6InDatagrams                 \t40\n"
    "Udp6NoPorts                     \t1\n"
    "Udp6InErrors                    \t5\n"
    "Udp6RcvbufErrors                \t4\n"
    "Udp6IgnoredMulti                \t0\n"
    "UdpLite6InDatagrams             \t0\n";

uint64_t valueOf(const std::vector<SnmpValue>& v, const std::string& name) {
  for (const auto& x : v) {
    if (x.name == name) return x.value;
  }
  ADD_FAILURE() << "no " << name;
  return 0;
}

TEST(CountersSnmp, ParsesHeaderValuePairs) {
  const auto v = parseProcNetSnmp(kSnmp, "snmp");
  EXPECT_EQ(valueOf(v, "Udp.RcvbufErrors"), 2082260u);
  EXPECT_EQ(valueOf(v, "Udp.InErrors"), 2082267u);
  EXPECT_EQ(valueOf(v, "Udp.InCsumErrors"), 7u);
  EXPECT_EQ(valueOf(v, "Udp.MemErrors"), 0u);
  EXPECT_EQ(valueOf(v, "Ip.InDiscards"), 3u);
  EXPECT_EQ(valueOf(v, "Tcp.RetransSegs"), 481u);
  for (const auto& x : v) {
    EXPECT_NE(x.name, "Tcp.MaxConn") << "signed, not selected";
    EXPECT_NE(x.name.rfind("UdpLite", 0), 0u) << x.name;
    EXPECT_NE(x.name.rfind("Icmp", 0), 0u) << x.name;
  }
}

TEST(CountersSnmp, OlderKernelWithoutSomeColumns) {
  const auto v = parseProcNetSnmp("Udp: InDatagrams NoPorts InErrors OutDatagrams\nUdp: 1 2 3 4\n", "snmp");
  EXPECT_EQ(v.size(), 4u);
  EXPECT_EQ(valueOf(v, "Udp.OutDatagrams"), 4u);
}

TEST(CountersSnmp, ParsesSnmp6UdpOnly) {
  const auto v = parseProcNetSnmp6(kSnmp6, "snmp6");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(valueOf(v, "Udp6.RcvbufErrors"), 4u);
  EXPECT_EQ(valueOf(v, "Udp6.InDatagrams"), 40u);
}

TEST(CountersSnmp, MalformedFilesAreClearErrors) {
  using testing::errorOf;
  EXPECT_EQ(errorOf<Error>([] { parseProcNetSnmp("Udp: InDatagrams NoPorts\n", "/proc/net/snmp"); }),
            "/proc/net/snmp:1: header line 'Udp:' has no value line after it");
  EXPECT_EQ(errorOf<Error>([] { parseProcNetSnmp("Udp: InDatagrams NoPorts\nUdp: 1\n", "/proc/net/snmp"); }),
            "/proc/net/snmp:2: Udp: has 2 names but 1 values");
  EXPECT_EQ(errorOf<Error>([] { parseProcNetSnmp("Udp: InDatagrams NoPorts\nIp: 1 2\n", "/proc/net/snmp"); }),
            "/proc/net/snmp:2: expected the value line of 'Udp:', got 'Ip: 1 2'");
  EXPECT_EQ(errorOf<Error>([] { parseProcNetSnmp("Udp: InDatagrams NoPorts\nUdp: 1 x\n", "/proc/net/snmp"); }),
            "/proc/net/snmp:2: Udp NoPorts is 'x'; expected a non-negative integer");
  EXPECT_EQ(errorOf<Error>([] { parseProcNetSnmp("garbage\n1\n", "/proc/net/snmp"); }),
            "/proc/net/snmp:1: 'garbage' is not a 'Group: Name...' header line");
  EXPECT_EQ(errorOf<Error>([] { parseProcNetSnmp6("Udp6InErrors 1 2\n", "/proc/net/snmp6"); }),
            "/proc/net/snmp6:1: 'Udp6InErrors 1 2' is not a 'Name value' line");
}

TEST(CountersSnmp, SourceReadsInjectedFiles) {
  testing::TempDir dir("fc-snmp");
  std::ofstream(dir.path() + "/snmp") << kSnmp;
  std::ofstream(dir.path() + "/snmp6") << kSnmp6;
  SnmpCounterSource src({.host = "n1", .snmp_path = dir.path() + "/snmp", .snmp6_path = dir.path() + "/snmp6"});
  const auto snap = src.snapshot();
  EXPECT_EQ(src.name(), "snmp");
  EXPECT_EQ(src.unavailable_reason(), "");
  bool udp6 = false;
  for (const auto& s : snap.samples) {
    EXPECT_EQ(s.labels, (Labels{{"host", "n1"}}));
    if (s.name == "Udp6.RcvbufErrors") udp6 = s.value == 4;
  }
  EXPECT_TRUE(udp6);
}

TEST(CountersSnmp, MissingSnmp6JustLeavesUdp6Out) {
  testing::TempDir dir("fc-snmp");
  std::ofstream(dir.path() + "/snmp") << kSnmp;
  SnmpCounterSource src({.host = "n1", .snmp_path = dir.path() + "/snmp", .snmp6_path = dir.path() + "/none"});
  const auto snap = src.snapshot();
  EXPECT_FALSE(snap.samples.empty());
  for (const auto& s : snap.samples) EXPECT_NE(s.name.rfind("Udp6", 0), 0u);
}

TEST(CountersSnmp, MissingSnmpIsUnavailable) {
  SnmpCounterSource src({.host = "n1", .snmp_path = "/nonexistent/snmp"});
  EXPECT_TRUE(src.snapshot().samples.empty());
  EXPECT_EQ(src.unavailable_reason(), "cannot open /nonexistent/snmp (no procfs network statistics)");
}

// /proc/net/netstat of Linux 6.18, shortened (TcpExt cut to a few columns).
const char* kNetstat =
    "TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed\n"
    "TcpExt: 0 0 0\n"
    "IpExt: InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts InOctets OutOctets InMcastOctets "
    "OutMcastOctets InBcastOctets OutBcastOctets InCsumErrors InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts ReasmOverlaps\n"
    "IpExt: 0 0 0 116 0 0 159138404206 158987904915 0 4640 0 0 0 275342655 3 4100 4076 0\n";

TEST(CountersSnmp, NetstatGivesTheIpv4EcnCounters) {
  testing::TempDir dir("fc-snmp");
  std::ofstream(dir.path() + "/snmp") << kSnmp;
  std::ofstream(dir.path() + "/netstat") << kNetstat;
  SnmpCounterSource src({.host = "n1", .snmp_path = dir.path() + "/snmp", .snmp6_path = dir.path() + "/none",
                         .netstat_path = dir.path() + "/netstat"});
  const auto snap = src.snapshot();
  std::map<std::string, uint64_t> got;
  for (const auto& c : snap.samples) {
    if (c.name.rfind("IpExt.", 0) == 0) got[c.name] = c.value;
  }
  EXPECT_EQ(got, (std::map<std::string, uint64_t>{
                     {"IpExt.InNoECTPkts", 275342655}, {"IpExt.InECT1Pkts", 3}, {"IpExt.InECT0Pkts", 4100}, {"IpExt.InCEPkts", 4076}}))
      << "only the four ECN counters, not InOctets or TcpExt";
}

TEST(CountersSnmp, MissingNetstatLeavesIpExtOutNotZero) {
  testing::TempDir dir("fc-snmp");
  std::ofstream(dir.path() + "/snmp") << kSnmp;
  SnmpCounterSource src({.host = "n1", .snmp_path = dir.path() + "/snmp", .snmp6_path = dir.path() + "/none",
                         .netstat_path = dir.path() + "/none"});
  const auto snap = src.snapshot();
  EXPECT_FALSE(snap.samples.empty());
  for (const auto& s : snap.samples) EXPECT_NE(s.name.rfind("IpExt", 0), 0u) << s.name;
}

TEST(CountersSnmp, RealProcNetSnmpParses) {
  SnmpCounterSource src({});
  const auto snap = src.snapshot();
  bool found = false;
  for (const auto& s : snap.samples) found = found || s.name == "Udp.RcvbufErrors";
  EXPECT_TRUE(found) << src.unavailable_reason();
}

}  // namespace
}  // namespace fabcheck::counters
