#include "generators/patterns/pattern.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"

namespace fabcheck::patterns {
namespace {

PatternParams stream() {
  PatternParams p;
  p.kind = PatternKind::kStream;
  p.size_bytes = 1400;
  p.duration_ns = 1'000'000'000;
  return p;
}

std::string errorOf(const PatternParams& p) {
  try {
    validate(p, 65507, "udp");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Pattern, PlanSplitsTheRateOverFlowsAndDirections) {
  PatternParams p = stream();
  p.flows = 4;
  p.rate_bps = 4e9;
  p.bidirectional = true;
  PatternPlan plan = planPair(p);
  ASSERT_EQ(plan.flows.size(), 8u);
  for (uint32_t i = 0; i < 8; ++i) {
    EXPECT_EQ(plan.flows[i].flow_id, i);
    EXPECT_DOUBLE_EQ(plan.flows[i].rate_bps, 1e9);
    EXPECT_EQ(plan.flows[i].sender, i < 4 ? 0 : 1);
    EXPECT_EQ(plan.flows[i].receiver, i < 4 ? 1 : 0);
  }
}

TEST(Pattern, RolesFollowThePattern) {
  PatternParams p = stream();
  p.kind = PatternKind::kPingpong;
  EXPECT_EQ(planPair(p).flows[0].role, FlowRole::kPingpong);
  p.kind = PatternKind::kMicroburst;
  EXPECT_EQ(planPair(p).flows[0].role, FlowRole::kBurst);
}

TEST(Pattern, ValidationNamesTheOffendingParameter) {
  PatternParams p = stream();
  EXPECT_EQ(errorOf(p), "");
  p.size_bytes = 70000;
  EXPECT_EQ(errorOf(p), "--size 70000: above the udp transport's maximum message of 65507 bytes");
  p.size_bytes = 16;
  EXPECT_EQ(errorOf(p), "--size 16: below the minimum of 32 bytes (the fabcheck message header)");
  p = stream();
  p.iterations = 5;
  EXPECT_EQ(errorOf(p), "give exactly one of --duration and --iterations");
  p = stream();
  p.kind = PatternKind::kMicroburst;
  EXPECT_NE(errorOf(p).find("--burst"), std::string::npos);
  p.burst_bytes = 100;
  p.burst_interval_ns = 1000;
  EXPECT_NE(errorOf(p).find("smaller than one message"), std::string::npos);
  p = stream();
  p.kind = PatternKind::kPingpong;
  p.rate_bps = 1e9;
  EXPECT_NE(errorOf(p).find("does not apply to pattern pingpong"), std::string::npos);
  p = stream();
  p.flows = 0;
  EXPECT_NE(errorOf(p).find("--flows 0"), std::string::npos);
}

TEST(Pattern, ParamsRoundTripThroughJson) {
  PatternParams p = stream();
  p.kind = PatternKind::kMicroburst;
  p.burst_bytes = 64000;
  p.burst_interval_ns = 100000;
  p.flows = 3;
  nlohmann::json j = p;
  PatternParams q = j.get<PatternParams>();
  EXPECT_EQ(nlohmann::json(q), j);
  j["pattern"] = "warp";
  EXPECT_THROW(j.get<PatternParams>(), ProtocolError);
}

TEST(Pattern, UnknownPatternNameIsAConfigError) {
  EXPECT_THROW(parsePatternKind("warp", "--pattern"), ConfigError);
  EXPECT_EQ(parsePatternKind("pingpong", "--pattern"), PatternKind::kPingpong);
}

}  // namespace
}  // namespace fabcheck::patterns
