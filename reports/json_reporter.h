// The JSON results file (docs/results.md): one object {context..., agents, tests: [...], end,
// complete}. Rewritten whole after every event (whole_file_reporter.h); "complete" is false
// until finish(). Each test record is kept as its indented text, not as a JSON tree; the file is
// byte for byte what dumping the whole document with an indent of 2 gives.
#pragma once

#include <string>
#include <vector>

#include "reports/whole_file_reporter.h"

namespace fabcheck::reports {

class JsonReporter : public WholeFileReporter {
 public:
  explicit JsonReporter(std::string path);  // throws ConfigError when the directory is not writable

 protected:
  std::string render(const RunSoFar& run) const override;
  bool keepRecord(const nlohmann::json& record) override;

 private:
  std::vector<std::string> test_texts_;  // each record dumped at the tests array's indent
};

}  // namespace fabcheck::reports
