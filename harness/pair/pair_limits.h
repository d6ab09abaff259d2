// What a pair server grants one client's test, whatever the client asks (ServerLimits,
// pair_types.h): the server's own --max-duration, --max-rate and --max-flows.
//
// Contract:
// - checkLimits(params, props, limits) throws ConfigError naming the requested value and the limit
//   when a request goes beyond one, never clips it silently:
//   "duration 100 s (warm-up included) exceeds the server's --max-duration 60 s",
//   "rate 40 Gbit/s exceeds the server's --max-rate 10 Gbit/s",
//   "flows 1024 exceeds the server's --max-flows 64". A packet rate counts as pps x size x 8.
//   A test by iterations (no duration) is allowed; the server stops its side at --max-duration.
// - paceServerFlows(plan, limits, me) gives the flows this side sends that have no rate (an
//   unpaced stream's reverse flows) an even share of --max-rate, so the server never sends faster
//   than its limit.
// - runLimitNs(params, limits): how long this side's flows may run: warm-up + duration when the
//   test has a duration, else --max-duration.
#pragma once

#include <cstdint>

#include "generators/patterns/pattern.h"
#include "harness/pair/pair_types.h"

namespace fabcheck::pair {

void checkLimits(const patterns::PatternParams& params, const ServerLimits& limits);
void paceServerFlows(patterns::PatternPlan& plan, const ServerLimits& limits, int me);
int64_t runLimitNs(const patterns::PatternParams& params, const ServerLimits& limits);

}  // namespace fabcheck::pair
