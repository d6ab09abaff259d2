// `fabric up` calibrates on real namespaces: a positive per-port figure in the state file, a
// warning when a port is shaped above it, rate=auto shaping every port at or below it, and the
// figure (with the emulator's backlog drops) in a run's fabric counters and metrics. No timing
// is asserted: only that the figure exists, is positive and is used consistently.
#include <gtest/gtest.h>

#include "harness/fabric/fabric_calibration.h"
#include "harness/model/units.h"
#include "harness/results/test_summary.h"
#include "harness/slo/metric_registry.h"
#include "tests/integration/fabric_fixture.h"

namespace fabcheck {
namespace {

using testing::FabricGuard;

TEST(FabricCalibration, UpRecordsAPositiveFigureAndWarnsAboutAPortAboveIt) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = testing::uniqueFabricName('k');
  FabricGuard guard(name);
  process::SystemCommandRunner runner;
  fabric::FabricManager m(runner);
  const auto r = m.up(fabric::parseFabricSpec("name=" + name + ",hosts=2,rate=10000gbit", "test"), nullptr, true);
  EXPECT_GT(r.state.calibrated_port_bps, 0);
  EXPECT_GE(r.state.calibrated_total_bps, r.state.calibrated_port_bps);
  const auto st = fabric::readState(m.stateDir(), name);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->calibrated_port_bps, r.state.calibrated_port_bps) << "recorded in the state file";
  EXPECT_NE(r.warning.find("is shaped to 1e+04 Gbit/s but this machine forwarded"), std::string::npos) << r.warning;
  EXPECT_EQ(m.up(fabric::parseFabricSpec("name=" + name + ",hosts=2,rate=10000gbit", "test")).warning, r.warning)
      << "a no-op up reports the recorded calibration";
}

TEST(FabricCalibration, RateAutoShapesAtOrBelowTheFigureAndRunsReportIt) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = testing::uniqueFabricName('a');
  FabricGuard guard(name);
  process::SystemCommandRunner runner;
  fabric::FabricManager m(runner);
  const auto r = m.up(fabric::parseFabricSpec("name=" + name + ",hosts=2,rate=auto,queue=500", "test"));
  ASSERT_GT(r.state.calibrated_port_bps, 0) << "rate=auto calibrates even when not asked to";
  // The first candidate is autoRate() of the unshaped figure; trials through shaped ports step down
  // from it until every host gets 90% of the rate.
  EXPECT_LE(r.state.auto_rate_bps, fabric::autoRate(r.state.calibrated_port_bps));
  EXPECT_EQ(r.state.auto_rate_trials.rfind(model::formatRate(static_cast<double>(fabric::autoRate(r.state.calibrated_port_bps))), 0), 0u)
      << r.state.auto_rate_trials;
  EXPECT_NE(r.state.auto_rate_trials.find(model::formatRate(static_cast<double>(r.state.auto_rate_bps)) + ": slowest host"), std::string::npos)
      << r.state.auto_rate_trials;
  EXPECT_EQ(fabric::readState(m.stateDir(), name)->auto_rate_trials, r.state.auto_rate_trials) << "recorded";
  EXPECT_LE(static_cast<double>(r.state.auto_rate_bps), r.state.calibrated_port_bps);
  EXPECT_EQ(r.warning, "");
  const auto found = m.find(name);
  ASSERT_TRUE(found.has_value());
  for (const auto& p : found->ports) EXPECT_EQ(p.shaping.rate_bps, r.state.auto_rate_bps) << p.ns << ":" << p.dev;
  const auto counters = testing::portCountersOf(name);
  EXPECT_EQ(counters.size(), 2u);

  RunResult run = Runner(testing::emulatedRun({{"fabric_name", name}}, 2))
                      .run({testing::streamTest("pair", patterns::Placement::kPairs, static_cast<double>(r.state.auto_rate_bps) / 4)});
  ASSERT_EQ(run.tests.size(), 1u);
  ASSERT_EQ(run.tests[0].error, "");
  const auto metrics = slo::flattenMetrics(results::summarizeTest(run.tests[0], run.agents));
  ASSERT_TRUE(metrics.count("fabric.calibrated_port_bps")) << "the run's fabric counters carry the calibration";
  EXPECT_EQ(metrics.at("fabric.calibrated_port_bps"), static_cast<double>(static_cast<uint64_t>(r.state.calibrated_port_bps)));
  ASSERT_TRUE(metrics.count("fabric.emulator_drops")) << "softnet backlog drops are read around every test";
  EXPECT_GE(metrics.at("fabric.emulator_drops"), 0);
}

TEST(FabricCalibration, RateAutoWithoutCalibrationIsAUsageError) {
  const auto r = testing::run({testing::kFabcheckBin, "fabric", "up", "--fabric", "name=x,hosts=2,rate=auto", "--no-calibrate"}, std::chrono::seconds(30));
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("rate=auto: needs the calibration that --no-calibrate turns off"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fabcheck
