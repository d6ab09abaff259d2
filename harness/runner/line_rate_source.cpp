#include "harness/runner/line_rate_source.h"

#include "generators/core/errors.h"
#include "harness/fabric/fabric_spec.h"

namespace fabcheck {

results::LineRate lineRateOf(const suite::Suite& suite, const RunOptions& run) {
  results::LineRate r;
  if (suite.fabric.line_rate_gbps > 0) {
    r.gbps = suite.fabric.line_rate_gbps;
    r.source = "fabric.line_rate_gbps";
    return r;
  }
  r.why_unknown = "set fabric.line_rate_gbps in the suite or a site file";
  const auto spec = run.launcher_options.find("fabric");
  if (run.launcher != "emulated" || spec == run.launcher_options.end()) return r;
  try {
    const fabric::FabricSpec f = fabric::parseFabricSpec(spec->second, "--fabric");
    r.gbps = static_cast<double>(f.port.rate_bps) / 1e9;
    r.source = "the emulated fabric's port rate (--fabric rate=)";
  } catch (const ConfigError& e) {
    r.why_unknown += " (the emulated fabric's spec did not parse: " + std::string(e.what()) + ")";
  }
  return r;
}

}  // namespace fabcheck
