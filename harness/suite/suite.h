// The suite model: what a suite file (YAML) says, after loading and validation.
// Loading: harness/suite/suite_loader.h. Keys and examples: docs/suites.md.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/model/test_spec.h"

namespace fabcheck::suite {

// Where a value came from; line and column are 1-based (0 = unknown).
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "file:line:col"
};

// Which agents a test runs on. All agents when hosts and labels are empty; else the agents on
// the named hosts, or on hosts carrying every label. `count` > 0 takes the first `count` of them.
struct Participants {
  std::vector<std::string> hosts;
  std::map<std::string, std::string> labels;
  int count = 0;
  SourcePos pos;
};

struct Slo {
  std::string expression;  // as written, e.g. "latency_us.p99 <= 25"
  SourcePos pos;
};

struct SuiteTest {
  model::TestSpec spec;   // pattern parameters, placement, transport and its options
  std::string description;
  Participants participants;
  std::vector<Slo> slos;
  SourcePos pos;               // the test's entry in `tests`
};

struct Fabric {
  std::string transport = "udp";
  int dscp = 0;
  int ecn = 0;
  double line_rate_gbps = 0;   // 0 = unknown (rates are then not checked against it)
  int mtu = 0;                 // 0 = unknown
  std::string interface;       // data-path interface on every agent ("" = routed)
};

// How test records report their flows (the suite's top-level `report:` key, site files may set
// it too; docs/suites.md, docs/results.md). per_flow "auto": every flow while a test has at
// most `inline_flows`, else only the `worst_flows` worst; "worst": always only the worst;
// "all": every flow. flows_sidecar: every flow of every test also in REPORT.flows.jsonl.
struct ReportSettings {
  std::string per_flow = "auto";
  int worst_flows = 20;
  int inline_flows = 64;
  bool flows_sidecar = false;
};

struct Suite {
  std::string name;
  std::string description;
  std::string file;
  std::vector<std::string> site_files;
  // The run may go on when at least this many agents came (RunOptions::min_agents); 0: all must.
  int min_agents = 0;
  SourcePos min_agents_pos;
  Fabric fabric;
  ReportSettings report;
  std::vector<SuiteTest> tests;

  // The most agents any test asks for explicitly (agents/fan_in), at least 2.
  int agentsWanted() const;
};

}  // namespace fabcheck::suite
