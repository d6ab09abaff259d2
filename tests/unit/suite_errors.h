// Test helper: the diagnostics parseSuite gives a suite's text (named "s.yaml"), each as
// "s.yaml:line:col: message"; empty when the suite is accepted.
#pragma once

#include <string>
#include <vector>

#include "harness/suite/suite_loader.h"

namespace fabcheck::suite::testing {

inline std::vector<std::string> suiteErrorsOf(const std::string& yaml) {
  try {
    parseSuite(yaml, "s.yaml");
  } catch (const SuiteError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) out.push_back(d.str());
    return out;
  }
  return {};
}

}  // namespace fabcheck::suite::testing
