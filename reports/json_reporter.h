// The JSON results file: one object {context..., agents, tests: [...], end}. It is rewritten
// whole after every event through a temporary file and rename(), so at any moment — also after
// Ctrl-C or a crash — the file on disk is complete, valid JSON with what finished
// ("complete": false until finish()).
#pragma once

#include <string>

#include "reports/reporter.h"

namespace fabcheck::reports {

class JsonReporter : public Reporter {
 public:
  explicit JsonReporter(std::string path);  // throws ConfigError when the directory is not writable
  void begin(const nlohmann::json& context) override;
  void agents(const nlohmann::json& agents) override;
  void test(const nlohmann::json& record) override;
  void finish(const nlohmann::json& end) override;
  std::string describe() const override { return "json: " + path_; }

 private:
  void write();
  std::string path_;
  nlohmann::json doc_;
};

}  // namespace fabcheck::reports
