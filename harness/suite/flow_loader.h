// Internal to the suite loader and the flow patterns (harness/patterns/flow_patterns.h): the
// keys of a flow test (pattern pingpong, stream, microburst or incast) into t.spec.params,
// t.spec.placement, t.spec.seed, t.spec.outlier_ratio and t.spec.outlier_retests. Keys and
// examples: docs/suites.md.
//
// Contract: every bad value is one Diagnostic at its position (suite_reader.h), never an
// exception. A test's own `duration` or `iterations` overrides the other from `defaults:`;
// without either, pingpong runs 10000 iterations and the others 5 s.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "generators/patterns/pattern.h"
#include "harness/suite/suite.h"
#include "harness/suite/suite_reader.h"

namespace fabcheck::suite::detail {

// The keys the flow patterns read besides the common test keys.
const std::vector<std::string>& flowPatternKeys();

// Reads the flow keys. `kind`: the pattern's kind (nullopt: the pattern is unknown or missing,
// the keys are read for their own errors only); `incast`: the pattern is always placed as incast.
void loadFlowKeys(SuiteReader& r, std::optional<patterns::PatternKind> kind, bool incast, const TestKeys& keys,
                  const Fabric& fabric, SuiteTest& t);

// patterns::validate over a flow test's parameters, against its transport's largest message;
// its refusal is a diagnostic at the key it names (or at the test).
void validateFlowTest(SuiteReader& r, const Val& entry, const TestKeys& keys, const SuiteTest& t);

// The largest message of transport `name` (transport::transportKindProperties); nullopt when
// the name is unknown (its own diagnostic says so).
std::optional<uint32_t> maxMessageBytes(const std::string& transport);

}  // namespace fabcheck::suite::detail
