// The ECN steps of the fabric plan (pure): a pin directory step, then one marker per shaped
// port with the port's rate, threshold and queue limit; undone by removing the directory. And
// the state file keeps the pin directory across a write and a read.
#include <gtest/gtest.h>

#include "harness/fabric/fabric_layout.h"
#include "harness/fabric/fabric_plan.h"
#include "harness/fabric/fabric_state.h"
#include "tests/support/temp_dir.h"

namespace fabcheck::fabric {
namespace {

TEST(FabricEcnPlan, MarkersComeLastOnePerShapedPortWithTheirOwnShaping) {
  const auto layout = makeLayout(parseFabricSpec("name=e1,hosts=3,rate=50mbit,queue=300,ecn_threshold=20p,"
                                                 "link.h2.rate=10mbit,link.h2.queue_bytes=90K,link.h2.ecn_threshold=30KB",
                                                 "test"),
                                 42);
  const auto steps = planUp(layout);
  std::vector<EcnPort> markers;
  size_t dir_step = steps.size(), first_marker = steps.size();
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!steps[i].bpf_pin_dir.empty()) {
      dir_step = i;
      EXPECT_EQ(steps[i].bpf_pin_dir, "/sys/fs/bpf/fabcheck/e1");
      EXPECT_EQ(steps[i].creates, (Created{Created::Kind::kBpfPins, "/sys/fs/bpf/fabcheck/e1"}));
      EXPECT_TRUE(steps[i].argv.empty());
    }
    if (steps[i].ecn_marker) {
      if (first_marker == steps.size()) first_marker = i;
      markers.push_back(*steps[i].ecn_marker);
      EXPECT_TRUE(steps[i].argv.empty());
    }
  }
  ASSERT_LT(dir_step, first_marker) << "the directory is made before any map is pinned in it";
  EXPECT_EQ(markers.size(), layout.ports.size()) << "every shaped port marks (the h2 override shapes h2's own eth0 too)";
  ASSERT_GE(markers.size(), 3u);
  EXPECT_EQ(markers[0], (EcnPort{.ns = "fc-e1-sw", .dev = "p0", .pin_path = "/sys/fs/bpf/fabcheck/e1/fc-e1-sw_p0",
                                 .rate_bps = 50'000'000, .threshold_packets = 20, .queue_packets = 300}));
  bool h2 = false;
  for (const auto& m : markers) {
    if (m.ns == "fc-e1-sw" && m.dev == "p2") {
      h2 = true;
      EXPECT_EQ(m.rate_bps, 10'000'000u);
      EXPECT_EQ(m.threshold_bytes, 30'000u);
      EXPECT_EQ(m.threshold_packets, 0u);
      EXPECT_EQ(m.queue_bytes, 90'000u);
    }
  }
  EXPECT_TRUE(h2);
  EXPECT_EQ(undoCommand(Created{Created::Kind::kBpfPins, "/sys/fs/bpf/fabcheck/e1"}),
            (std::vector<std::string>{"rm", "-rf", "--", "/sys/fs/bpf/fabcheck/e1"}));
}

TEST(FabricEcnPlan, NoThresholdNoBpfSteps) {
  for (const auto& s : planUp(makeLayout(parseFabricSpec("name=e2,hosts=2,rate=50mbit", "test"), 42))) {
    EXPECT_TRUE(s.bpf_pin_dir.empty());
    EXPECT_FALSE(s.ecn_marker.has_value());
    EXPECT_EQ(s.argv.empty(), s.calibrate) << "only the calibration step runs in-process";
  }
}

TEST(FabricEcnPlan, StateFileKeepsThePinDirectory) {
  testing::TempDir dir("fc-ecn-state");
  FabricState st{"e3", "name=e3", 42, true, 1, {{Created::Kind::kNamespace, "fc-e3-sw"}, {Created::Kind::kBpfPins, "/sys/fs/bpf/fabcheck/e3"}}};
  writeState(dir.path(), st);
  const auto back = readState(dir.path(), "e3");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->created, st.created);
}

}  // namespace
}  // namespace fabcheck::fabric
