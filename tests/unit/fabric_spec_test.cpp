// FabricSpec parsing: defaults, every key, overrides, canonical text, and one-line errors.
#include "harness/fabric/fabric_spec.h"

#include <gtest/gtest.h>

#include "generators/core/errors.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::fabric {
namespace {

using testing::errorOf;

TEST(FabricSpec, ParsesTheIssueExampleAndDefaults) {
  const auto s = parseFabricSpec("hosts=4,topology=switch,rate=200mbit,queue=20", "--fabric");
  EXPECT_EQ(s.hosts, 4);
  EXPECT_EQ(s.topology, Topology::kSwitch);
  EXPECT_EQ(s.port.rate_bps, 200'000'000u);
  EXPECT_EQ(s.port.queue_packets, 20u);
  EXPECT_EQ(s.port.queue_bytes, 0u);
  EXPECT_EQ(s.name, "fc0");
  EXPECT_EQ(s.net, 0);
  const auto d = parseFabricSpec("hosts=2", "--fabric");
  EXPECT_EQ(d.port.rate_bps, 1'000'000'000u);
  EXPECT_EQ(d.port.queue_packets, 100u);
}

TEST(FabricSpec, LeafSpineOverridesAndCanonicalTextRoundTrips) {
  const auto s = parseFabricSpec("hosts=8,topology=leaf-spine,leaves=2,spines=3,rate=1G,queue_bytes=64KiB,name=ab1,net=42,"
                                 "link.h2.rate=50mbit,link.l1-s2.queue=7",
                                 "--fabric");
  EXPECT_EQ(s.topology, Topology::kLeafSpine);
  EXPECT_EQ(s.spines, 3);
  EXPECT_EQ(s.port.queue_bytes, 65536u);
  EXPECT_EQ(shapingOf(s, "h2").rate_bps, 50'000'000u);
  EXPECT_EQ(shapingOf(s, "h2").queue_bytes, 65536u);
  EXPECT_EQ(shapingOf(s, "l1-s2").queue_packets, 7u);
  EXPECT_EQ(shapingOf(s, "l1-s2").queue_bytes, 0u) << "a packet override replaces a byte limit";
  EXPECT_EQ(shapingOf(s, "h0").rate_bps, 1'000'000'000u);
  const std::string c = canonicalSpec(s);
  EXPECT_EQ(canonicalSpec(parseFabricSpec(c, "state")), c);
  EXPECT_EQ(canonicalSpec(parseFabricSpec("rate=200mbit, hosts=4", "x")), canonicalSpec(parseFabricSpec("hosts=4,rate=200Mbit/s", "x")));
  EXPECT_FALSE(wantsDelay(s));
  EXPECT_TRUE(wantsDelay(parseFabricSpec("hosts=2,link.h1.delay=1ms", "x")));
}

TEST(FabricSpec, BadInputGivesOneLineNamingKeyValueAndExpectation) {
  auto err = [](const std::string& text) { return errorOf<ConfigError>([&] { parseFabricSpec(text, "--fabric"); }); };
  EXPECT_EQ(err("hosts=4,rates=1G"),
            "--fabric unknown key 'rates'; did you mean 'rate'? (keys: hosts, topology, rate, queue, queue_bytes, delay, leaves, spines, "
            "name, net, ecn_threshold, link.<h0|l0-s1>.<rate|queue|queue_bytes|delay|ecn_threshold>)");
  EXPECT_EQ(err("hosts=0"), "--fabric hosts='0': expected a whole number from 1 to 120");
  EXPECT_EQ(err("hosts=four"), "--fabric hosts='four': expected a whole number from 1 to 120");
  EXPECT_EQ(err("topology=ring"), "--fabric topology='ring': expected switch or leaf-spine");
  EXPECT_NE(err("rate=fast").find("--fabric rate 'fast'"), std::string::npos) << err("rate=fast");
  EXPECT_EQ(err("rate=1Mpps"), "--fabric rate='1Mpps': expected bits per second (e.g. 200mbit, 10G); a port's rate cannot be in packets");
  EXPECT_EQ(err("queue=20,queue_bytes=1K"), "--fabric queue and queue_bytes are both given; expected one (a limit in packets or in bytes)");
  EXPECT_EQ(err("queue_bytes=5G"), "--fabric queue_bytes='5G': expected at most 4294967295 bytes (the kernel's bfifo limit is 32-bit)");
  EXPECT_EQ(err("name=Big-Name"), "--fabric name='Big-Name': expected 1 to 6 lower-case letters or digits (it prefixes namespace and interface names)");
  EXPECT_EQ(err("leaves=2"), "--fabric leaves= needs topology=leaf-spine; the switch topology has one switch");
  EXPECT_EQ(err("hosts=2,link.h5.rate=1G"), "--fabric link.h5.rate='1G': link 'h5' does not exist; expected h0..h1 (leaf-spine links l<a>-s<b> need topology=leaf-spine)");
  EXPECT_EQ(err("hosts=2,link.h1.speed=1G"), "--fabric unknown key 'link.h1.speed'; expected link.h1.<rate, queue, queue_bytes, delay, ecn_threshold>");
  EXPECT_EQ(err("hosts=2,hosts=3"), "--fabric 'hosts' is given twice; expected each key once");
  EXPECT_EQ(err("hosts"), "--fabric 'hosts': expected KEY=VALUE (e.g. hosts=4)");
  EXPECT_EQ(err("hosts=2,,rate=1G"), "--fabric 'hosts=2,,rate=1G': an empty item between commas; expected KEY=VALUE");
  EXPECT_EQ(err("net=300"), "--fabric net='300': expected a whole number from 1 to 254");
}

TEST(FabricSpec, EcnThresholdInBytesOrPacketsWithLinkOverridesAndCanonicalText) {
  const auto s = parseFabricSpec("hosts=3,rate=50mbit,queue=200,ecn_threshold=30KB,link.h1.ecn_threshold=20p,link.h2.rate=10mbit", "--fabric");
  EXPECT_EQ(s.port.ecn_threshold_bytes, 30'000u);
  EXPECT_EQ(s.port.ecn_threshold_packets, 0u);
  EXPECT_TRUE(s.port.marksEcn());
  EXPECT_EQ(shapingOf(s, "h1").ecn_threshold_packets, 20u);
  EXPECT_EQ(shapingOf(s, "h1").ecn_threshold_bytes, 0u) << "a packet threshold override replaces a byte threshold";
  EXPECT_EQ(shapingOf(s, "h2").ecn_threshold_bytes, 30'000u) << "a rate override keeps the default threshold";
  EXPECT_EQ(parseFabricSpec("ecn_threshold=30000", "x").port.ecn_threshold_bytes, 30'000u);
  EXPECT_EQ(parseFabricSpec("ecn_threshold=64KiB", "x").port.ecn_threshold_bytes, 65'536u);
  EXPECT_EQ(parseFabricSpec("ecn_threshold=7P", "x").port.ecn_threshold_packets, 7u);
  EXPECT_FALSE(parseFabricSpec("hosts=2", "x").port.marksEcn()) << "no marking unless asked";
  const std::string c = canonicalSpec(s);
  EXPECT_NE(c.find(",ecn_threshold=30000"), std::string::npos) << c;
  EXPECT_NE(c.find(",link.h1.ecn_threshold=20p"), std::string::npos) << c;
  EXPECT_EQ(canonicalSpec(parseFabricSpec(c, "state")), c);
  EXPECT_NE(canonicalSpec(parseFabricSpec("ecn_threshold=20p", "x")), canonicalSpec(parseFabricSpec("hosts=2", "x")))
      << "a fabric that marks is not the same fabric as one that does not";
}

TEST(FabricSpec, BadEcnThresholdNamesTheValueWhereItCameFromAndTheLimit) {
  auto err = [](const std::string& text) { return errorOf<ConfigError>([&] { parseFabricSpec(text, "--fabric"); }); };
  EXPECT_EQ(err("ecn_threshold=lots"),
            "--fabric ecn_threshold='lots': expected bytes as a size (30000, 30KB, 64KiB) or packets as <N>p (20p), more than 0");
  EXPECT_EQ(err("ecn_threshold=0"),
            "--fabric ecn_threshold='0': expected bytes as a size (30000, 30KB, 64KiB) or packets as <N>p (20p), more than 0");
  EXPECT_EQ(err("ecn_threshold=0p"), "--fabric ecn_threshold='0p': expected <N>p with N from 1 to 1000000 packets (e.g. 20p)");
  EXPECT_EQ(err("ecn_threshold=-3p"), "--fabric ecn_threshold='-3p': expected <N>p with N from 1 to 1000000 packets (e.g. 20p)");
  EXPECT_EQ(err("ecn_threshold=2000000p"), "--fabric ecn_threshold='2000000p': expected <N>p with N from 1 to 1000000 packets (e.g. 20p)");
  EXPECT_EQ(err("ecn_threshold=5G"), "--fabric ecn_threshold='5G': expected at most 4294967295 bytes");
  EXPECT_EQ(err("queue=20,ecn_threshold=20p"),
            "--fabric ecn_threshold: 20 packets is not below queue=20; expected a threshold below the queue limit (the queue would drop "
            "before it marks)");
  EXPECT_EQ(err("queue_bytes=30K,ecn_threshold=64KiB"),
            "--fabric ecn_threshold: 65536 bytes is not below queue_bytes=30000; expected a threshold below the queue limit (the queue "
            "would drop before it marks)");
  EXPECT_EQ(err("hosts=2,queue=50,link.h1.queue=10,ecn_threshold=20p"),
            "--fabric link.h1.ecn_threshold: 20 packets is not below queue=10; expected a threshold below the queue limit (the queue "
            "would drop before it marks)");
  EXPECT_EQ(err("hosts=2,link.h1.ecn_threshold=many"),
            "--fabric link.h1.ecn_threshold='many': expected bytes as a size (30000, 30KB, 64KiB) or packets as <N>p (20p), more than 0");
}

}  // namespace
}  // namespace fabcheck::fabric
