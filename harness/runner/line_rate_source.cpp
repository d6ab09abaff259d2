#include "harness/runner/line_rate_source.h"

#include <fmt/format.h>

#include "generators/core/errors.h"
#include "harness/fabric/fabric_spec.h"

namespace fabcheck {

namespace {

// The emulated fabric's port rate in Gbit/s when the run builds one from a spec; 0 otherwise
// (`why` then says why a spec did not give one).
double emulatedPortRateGbps(const RunOptions& run, std::string& why) {
  const auto spec = run.launcher_options.find("fabric");
  if (run.launcher != "emulated" || spec == run.launcher_options.end()) return 0;
  try {
    return static_cast<double>(fabric::parseFabricSpec(spec->second, "--fabric").port.rate_bps) / 1e9;
  } catch (const ConfigError& e) {
    why = " (the emulated fabric's spec did not parse: " + std::string(e.what()) + ")";
    return 0;
  }
}

}  // namespace

results::LineRate lineRateOf(const suite::Suite& suite, const RunOptions& run) {
  results::LineRate r;
  std::string why_spec;
  const double emulated = emulatedPortRateGbps(run, why_spec);
  const double declared = suite.fabric.line_rate_gbps;
  if (emulated > 0) {
    r.gbps = emulated;
    r.source = "the emulated fabric's port rate (--fabric rate=)";
    if (declared > 0 && declared != emulated) r.source += fmt::format("; the suite declares {:g} Gbit/s", declared);
  } else if (declared > 0) {
    r.gbps = declared;
    r.source = "fabric.line_rate_gbps";
  } else {
    r.why_unknown = "set fabric.line_rate_gbps in the suite or a site file" + why_spec;
  }
  return r;
}

}  // namespace fabcheck
