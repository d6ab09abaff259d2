// Internal to the suite loader: the keys of a collective test (pattern all_reduce,
// reduce_scatter, all_gather, all_to_all or broadcast) into model::CollectiveSpec.
// Keys and examples: docs/suites.md "Collective tests".
//
// Contract:
// - Every bad value is one Diagnostic at its position (suite_reader.h), never an exception.
// - Only a key the test sets itself is checked for whether it applies: a key of the flow
//   patterns (placement, flows, duration...) on a collective test is an error (the loader's
//   foreign-key check, with collectiveKeyNotHere's reasons), and so is a collective key on
//   another pattern; from `defaults:` such keys are ignored, so one defaults section serves
//   both kinds of test. The same holds for `root` (broadcast only), an `algorithm` the kind
//   does not implement and a packet rate (pps).
// - Sizes are S in bytes (units converted here); `size` is one size or a sweep
//   "min:max:factor" (min and max with units, factor a whole number >= 2).
// - When the test's agent count is known (`agents: N`), patterns::validate runs for every size
//   and its refusal is reported at `size` (or at `agents` when the size is the default).
#pragma once

#include <string>
#include <vector>

#include "generators/patterns/collective_kind.h"
#include "harness/suite/suite.h"
#include "harness/suite/suite_reader.h"

namespace fabcheck::suite::detail {

// The keys a collective test reads besides the common test keys (its own and size,
// iterations, warmup_iterations, payload_check, rate).
const std::vector<std::string>& collectivePatternKeys();

// Why a flow pattern's key does not apply to a collective of `kind` (Pattern::keyNotHere);
// "" for a key it has no reason for.
std::string collectiveKeyNotHere(const std::string& key, patterns::CollectiveKind kind);

// Reads the collective keys of `keys` into t.spec.collective. t.spec.transport and
// t.participants must be read already (message_size's bound and validation depend on them);
// validation with the agents runs only when no diagnostic came after `errors_before`.
void loadCollective(SuiteReader& r, const Val& entry, const TestKeys& keys, patterns::CollectiveKind kind,
                    double line_rate_gbps, size_t errors_before, SuiteTest& t);

}  // namespace fabcheck::suite::detail
