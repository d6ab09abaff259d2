// FabricManager::trialAutoRate (fabric_manager.h): rate=auto's trials through shaped ports.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "harness/fabric/fabric_calibration.h"
#include "harness/fabric/fabric_manager.h"
#include "harness/fabric/fabric_plan.h"
#include "harness/model/units.h"

namespace fabcheck::fabric {
namespace {

constexpr int kMaxRateTrials = 8;  // 500 Mbit/s down to 70 Mbit/s

std::string argvText(const std::vector<std::string>& argv) {
  std::string t;
  for (const auto& a : argv) t += (t.empty() ? "" : " ") + a;
  return t;
}

}  // namespace

uint64_t FabricManager::trialAutoRate(const FabricLayout& layout, uint64_t rate, std::string& trials) {
  for (int i = 0; i < kMaxRateTrials; ++i) {
    FabricSpec s = layout.spec;
    s.port.rate_bps = rate;
    s.port.delay_ns = 0;
    s.links.clear();
    const FabricLayout trial = makeLayout(s, layout.net);
    auto unshape = [&] {
      for (const auto& p : trial.ports) run({"tc", "-n", p.ns, "qdisc", "del", "dev", p.dev, "root"});
    };
    std::optional<Calibration> c;
    try {
      for (const auto& p : trial.ports) {
        for (const auto& argv : shapingCommands(p)) {
          if (const auto r = run(argv); !r.ok()) throw FabricError("rate=auto trial: `" + argvText(argv) + "` failed: " + r.why());
        }
      }
      c = calibrateFabric(trial, kRateTrialNs, static_cast<double>(rate));
    } catch (...) {
      unshape();
      throw;
    }
    unshape();
    double slowest = 0;
    if (c && !c->port_bps.empty()) slowest = *std::min_element(c->port_bps.begin(), c->port_bps.end());
    trials += (trials.empty() ? "" : "; ") + model::formatRate(static_cast<double>(rate)) + ": slowest host " + model::formatRate(slowest);
    if (c && carriesRate(*c, rate)) return rate;
    const uint64_t lower = nextLowerRate(rate);
    if (lower == 0 || i + 1 == kMaxRateTrials) break;
    rate = lower;
  }
  trials += " (none carried: the last tried)";
  return rate;
}

}  // namespace fabcheck::fabric
