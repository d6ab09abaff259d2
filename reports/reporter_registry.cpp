// createReporter: "FORMAT:PATH" → reporter (reporter.h).
#include "generators/core/errors.h"
#include "reports/html_reporter.h"
#include "reports/json_reporter.h"
#include "reports/junit_reporter.h"
#include "reports/reporter.h"

namespace fabcheck::reports {

std::unique_ptr<Reporter> createReporter(const std::string& spec) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    throw ConfigError("--report '" + spec + "': expected FORMAT:PATH, e.g. json:results.json");
  }
  const std::string format = spec.substr(0, colon), path = spec.substr(colon + 1);
  if (format == "json") return std::make_unique<JsonReporter>(path);
  if (format == "html") return std::make_unique<HtmlReporter>(path);
  if (format == "junit") return std::make_unique<JunitReporter>(path);
  throw ConfigError("--report '" + spec + "': unknown format '" + format +
                    "'; expected json:PATH, junit:PATH or html:PATH");
}

}  // namespace fabcheck::reports
