// A test's rounds: what the controller runs, one round after the other, each a set of flows
// between placement indexes (pure, no I/O).
//
// Which of these a test is, its pattern decides (harness/suite/pattern_registry.h):
// - A flow test: the placement's rounds (one; a matrix: one per matching), after checking the
//   parameters against each other and the transport's largest message.
// - A collective: one round per size of the sweep; every link of the schedule is a flow (id =
//   its index in CollectiveSchedule::flows(), as the agents compute it), with each round's
//   collective parameters beside it.
// - A probe (latency under load) appends its pingpong flow, with its own parameters, to the
//   single round.
// Every refusal is a ConfigError naming the test and the value.
#pragma once

#include <cstdint>
#include <vector>

#include "generators/patterns/collective_params.h"
#include "generators/patterns/pattern.h"
#include "harness/model/test_spec.h"
#include "harness/suite/pattern_plugin.h"

namespace fabcheck::plan {

using TestRounds = suite::PatternRounds;  // harness/suite/pattern_plugin.h

// Throws ConfigError when `who` (agent ids in placement order) names an agent outside
// 0..registered-1 or one agent twice.
void checkTestAgents(const model::TestSpec& spec, const std::vector<int>& who, int registered);

// The test's rounds for `agents` participants, planned by its pattern (suite::patternFor(spec),
// pattern_registry.h), with its probe; throws ConfigError for what cannot run.
TestRounds planTestRounds(const model::TestSpec& spec, int agents);

// What the patterns' plan() use:
// A flow test's rounds: its placement's (patterns::placeRounds) after patterns::validate
// against the transport's largest message (transport::transportKindProperties). A matrix
// without a probe comes as lazy rounds (PatternRounds::lazy_round, patterns::placeMatrixRound):
// the same rounds, each computed when asked for.
TestRounds planFlowRounds(const model::TestSpec& spec, int agents);
// A collective test's rounds (spec.collective), one per size of its sweep.
TestRounds planCollectiveRounds(const model::TestSpec& spec, int ranks);

// How long a round's traffic may run: its longest flow; by iterations, generously bounded; a
// collective round: its timeout.
int64_t roundRunNs(const model::TestSpec& spec, const patterns::PatternPlan& round);

}  // namespace fabcheck::plan
