// The reporter registry and createReporter() (reporter.h). A new reporter: its own files, and
// one row in kReporters below (name, description, factory).
#include "generators/core/errors.h"
#include "reports/html_reporter.h"
#include "reports/json_reporter.h"
#include "reports/junit_reporter.h"
#include "reports/reporter.h"

namespace fabcheck::reports {
namespace {

template <typename R>
std::unique_ptr<Reporter> make(const std::string& path) {
  return std::make_unique<R>(path);
}

// "json:PATH, junit:PATH or html:PATH"
std::string formatList() {
  const auto& all = reporterRegistry();
  std::string s;
  for (size_t i = 0; i < all.size(); ++i) {
    s += (i == 0 ? "" : i + 1 == all.size() ? " or " : ", ") + all[i].name + ":PATH";
  }
  return s;
}

}  // namespace

const std::vector<ReporterInfo>& reporterRegistry() {
  static const std::vector<ReporterInfo> kReporters = {
      {"json", "the results file (docs/results.md): the run's context, agents and every test's record", make<JsonReporter>},
      {"junit", "JUnit XML for CI test reports (Jenkins, GitLab, GitHub): one testcase per test", make<JunitReporter>},
      {"html", "one self-contained HTML page with the verdicts, metrics and charts", make<HtmlReporter>},
  };
  return kReporters;
}

std::unique_ptr<Reporter> createReporter(const std::string& spec) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    throw ConfigError("--report '" + spec + "': expected FORMAT:PATH, e.g. json:results.json");
  }
  const std::string format = spec.substr(0, colon), path = spec.substr(colon + 1);
  for (const auto& r : reporterRegistry()) {
    if (r.name != format) continue;
    try {
      return r.create(path);
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& e) {  // the first write failed (a full disk): the path cannot be written
      throw ConfigError(e.what());
    }
  }
  throw ConfigError("--report '" + spec + "': unknown format '" + format + "'; expected " + formatList());
}

}  // namespace fabcheck::reports
