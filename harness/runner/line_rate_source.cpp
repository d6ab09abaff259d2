#include "harness/runner/line_rate_source.h"

#include <fmt/format.h>

#include "generators/core/errors.h"
#include "harness/fabric/fabric_spec.h"
#include "harness/fabric/fabric_state.h"

namespace fabcheck {

namespace {

constexpr const char* kFabricSource = "the emulated fabric's port rate";

std::string option(const RunOptions& run, const char* key) {
  const auto it = run.launcher_options.find(key);
  return it == run.launcher_options.end() ? "" : it->second;
}

// The rate of a fabric's ports from its spec: 0 for rate=auto (chosen by `up`).
double specRateGbps(const std::string& spec, const std::string& where) {
  const fabric::FabricSpec s = fabric::parseFabricSpec(spec, where);
  return s.rate_auto ? 0 : static_cast<double>(s.port.rate_bps) / 1e9;
}

// The emulated fabric's port rate in Gbit/s; 0 when not on one or not known (`why` says why).
double emulatedPortRateGbps(const RunOptions& run, std::string& why) {
  if (run.launcher != "emulated") return 0;
  const std::string spec = option(run, "fabric");
  std::string name = option(run, "fabric_name");
  try {
    if (name.empty() && !spec.empty()) name = fabric::parseFabricSpec(spec, "--fabric").name;
    if (const auto state = fabric::readState(fabric::defaultStateDir(), name); state && state->complete) {
      if (state->auto_rate_bps > 0) return static_cast<double>(state->auto_rate_bps) / 1e9;
      return specRateGbps(state->spec, "fabric " + name + "'s state");
    }
    if (!spec.empty()) return specRateGbps(spec, "--fabric");
  } catch (const Error& e) {
    why = " (the emulated fabric's rate could not be read: " + std::string(e.what()) + ")";
  }
  return 0;
}

}  // namespace

results::LineRate lineRateOf(const suite::Suite& suite, const RunOptions& run) {
  results::LineRate r;
  std::string why_fabric;
  const double emulated = emulatedPortRateGbps(run, why_fabric);
  const double declared = suite.fabric.line_rate_gbps;
  if (emulated > 0) {
    r.gbps = emulated;
    r.source = kFabricSource;
    if (declared > 0 && declared != emulated) r.source += fmt::format("; the suite declares {:g} Gbit/s", declared);
  } else if (declared > 0) {
    r.gbps = declared;
    r.source = "fabric.line_rate_gbps" + why_fabric;
  } else {
    r.why_unknown = "set fabric.line_rate_gbps in the suite or a site file" + why_fabric;
  }
  return r;
}

bool lineRateIsTheFabrics(const results::LineRate& rate) { return rate.gbps > 0 && rate.source.rfind(kFabricSource, 0) == 0; }

}  // namespace fabcheck
