// fabcheck::Runner with the emulated launcher: agents in fabric namespaces, control over the
// management network, data through the shaped switch (its port counters see the bytes).
#include <gtest/gtest.h>

#include "harness/launch/emulated_launcher.h"
#include "harness/launch/launcher.h"
#include "tests/integration/fabric_fixture.h"
#include "tests/integration/runner_helpers.h"
#include "tests/support/test_helpers.h"

namespace fabcheck {
namespace {

using testing::FabricGuard;
using testing::fabricLeftovers;
using testing::uniqueFabricName;

TEST(EmulatedLauncher, RunsAStreamPairThroughTheSwitchOfARunningFabric) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = uniqueFabricName('e');
  FabricGuard guard(name);
  process::SystemCommandRunner runner;
  fabric::FabricManager m(runner);
  m.up(fabric::parseFabricSpec("name=" + name + ",hosts=2,rate=1gbit,queue=1000", "test"));
  const std::map<std::string, std::string> options{{"fabric_name", name}};
  RunOptions o = testing::emulatedRun(options, 2);
  ASSERT_EQ(o.hosts.size(), 2u);
  EXPECT_EQ(o.hosts[1].name, "h1");
  EXPECT_NE(o.controller_address, "0.0.0.0");
  const std::string sw = "fc-" + name + "-sw:";
  auto before = testing::portCountersOf(name);
  RunResult r = Runner(o).run({testing::streamTest("pair", patterns::Placement::kPairs, 50e6)});
  auto after = testing::portCountersOf(name);
  ASSERT_EQ(r.agents.size(), 2u);
  ASSERT_EQ(r.tests.size(), 1u);
  testing::expectEveryFlowDelivered(r.tests[0], 1);
  ASSERT_EQ(r.tests[0].receivers.size(), 1u);
  const auto& flow = r.tests[0].plan.flows.at(0);
  const std::string to_receiver = sw + "p" + std::to_string(flow.receiver);
  const uint64_t received = r.tests[0].receivers[0].bytes;
  EXPECT_GT(received, 100'000u);
  EXPECT_GE(after[to_receiver].bytes - before[to_receiver].bytes, received)
      << "the switch port toward the receiver carried at least the bytes it received (headers add more)";
  EXPECT_TRUE(m.find(name)) << "a fabric given by fabric_name= stays up";
}

TEST(EmulatedLauncher, FabricSpecOptionBringsTheFabricUpForTheRunAndDownAfter) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = uniqueFabricName('s');
  FabricGuard guard(name);
  const std::map<std::string, std::string> options{{"fabric", "name=" + name + ",hosts=2,rate=500mbit"}};
  RunOptions o = testing::emulatedRun(options, 2);
  EXPECT_EQ(o.controller_address, "0.0.0.0") << "not up yet: listen everywhere, the launcher points agents at the fabric";
  RunResult r = Runner(o).run({testing::streamTest("pair", patterns::Placement::kPairs, 20e6)});
  ASSERT_EQ(r.tests.size(), 1u);
  testing::expectEveryFlowDelivered(r.tests[0], 1);
  EXPECT_EQ(fabricLeftovers(name), std::vector<std::string>{}) << "the launcher took down the fabric it brought up";
}

TEST(EmulatedLauncher, BadOptionsAreConfigErrors) {
  EXPECT_EQ(testing::errorOf<ConfigError>([] { launch::createLauncher("emulated", {}); }),
            "emulated launcher: expected exactly one of fabric=SPEC (e.g. fabric=hosts=4,topology=switch,rate=1gbit) or fabric_name=NAME, got neither");
  EXPECT_NE(testing::errorOf<ConfigError>([] { launch::createLauncher("emulated", {{"fabric", "hosts=x"}}); })
                .find("emulated launcher: fabric= hosts='x': expected a whole number from 1 to 120"),
            std::string::npos);
  EXPECT_NE(testing::errorOf<ConfigError>([] { launch::createLauncher("emulated", {{"fabrik", "x"}}); }).find("unknown option 'fabrik'"),
            std::string::npos);
}

}  // namespace
}  // namespace fabcheck
