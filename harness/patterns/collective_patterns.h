// The collectives as plug-ins (harness/suite/pattern_plugin.h): all_reduce, reduce_scatter,
// all_gather, all_to_all and broadcast — one CollectivePattern per patterns::CollectiveKind.
// Keys: harness/suite/collective_loader.h; rounds (one per size of the sweep):
// harness/plan/test_rounds.h; record and metrics: harness/results/collective_summary.h.
// Every collective is of metric family "collective" and owns its metrics (nccl-tests' figures:
// busbw with the kind's factor, algbw, iteration times, stragglers).
#pragma once

#include <string>

#include "generators/patterns/collective_kind.h"
#include "harness/suite/pattern_registry.h"

namespace fabcheck::pattern_plugins {

suite::PatternPtr collectivePattern(patterns::CollectiveKind kind, std::string description);

}  // namespace fabcheck::pattern_plugins
