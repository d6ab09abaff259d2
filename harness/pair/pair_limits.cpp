#include "harness/pair/pair_limits.h"

#include <fmt/format.h>

#include "generators/core/errors.h"

namespace fabcheck::pair {
namespace {

std::string seconds(int64_t ns) { return fmt::format("{:g} s", static_cast<double>(ns) / 1e9); }
std::string gbits(double bps) { return fmt::format("{:g} Gbit/s", bps / 1e9); }

}  // namespace

void checkLimits(const patterns::PatternParams& p, const ServerLimits& limits) {
  if (p.flows > limits.max_flows) {
    throw ConfigError(fmt::format("flows {} exceeds the server's --max-flows {}", p.flows, limits.max_flows));
  }
  // Both are checked non-negative by patterns::validate(); the sum cannot overflow past 2^63 then.
  const int64_t total_ns = p.warmup_ns > INT64_MAX - p.duration_ns ? INT64_MAX : p.warmup_ns + p.duration_ns;
  if (total_ns > limits.max_duration_ns) {
    throw ConfigError(fmt::format("duration {} (warm-up included) exceeds the server's --max-duration {}",
                                  seconds(total_ns), seconds(limits.max_duration_ns)));
  }
  if (p.rate_bps > limits.max_rate_bps) {
    throw ConfigError(fmt::format("rate {} exceeds the server's --max-rate {}", gbits(p.rate_bps),
                                  gbits(limits.max_rate_bps)));
  }
  const double pps_bits = p.rate_pps * static_cast<double>(p.size_bytes) * 8.0;
  if (pps_bits > limits.max_rate_bps) {
    throw ConfigError(fmt::format("rate {:g} packets/s of {} bytes ({}) exceeds the server's --max-rate {}",
                                  p.rate_pps, p.size_bytes, gbits(pps_bits), gbits(limits.max_rate_bps)));
  }
}

void paceServerFlows(patterns::PatternPlan& plan, const ServerLimits& limits, int me) {
  size_t unpaced = 0;
  for (const auto& f : plan.flows) unpaced += f.sender == me && f.rate_bps <= 0 && f.rate_pps <= 0;
  if (unpaced == 0) return;
  for (auto& f : plan.flows) {
    if (f.sender == me && f.rate_bps <= 0 && f.rate_pps <= 0) f.rate_bps = limits.max_rate_bps / static_cast<double>(unpaced);
  }
}

int64_t runLimitNs(const patterns::PatternParams& p, const ServerLimits& limits) {
  return p.duration_ns > 0 ? p.warmup_ns + p.duration_ns : limits.max_duration_ns;
}

}  // namespace fabcheck::pair
