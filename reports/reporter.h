// Reporters: each writes a run's results in one format. Any number run at once; the console
// is always on. A reporter gets the run's context, then every test's record as it finishes,
// then finish() — also after an interrupt or an infrastructure failure, so what finished is
// always written.
//
// Records are JSON objects (the results schema, docs/results.md):
//   context: {schema_version, fabcheck_version, suite {name, description, file, site_files},
//             fabric, launcher, started_at (ISO-8601 UTC), controller_host}
//   agents:  [{id, host, version, pid, peer, clock_offset_ns, offset_bound_ns, lost, ...}]
//   test:    results/test_summary.h's object plus verdict ("pass" | "fail" | "error" |
//            "skipped") and slos [{expression, verdict, observed, threshold, reason, where}]
//   end:     {finished_at, duration_s, interrupted, error (null or the run-level failure),
//             counts {pass, fail, error, skipped}}
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fabcheck::reports {

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void begin(const nlohmann::json& context) = 0;
  virtual void agents(const nlohmann::json& agents) = 0;   // once the agents registered
  virtual void test(const nlohmann::json& record) = 0;
  // Every flow of the test just reported (its full metrics.per_flow, which the record may hold
  // only the worst of), when the suite asks for them (`report: {flows_sidecar: true}`,
  // docs/results.md); called after test(). Reporters without a place for them ignore it.
  virtual void flows(const std::string& test, const nlohmann::json& per_flow) {
    (void)test;
    (void)per_flow;
  }
  virtual void finish(const nlohmann::json& end) = 0;
  // Where the output went, for the console ("json: results.json").
  virtual std::string describe() const = 0;
};

// The reporter registry (reporter_registry.cpp): one row per format — its name (FORMAT in
// --report FORMAT:PATH), a one-line description and a factory given the output path. Adding a
// reporter is its own files plus one row in that table.
struct ReporterInfo {
  std::string name;          // "json"
  std::string description;   // one line, for help texts and docs
  std::unique_ptr<Reporter> (*create)(const std::string& path);
};

// Every format, in the order messages list them.
const std::vector<ReporterInfo>& reporterRegistry();

// "FORMAT:PATH", e.g. "json:out/results.json". Throws ConfigError naming the spec and the
// formats known ("--report 'xml:a': unknown format 'xml'; expected json:PATH, junit:PATH or html:PATH"),
// and ConfigError naming the path and the OS reason when its first write fails (a directory
// that is not writable, a disk already full).
std::unique_ptr<Reporter> createReporter(const std::string& spec);

}  // namespace fabcheck::reports
