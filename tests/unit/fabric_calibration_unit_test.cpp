// Calibration without namespaces: the rate rate=auto picks, the spec's rate=auto, the plan's
// calibration step (after the links, before any shaping), the state file keeping the figures,
// the warning, and the emulator counter source's parsing of /proc/net/softnet_stat.
#include <gtest/gtest.h>

#include "harness/counters/emulator_counter_source.h"
#include "harness/fabric/fabric_calibration.h"
#include "harness/fabric/fabric_manager.h"
#include "harness/fabric/fabric_plan.h"
#include "tests/support/temp_dir.h"

namespace fabcheck::fabric {
namespace {

TEST(FabricCalibrationUnit, AutoRateIsARoundFigureBelowSeventyPercent) {
  EXPECT_EQ(autoRate(213e6), 100'000'000u);   // 70%: 149 Mbit/s
  EXPECT_EQ(autoRate(400e6), 200'000'000u);   // 280 Mbit/s
  EXPECT_EQ(autoRate(662e6), 400'000'000u);   // 463 Mbit/s
  EXPECT_EQ(autoRate(8e9), 5'000'000'000u);   // 5.6 Gbit/s
  EXPECT_EQ(autoRate(1.5e9), 1'000'000'000u); // 1.05 Gbit/s
  EXPECT_EQ(autoRate(1e5), 1'000'000u) << "a floor, never 0";
  for (double bps : {2e6, 3.3e7, 9.99e8, 4.2e10}) EXPECT_LE(static_cast<double>(autoRate(bps)), 0.7 * bps);
}

TEST(FabricCalibrationUnit, TheNextLowerRateIsTheRoundNumberBelow) {
  EXPECT_EQ(nextLowerRate(500'000'000), 400'000'000u);
  EXPECT_EQ(nextLowerRate(200'000'000), 100'000'000u);
  EXPECT_EQ(nextLowerRate(100'000'000), 90'000'000u);
  EXPECT_EQ(nextLowerRate(1'000'000'000), 900'000'000u);
  EXPECT_EQ(nextLowerRate(2'000'000), 1'000'000u);
  EXPECT_EQ(nextLowerRate(1'000'000), 0u) << "nothing below the floor";
}

TEST(FabricCalibrationUnit, ARateIsCarriedWhenEveryHostReceivedNinetyPercentOfIt) {
  Calibration c;
  EXPECT_FALSE(carriesRate(c, 100'000'000)) << "nothing measured carries nothing";
  c.port_bps = {99e6, 91e6, 95e6};
  EXPECT_TRUE(carriesRate(c, 100'000'000));
  c.port_bps.push_back(89e6);
  EXPECT_FALSE(carriesRate(c, 100'000'000)) << "the slowest host decides";
}

TEST(FabricCalibrationUnit, TheHtbBucketIsOneMillisecondOfTheRateAndAtLeastTwoFrames) {
  EXPECT_EQ(htbBurstBytes(300'000'000), 37'500u);
  EXPECT_EQ(htbBurstBytes(10'000'000), 3'028u);
  FabricPort p{"fc-x-sw", "p1", "h1", "h1", {}};
  p.shaping.rate_bps = 200'000'000;
  const auto cmds = shapingCommands(p);
  ASSERT_GE(cmds.size(), 2u);
  const std::string klass = [&] {
    std::string t;
    for (const auto& a : cmds[1]) t += a + " ";
    return t;
  }();
  EXPECT_NE(klass.find("rate 200000000bit ceil 200000000bit burst 25000 cburst 25000"), std::string::npos) << klass;
}

TEST(FabricCalibrationUnit, RateAutoParsesAndKeepsItsMeaningInTheCanonicalSpec) {
  const auto s = parseFabricSpec("name=a,hosts=4,rate=auto,queue=1000", "test");
  EXPECT_TRUE(s.rate_auto);
  EXPECT_EQ(canonicalSpec(s), "name=a,hosts=4,topology=switch,rate=auto,queue=1000");
}

TEST(FabricCalibrationUnit, ThePlanCalibratesOnceAfterTheLinksBeforeTheShaping) {
  const auto steps = planUp(makeLayout(parseFabricSpec("name=c,hosts=3,rate=50mbit", "test"), 9));
  size_t cal = steps.size(), first_tc = steps.size(), last_link = 0, n = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].calibrate) cal = i, ++n;
    if (!steps[i].argv.empty() && steps[i].argv[0] == "tc" && first_tc == steps.size()) first_tc = i;
    if (steps[i].argv.size() > 4 && steps[i].argv[3] == "link") last_link = i;
  }
  EXPECT_EQ(n, 1u);
  EXPECT_LT(last_link, cal);
  EXPECT_LT(cal, first_tc);
}

TEST(FabricCalibrationUnit, StateKeepsTheFiguresAndAutoRateShapesTheLayout) {
  testing::TempDir dir("fc-cal-state");
  FabricState st{"a", "name=a,hosts=2,topology=switch,rate=auto,queue=100", 7, true, 1, {}};
  st.calibrated_port_bps = 213e6;
  st.calibrated_total_bps = 800e6;
  st.calibration_ns = 1'000'000'000;
  st.auto_rate_bps = 100'000'000;
  writeState(dir.path(), st);
  const auto back = readState(dir.path(), "a");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->calibrated_port_bps, 213e6);
  EXPECT_EQ(back->calibrated_total_bps, 800e6);
  EXPECT_EQ(back->auto_rate_bps, 100'000'000u);
  const auto l = layoutOfState(*back, "state");
  ASSERT_FALSE(l.ports.empty());
  for (const auto& p : l.ports) EXPECT_EQ(p.shaping.rate_bps, 100'000'000u);
  EXPECT_EQ(calibrationWarning(l, *back), "");
}

TEST(FabricCalibrationUnit, APortAboveTheCalibrationIsWarnedAboutInOneLine) {
  FabricState st{"w", "name=w,hosts=2,rate=1gbit", 7, true, 1, {}};
  st.calibrated_port_bps = 280e6;
  const std::string w = calibrationWarning(layoutOfState(st, "state"), st);
  EXPECT_EQ(w, "fabric 'w': port fc-w-sw:p0 is shaped to 1 Gbit/s but this machine forwarded 0.28 Gbit/s per port with all 2 hosts "
               "sending (calibration): figures above that measure the CPU, not the fabric (rate=auto picks a rate it carries)");
  st.calibrated_port_bps = 0;
  EXPECT_EQ(calibrationWarning(layoutOfState(st, "state"), st), "") << "not calibrated: nothing to compare";
}

TEST(FabricCalibrationUnit, SoftnetStatGivesBacklogDropsAndSqueezesPerCpu) {
  const std::string text =
      "0001e240 00000003 0000000a 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
      "00000010 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 00000000\n";
  const auto s = counters::parseSoftnetStat(text, "vm", "/proc/net/softnet_stat");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].name, "backlog_drops");
  EXPECT_EQ(s[0].value, 3u);
  EXPECT_EQ(s[0].labels.at("cpu"), "0");
  EXPECT_EQ(s[1].name, "time_squeeze");
  EXPECT_EQ(s[1].value, 10u);
  EXPECT_EQ(s[2].labels.at("cpu"), "2") << "column 13 is the CPU id";
  EXPECT_THROW(counters::parseSoftnetStat("0001 zz 03\n", "vm", "f"), Error);
}

}  // namespace
}  // namespace fabcheck::fabric
