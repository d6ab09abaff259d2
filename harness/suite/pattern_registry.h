// The pattern registry: every Pattern (pattern_plugin.h) by name, in the order messages list
// them (pingpong, stream, microburst, incast, all_reduce, reduce_scatter, all_gather,
// all_to_all, broadcast), then any added at run time (addPattern).
//
// Contract:
// - The built-ins come from harness/patterns/builtin_patterns.cpp (one line each), loaded on
//   first use. Names are unique; addPattern() refuses a taken one (ConfigError).
// - Recognising a spec or a record asks the patterns in reverse order (the latest first), so a
//   more specific pattern registered after a general one wins: incast (a microburst placed as
//   incast) before microburst, a pattern added at run time before every built-in.
// - Lookups return shared pointers: a pattern stays valid while a caller holds it, even if it
//   is removed meanwhile. Adding and removing are for start-up and tests; they are thread-safe
//   but a run should not change the registry while it runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/suite/pattern_plugin.h"

namespace fabcheck::suite {

using PatternPtr = std::shared_ptr<const Pattern>;

// Every pattern, built-ins first.
std::vector<PatternPtr> patternRegistry();

// The pattern named `name`; nullptr when none is.
PatternPtr findPattern(std::string_view name);

// "pingpong, stream, ..." — every pattern's name, for messages.
std::string patternNameList();

// The pattern a spec is: the latest whose describes(spec) holds. Throws ConfigError
// "test 'x': no registered pattern describes it (pattern 'y')" when none does.
PatternPtr patternFor(const model::TestSpec& spec);

// The metric family of a summary record by its "pattern" and "placement" fields (the latest
// pattern whose summarizedAs() holds); `pattern` itself when none does.
std::string metricFamilyOf(std::string_view pattern, std::string_view placement);

// The names of the patterns that take test key `key` (Pattern::keys()), in registry order.
std::vector<std::string> patternsTaking(const std::string& key);

// Changes with every addPattern()/removePattern() (caches keyed on the registry compare it).
uint64_t patternRegistryGeneration();

// Adds a pattern after the others; throws ConfigError when its name is taken or empty.
void addPattern(PatternPtr pattern);
// Removes the pattern named `name` (a built-in too); false when there was none.
bool removePattern(std::string_view name);

// Adds a pattern for the lifetime of this object (tests).
class ScopedPattern {
 public:
  explicit ScopedPattern(PatternPtr pattern);
  ~ScopedPattern();
  ScopedPattern(const ScopedPattern&) = delete;
  ScopedPattern& operator=(const ScopedPattern&) = delete;

 private:
  std::string name_;
};

// The built-in patterns, in registry order (defined in harness/patterns/builtin_patterns.cpp).
std::vector<PatternPtr> builtinPatterns();

}  // namespace fabcheck::suite
