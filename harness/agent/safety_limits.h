// The limits an agent is launched with, so that a mistaken suite cannot flood a production
// fabric, and the check of one round's plan against them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "generators/patterns/pattern.h"

namespace fabcheck::agent {

struct SafetyLimits {
  double max_rate_bps = 0;          // per agent, over its sending flows; 0 = no limit
  int64_t max_duration_ns = 0;      // per test (warm-up included); 0 = no limit
  std::vector<std::string> allowed_interfaces;  // empty = any
};

// Why agent `me` refuses `plan` (one line: "the plan sends 10 Gb/s from this agent, above its
// limit of 1 Gb/s"), or "" when the plan is within its limits. A flow with its own parameters
// (a probe) is checked with them; `interface` is the data interface the plan binds to.
std::string checkLimits(const SafetyLimits& limits, const patterns::PatternParams& params,
                        const patterns::PatternPlan& plan, int me, const std::string& interface);

}  // namespace fabcheck::agent
