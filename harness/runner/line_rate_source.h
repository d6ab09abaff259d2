// The line rate a run's collectives are judged against (results/collective_line_rate.h: JCT
// ratio, busbw above the line rate), and where it came from.
//
// Contract of lineRateOf(suite, run): on an emulated fabric given as a spec (`--fabric SPEC`,
// launcher option fabric=), its switch ports' rate (spec `rate=`, default 1 Gbit/s): that is what
// the links carry, whatever the suite declares (the source then names the suite's value too);
// else the suite's fabric.line_rate_gbps (the suite or a site file) when > 0; else unknown, with
// how to set it. Never throws (a spec that does not parse leaves it to the suite, saying so).
// The SLO constant line_rate_gbps is not this: it comes from the suite only (slo/verdict.h
// constantsFor).
#pragma once

#include "harness/results/collective_line_rate.h"
#include "harness/runner/runner.h"
#include "harness/suite/suite.h"

namespace fabcheck {

results::LineRate lineRateOf(const suite::Suite& suite, const RunOptions& run);

}  // namespace fabcheck
