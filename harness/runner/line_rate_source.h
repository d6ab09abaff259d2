// The line rate a run is judged against — the SLO constant line_rate_gbps, and the collectives'
// JCT ratio and busbw-above-line-rate check (results/collective_line_rate.h) — and where it came
// from.
//
// Contract of lineRateOf(suite, run): on an emulated fabric (launcher emulated with fabric=SPEC or
// fabric_name=NAME), the fabric's switch-port rate: what the links carry, whatever the suite
// declares (the source then names the suite's value too). It is read from the fabric's state
// file when the fabric is up (the rate rate=auto chose), else from the spec (rate=auto before
// `up`: not known yet). Otherwise the suite's fabric.line_rate_gbps (the suite or a site file)
// when > 0; else unknown, with how to set it. Never throws (a spec or state that does not parse
// leaves it to the suite, saying so). Call it again once the agents are up: an emulated launcher
// brings its fabric up (and picks rate=auto's rate) at launch.
#pragma once

#include "harness/results/collective_line_rate.h"
#include "harness/runner/runner.h"
#include "harness/suite/suite.h"

namespace fabcheck {

results::LineRate lineRateOf(const suite::Suite& suite, const RunOptions& run);

// True when the rate came from an emulated fabric (it then replaces the suite's line_rate_gbps
// in the SLO constants).
bool lineRateIsTheFabrics(const results::LineRate& rate);

}  // namespace fabcheck
