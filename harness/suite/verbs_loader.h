// Internal to the suite loader: the verbs transport's flat test keys (verb, connection, qps,
// device, ... : generators/transport/verbs/verbs_options.h) into t.spec.transport_options.extra.
// Keys, defaults and the rule on one-sided verbs: docs/suites.md.
//
// Contract: every bad value is one Diagnostic at its position ("<key> '<value>': expected ..."),
// never an exception. A key the test sets itself on a transport other than verbs is an error; one
// from `defaults:` is ignored there (as a pattern's key from `defaults:` is).
//
// The suite key for the verbs option `timeout` (the local ACK timeout exponent) is `qp_timeout`
// (perftest's --qp-timeout): `timeout` already names the collectives' deadline.
#pragma once

#include <string>
#include <vector>

#include "harness/suite/suite.h"
#include "harness/suite/suite_reader.h"

namespace fabcheck::suite::detail {

// The suite keys, in verbs_options.h's order (qp_timeout in timeout's place).
const std::vector<std::string>& verbsSuiteKeys();

// The TransportOptions.extra key a suite key fills ("qp_timeout" -> "timeout", else itself).
std::string verbsExtraKey(const std::string& suite_key);

// Reads the verbs keys of a test whose transport is already set (t.spec.transport).
void loadVerbsKeys(SuiteReader& r, const TestKeys& keys, SuiteTest& t);

// What the loaded test cannot do over verbs: a one-sided verb (write, read: invisible to the
// receiver every suite pattern measures at), connection ud with a message above one MTU (4096)
// or with a verb other than send. Runs after the pattern's keys are loaded.
void checkVerbsTest(SuiteReader& r, const Val& entry, const TestKeys& keys, const SuiteTest& t);

}  // namespace fabcheck::suite::detail
