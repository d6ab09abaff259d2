// Internal to the suite loader: the suite's (and site files') top-level `report:` key into
// Suite::report (suite.h ReportSettings).
//
//   report:
//     per_flow: auto       # auto | worst | all: which flows a test record keeps in metrics.per_flow
//     worst_flows: 20      # how many with `worst` (and `auto` above inline_flows), 1..10000
//     inline_flows: 64     # `auto` keeps every flow up to this many, 0..100000
//     flows_sidecar: false # also every flow of every test in REPORT.flows.jsonl (the JSON report's path)
//
// Contract: every bad value is one Diagnostic at its position, never an exception; unknown keys
// suggest the nearest. Called with the suite's entries, then each site file's (later ones win
// key by key). Docs: docs/suites.md, docs/results.md.
#pragma once

#include <map>
#include <string>

#include "harness/suite/suite.h"
#include "harness/suite/suite_reader.h"

namespace fabcheck::suite::detail {

extern const std::vector<std::string> kReportKeys;

void loadReportKeys(SuiteReader& r, const std::map<std::string, Val>& entries, ReportSettings& s);

}  // namespace fabcheck::suite::detail
