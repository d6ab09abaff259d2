// lateStartError (harness/agent/late_start.h): when a late start takes too much of the measured
// windows of the flows an agent sends.
#include <gtest/gtest.h>

#include <string>

#include "harness/agent/late_start.h"

namespace fabcheck::agent {
namespace {

namespace msg = protocol::msg;

constexpr int64_t kMs = 1'000'000;

// Agent 0 sends flow 0 (the test's parameters: 300 ms, warm-up 50 ms) and receives flow 1.
msg::Setup lateSetup() {
  msg::Setup s;
  s.params.duration_ns = 300 * kMs;
  s.params.warmup_ns = 50 * kMs;
  patterns::FlowSpec out;
  out.flow_id = 0;
  out.sender = 0;
  out.receiver = 1;
  patterns::FlowSpec in = out;
  in.flow_id = 1;
  in.sender = 1;
  in.receiver = 0;
  s.flows = {out, in};
  s.me = 0;
  return s;
}

TEST(LateStart, OnTimeOrWithinTheWarmUpAndTenPercentIsNoError) {
  const msg::Setup s = lateSetup();
  EXPECT_EQ(lateStartError(0, s), "");
  EXPECT_EQ(lateStartError(-5 * kMs, s), "");  // early
  EXPECT_EQ(lateStartError(50 * kMs, s), "");  // the warm-up absorbs it
  EXPECT_EQ(lateStartError(80 * kMs, s), "");  // 30 ms of 300: exactly 10%
}

TEST(LateStart, BeyondTheAllowanceNamesTheLatenessTheFlowAndTheShareLost) {
  const msg::Setup s = lateSetup();
  EXPECT_EQ(lateStartError(81 * kMs, s),
            "heard the start 81.0 ms after its instant: flow 0 lost 10% of its 300.0 ms measured window (its "
            "warm-up absorbs 50.0 ms); the controller's start margin was too short for this host: raise start_delay");
  EXPECT_NE(lateStartError(2000 * kMs, s).find("flow 0 lost 100% of its 300.0 ms"), std::string::npos);
}

TEST(LateStart, OnlyTheFlowsTheAgentSendsCountAndAFlowsOwnParametersWin) {
  msg::Setup s = lateSetup();
  s.me = 2;  // sends nothing
  EXPECT_EQ(lateStartError(2000 * kMs, s), "");
  s.me = 1;  // sends flow 1, which runs its own 10 s window with no warm-up
  patterns::PatternParams own = s.params;
  own.duration_ns = 10'000 * kMs;
  own.warmup_ns = 0;
  s.flows[1].params = own;
  EXPECT_EQ(lateStartError(900 * kMs, s), "");  // 9%
  EXPECT_NE(lateStartError(1500 * kMs, s).find("flow 1 lost 15% of its 10000.0 ms"), std::string::npos);
}

TEST(LateStart, FlowsMeasuredByIterationsAreNotJudged) {
  msg::Setup s = lateSetup();
  s.params.duration_ns = 0;
  s.params.iterations = 1000;
  EXPECT_EQ(lateStartError(5000 * kMs, s), "");
}

}  // namespace
}  // namespace fabcheck::agent
