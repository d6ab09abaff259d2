#include "harness/agent/safety_limits.h"

#include <algorithm>

#include "harness/model/units.h"

namespace fabcheck::agent {

std::string checkLimits(const SafetyLimits& limits, const patterns::PatternParams& params,
                        const patterns::PatternPlan& plan, int me, const std::string& interface) {
  double rate = 0;
  bool unlimited = false, by_iterations = false;
  int64_t duration = 0;
  for (const auto& f : plan.flows) {
    if (f.sender != me && f.receiver != me) continue;
    const patterns::PatternParams& p = f.params ? *f.params : params;  // a probe has its own
    if (p.duration_ns == 0) by_iterations = true;
    duration = std::max(duration, p.warmup_ns + p.duration_ns);
    if (f.sender != me) continue;
    const bool paced_role = f.role == patterns::FlowRole::kStream || f.role == patterns::FlowRole::kCollective;
    if (paced_role && f.rate_bps == 0 && f.rate_pps == 0) unlimited = true;
    rate += f.rate_bps + f.rate_pps * p.size_bytes * 8;
  }
  if (limits.max_rate_bps > 0 && (unlimited || rate > limits.max_rate_bps)) {
    return "the plan sends " + (unlimited ? std::string("at an unlimited rate") : model::formatRate(rate)) +
           " from this agent, above its limit of " + model::formatRate(limits.max_rate_bps);
  }
  if (limits.max_duration_ns > 0 && (by_iterations || duration > limits.max_duration_ns)) {
    return "the plan runs " + (by_iterations ? std::string("by iterations (unbounded time)")
                                             : model::formatDuration(duration)) +
           ", above this agent's limit of " + model::formatDuration(limits.max_duration_ns);
  }
  if (!limits.allowed_interfaces.empty()) {
    bool ok = false;
    for (const auto& i : limits.allowed_interfaces) ok |= i == interface;
    if (!ok) return "interface '" + interface + "' is not among the interfaces this agent may use";
  }
  return "";
}

}  // namespace fabcheck::agent
