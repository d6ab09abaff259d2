// Internal to the suite loader: a test's `probe:` (latency under load, model::ProbeSpec) —
// a pingpong probe between two of the test's agents while its own traffic loads the fabric.
// Keys: size (32 bytes to the transport's largest message), dscp, between, idle_duration,
// reply_timeout, warmup_iterations; docs/suites.md "Latency under load".
//
// Contract: every bad value is one Diagnostic at its position; a probe is refused (one
// diagnostic at `probe`) beside a pattern that makes no load (Pattern::makesLoad()), a
// collective sweep of several sizes, or placement matrix (both run several rounds).
#pragma once

#include "harness/suite/pattern_plugin.h"
#include "harness/suite/suite.h"
#include "harness/suite/suite_reader.h"

namespace fabcheck::suite::detail {

// Reads `v` into t.spec.probe; `pattern` is the test's (nullptr: unknown).
void loadProbe(SuiteReader& r, const Val& v, const Pattern* pattern, SuiteTest& t);

}  // namespace fabcheck::suite::detail
