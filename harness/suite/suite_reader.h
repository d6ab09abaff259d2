// Internal to the suite loader (suite_loader.cpp, collective_loader.cpp): YAML values with the
// file they came from, and typed readers shared by the loader's parts.
//
// Contract: a reader either returns the value or records ONE Diagnostic at the value's position
// ("file:line:col: <key> '<value>': <what was expected>") and returns nullopt, so loading goes
// on and every problem of the files is reported at once. Readers never throw.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "generators/core/errors.h"
#include "generators/patterns/pattern.h"
#include "harness/suite/suite_loader.h"

namespace fabcheck::suite::detail {

// A YAML value and the file it came from.
struct Val {
  YAML::Node node;
  const std::string* file = nullptr;
};

SourcePos posOf(const Val& v);

// Test keys that `defaults:` may not give (they belong to one test).
extern const std::set<std::string> kNotDefaults;

// One test's keys: its own entries, and the suite's defaults (after site files).
struct TestKeys {
  const std::map<std::string, Val>& own;
  const std::map<std::string, Val>& defaults;

  // The test's own value, else the default (never for kNotDefaults keys); nullptr: neither.
  const Val* get(const std::string& key) const;
  bool isOwn(const std::string& key) const { return own.count(key) > 0; }
};

class SuiteReader {
 public:
  std::vector<Diagnostic> diags;

  void error(const Val& v, const std::string& message);
  static std::string describe(const YAML::Node& n);  // "'text'", "a list", "a mapping", "nothing"

  // Checks the keys of a mapping; returns its entries by key. `what` names it in messages.
  // Unknown keys suggest the nearest known one; duplicates are errors.
  std::map<std::string, Val> entries(const Val& map, const std::vector<std::string>& known, const std::string& what);

  std::optional<std::string> scalar(const Val& v, const std::string& key, const std::string& expected);
  std::optional<std::string> text(const Val& v, const std::string& key);
  std::optional<int64_t> integer(const Val& v, const std::string& key, int64_t lo, int64_t hi);
  std::optional<double> number(const Val& v, const std::string& key);  // finite, > 0
  std::optional<bool> boolean(const Val& v, const std::string& key);
  std::optional<int> ecn(const Val& v, const std::string& key);
  // One of `choices`; with dashes_as_underscores, "all-reduce" reads as "all_reduce" (the
  // normalised name is returned).
  std::optional<std::string> oneOf(const Val& v, const std::string& key, const std::vector<std::string>& choices,
                                   bool dashes_as_underscores = false);
  // `rate:` into p.rate_bps / p.rate_pps: a rate (units.h) or N% of fabric.line_rate_gbps;
  // above the fabric's line rate is an error. Returns false (with a diagnostic) when refused.
  bool rate(const Val& v, double line_rate_gbps, patterns::PatternParams& p);

  // Runs a units.h parser with the key as `where`; its ConfigError becomes a diagnostic.
  template <typename F>
  auto unit(const Val& v, const std::string& key, const std::string& expected, F parse)
      -> std::optional<decltype(parse(std::string_view(), std::string_view()))> {
    auto s = scalar(v, key, expected);
    if (!s) return std::nullopt;
    try {
      return parse(*s, key);
    } catch (const ConfigError& e) {
      error(v, e.what());
      return std::nullopt;
    }
  }
};

// " 'text'" for a scalar, "" otherwise: to name a value in a message after its key.
std::string quoted(const Val& v);

}  // namespace fabcheck::suite::detail
