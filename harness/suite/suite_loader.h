// Loading and validating suite files (YAML, yaml-cpp). Nothing runs before a suite is valid.
//
// Contract:
// - loadSuite() reads the suite and any site files (which may override `fabric:` and `defaults:`
//   values, e.g. this cluster's line_rate_gbps, so a shipped suite is reused unchanged; later
//   site files win) and returns the validated Suite, or throws SuiteError listing EVERY problem
//   found in the files, each one line: "file:line:col: <key> '<value>': <what was expected>".
//   Unknown keys suggest the nearest known one ("did you mean 'duration'?"); wrong types, bad
//   units, impossible values (negative or zero sizes, a rate above the fabric's line rate, a
//   pattern parameter that does not fit the pattern) and duplicate test names are all errors.
// - SLO expressions are kept as written (with their position); their metrics are checked by the
//   SLO layer.
// - Files that cannot be read are a SuiteError naming the file and the OS reason.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "generators/core/errors.h"
#include "harness/model/name_suggestion.h"
#include "harness/suite/suite.h"

namespace fabcheck::suite {

struct Diagnostic {
  SourcePos pos;
  std::string message;
  std::string str() const;  // "file:line:col: message"
};

class SuiteError : public ConfigError {
 public:
  explicit SuiteError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

Suite loadSuite(const std::string& path, const std::vector<std::string>& site_files = {});

// The same from text; `file` names it in positions. Site files are (name, text) pairs.
Suite parseSuite(const std::string& text, const std::string& file,
                 const std::vector<std::pair<std::string, std::string>>& site_files = {});

using model::nearestKey;  // harness/model/name_suggestion.h

}  // namespace fabcheck::suite
