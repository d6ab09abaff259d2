#include "harness/agent/late_start.h"

#include <fmt/format.h>

namespace fabcheck::agent {

std::string lateStartError(int64_t late_ns, const protocol::msg::Setup& setup) {
  if (late_ns <= 0) return "";
  double worst_share = 0;
  const patterns::FlowSpec* worst = nullptr;
  for (const auto& f : setup.flows) {
    if (f.sender != setup.me) continue;
    const patterns::PatternParams& p = f.params ? *f.params : setup.params;
    if (p.duration_ns <= 0) continue;  // measured by iterations: the window follows the sender
    const int64_t cut = std::min(late_ns - p.warmup_ns, p.duration_ns);
    const double share = static_cast<double>(cut) / static_cast<double>(p.duration_ns);
    if (share > worst_share) {
      worst_share = share;
      worst = &f;
    }
  }
  if (worst == nullptr || worst_share <= kLateStartLossAllowed) return "";
  const patterns::PatternParams& p = worst->params ? *worst->params : setup.params;
  return fmt::format(
      "heard the start {:.1f} ms after its instant: flow {} lost {:.0f}% of its {:.1f} ms measured window "
      "(its warm-up absorbs {:.1f} ms); the controller's start margin was too short for this host: raise "
      "start_delay",
      static_cast<double>(late_ns) / 1e6, worst->flow_id, worst_share * 100, static_cast<double>(p.duration_ns) / 1e6,
      static_cast<double>(p.warmup_ns) / 1e6);
}

}  // namespace fabcheck::agent
