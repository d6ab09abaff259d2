// Pattern plug-ins: what a suite's `pattern:` names, from its keys to its summary. Each pattern
// (pingpong, stream, microburst, incast, and the collectives all_reduce, reduce_scatter,
// all_gather, all_to_all, broadcast) is one Pattern; pattern_registry.h holds them.
//
// Contract of a Pattern (every member is const and pure: no I/O, no state between calls):
// - Describe: name() is what `pattern:` says (unique, lower case); description() is one line.
// - Suite keys: keys() are the test keys it reads besides the common ones (kCommonTestKeys:
//   name, participants, transport...). A key the test sets itself that this pattern does not
//   take is an error; keyNotHere() may say why in its own words, else the loader names the
//   patterns that take it. load() reads the keys into t.spec (t.spec.transport and
//   t.participants are read already); every bad value is one diagnostic at its position through
//   the SuiteReader, never an exception. check() runs afterwards only when the whole test
//   loaded without a diagnostic (cross-field checks that would repeat earlier errors).
// - Planning: describes() tells whether a TestSpec is this pattern's (a spec carries
//   spec.pattern when a suite loaded it; hand-built specs are recognised by their fields).
//   plan() gives the test's rounds for `agents` participants or throws ConfigError naming the
//   test and the value. makesLoad(): whether a latency-under-load probe can run beside it.
// - Metrics: metricFamily() is the name metrics and SLO messages use for it ("incast";
//   every collective is "collective"); metricGroups() are the shared metric groups it produces
//   (kMetric* below; counters come with every pattern); ownMetrics() are metrics only its
//   family has (harness/slo/metric_registry.h lists them after the shared ones).
//   summarize() writes the record's "pattern", "placement" and "metrics" (and any part of its
//   own, e.g. "collective", "matrix"); summarizedAs() recognises a record by those two fields.
// Adding a pattern: its own files (a class implementing this) in harness/patterns/ and one
// line in harness/patterns/builtin_patterns.cpp. Layering: docs/architecture.md.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/patterns/collective_params.h"
#include "generators/patterns/pattern.h"
#include "harness/model/agent_info.h"
#include "harness/model/test_outcome.h"
#include "harness/model/test_spec.h"
#include "harness/suite/suite.h"
#include "harness/suite/suite_reader.h"

namespace fabcheck::suite {

// Shared metric groups (harness/slo/metric_registry.cpp assigns every shared metric to some).
inline constexpr const char* kMetricPackets = "packets";        // packets, rates, one-way latency
inline constexpr const char* kMetricFlows = "flows";            // what receivers account per flow
inline constexpr const char* kMetricBursts = "bursts";          // bursts and their spread
inline constexpr const char* kMetricRoundTrips = "round_trips"; // a pingpong's round trips
inline constexpr const char* kMetricProbe = "probe";            // any test with a probe
inline constexpr const char* kMetricCounters = "counters";      // any test (counters around it)

// A metric only one pattern family produces.
struct PatternMetric {
  std::string name, unit, meaning, condition;
  std::vector<std::string> aliases;
  std::vector<std::string> deprecated;  // old names, accepted with a warning (slo/metric_registry.h)
};

// A test's rounds: what the controller runs, one round after the other.
struct PatternRounds {
  std::vector<patterns::PatternPlan> rounds;           // flows name placement indexes
  std::vector<patterns::CollectiveParams> collective;  // a collective: each round's parameters
  // Or rounds computed one at a time (a matrix of thousands of agents has thousands of rounds
  // and millions of flows): when lazy_round is set, `rounds` is empty and round r < lazy_count
  // is lazy_round(r); every placement index takes part in some round.
  size_t lazy_count = 0;
  std::function<patterns::PatternPlan(size_t)> lazy_round;

  size_t count() const { return lazy_round ? lazy_count : rounds.size(); }
  patterns::PatternPlan round(size_t r) const { return lazy_round ? lazy_round(r) : rounds.at(r); }
};

// What Pattern::load reads from.
struct PatternKeys {
  detail::SuiteReader& reader;
  const detail::Val& entry;      // the test's entry (position of test-level messages)
  const detail::TestKeys& keys;  // its own keys and the suite's defaults
  const Fabric& fabric;          // the suite's fabric (line rate)
  size_t errors_before;          // reader.diags.size() before this test's pattern keys
};

class Pattern {
 public:
  virtual ~Pattern() = default;

  virtual std::string name() const = 0;
  virtual std::string description() const = 0;

  virtual std::vector<std::string> keys() const = 0;
  // Why `key` does not apply to this pattern (the message after "key 'value': "); "" for the
  // loader's generic message naming the patterns that take it.
  virtual std::string keyNotHere(const std::string& key) const {
    (void)key;
    return "";
  }
  virtual void load(const PatternKeys& in, SuiteTest& t) const = 0;
  virtual void check(const PatternKeys& in, SuiteTest& t) const {
    (void)in;
    (void)t;
  }

  virtual bool describes(const model::TestSpec& spec) const { return spec.pattern == name(); }
  virtual PatternRounds plan(const model::TestSpec& spec, int agents) const = 0;
  virtual bool makesLoad() const { return true; }

  virtual std::string metricFamily() const { return name(); }
  virtual std::vector<std::string> metricGroups() const = 0;
  virtual std::vector<PatternMetric> ownMetrics() const { return {}; }
  virtual void summarize(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents,
                         nlohmann::json& record) const = 0;
  virtual bool summarizedAs(std::string_view pattern, std::string_view placement) const {
    (void)placement;
    return pattern == metricFamily();
  }
};

}  // namespace fabcheck::suite
