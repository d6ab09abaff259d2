// The JSON results file (docs/results.md): one object {context..., agents, tests: [...], end,
// complete}. Rewritten whole after every event (whole_file_reporter.h); "complete" is false
// until finish().
#pragma once

#include <string>

#include "reports/whole_file_reporter.h"

namespace fabcheck::reports {

class JsonReporter : public WholeFileReporter {
 public:
  explicit JsonReporter(std::string path);  // throws ConfigError when the directory is not writable

 protected:
  std::string render(const RunSoFar& run) const override;
};

}  // namespace fabcheck::reports
