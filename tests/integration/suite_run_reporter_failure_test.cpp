// A reporter that fails must fail the run loudly (issue 19: a JSON report whose every rewrite
// threw stayed {"complete": false, "tests": []} while the run exited 0). Real local agents.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "harness/runner/suite_run.h"
#include "harness/suite/suite_loader.h"
#include "reports/reporter.h"
#include "tests/integration/runner_helpers.h"

namespace fabcheck {
namespace {

// Counts its calls; throws from test() when told to.
class CountingReporter : public reports::Reporter {
 public:
  explicit CountingReporter(bool throw_in_test) : throw_in_test_(throw_in_test) {}
  void begin(const nlohmann::json&) override {}
  void agents(const nlohmann::json&) override {}
  void test(const nlohmann::json&) override {
    ++tests;
    if (throw_in_test_) throw std::runtime_error("disk on fire");
  }
  void finish(const nlohmann::json&) override { ++finishes; }
  std::string describe() const override { return "json: broken.json"; }
  int tests = 0, finishes = 0;

 private:
  bool throw_in_test_;
};

TEST(SuiteRunReporterFailure, AFailingReporterIsNamedOnceAndTheRunExitsThree) {
  const suite::Suite s = suite::parseSuite(
      "name: r\ndefaults: {duration: 200ms, rate: 10Mbit/s}\ntests:\n"
      "  - {name: a, pattern: stream}\n  - {name: b, pattern: stream}\n",
      "r.yaml");
  SuiteRunOptions opts;
  opts.run = testing::localRun(2);
  std::vector<std::string> messages;
  opts.hooks.on_message = [&](const std::string& m) { messages.push_back(m); };
  CountingReporter broken(true), good(false);
  const SuiteRunResult r = runSuite(s, opts, {&broken, &good});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(broken.tests, 1) << "a failed reporter is not called again";
  EXPECT_EQ(broken.finishes, 0);
  EXPECT_EQ(good.tests, 2);
  EXPECT_EQ(good.finishes, 1);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], "fabcheck run: report json: broken.json failed, it is incomplete: disk on fire");
}

}  // namespace
}  // namespace fabcheck
