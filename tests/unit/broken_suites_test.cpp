// The corpus of broken suites in tests/golden/broken_suites: each NAME.yaml must be refused with
// exactly the lines of NAME.err (file:line:col, key, what was expected), all errors at once.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "harness/slo/verdict.h"
#include "harness/suite/suite_loader.h"

namespace fabcheck::suite {
namespace {

std::string errorsOf(const std::filesystem::path& yaml) {
  // Load as `fabcheck validate` does, with the path relative to the corpus folder.
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(yaml.parent_path());
  std::string out;
  try {
    const Suite s = loadSuite(yaml.filename().string());
    for (const auto& d : slo::validateSlos(s)) out += d.str() + "\n";
  } catch (const SuiteError& e) {
    out = std::string(e.what()) + "\n";
  }
  std::filesystem::current_path(cwd);
  return out;
}

TEST(BrokenSuites, EachIsRefusedWithExactlyItsExpectedErrors) {
  const std::filesystem::path dir = std::filesystem::path(FABCHECK_SOURCE_DIR) / "tests/golden/broken_suites";
  int cases = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    ++cases;
    std::ifstream in(std::filesystem::path(e.path()).replace_extension(".err"));
    ASSERT_TRUE(in) << "no expected errors for " << e.path();
    std::stringstream want;
    want << in.rdbuf();
    EXPECT_EQ(errorsOf(e.path()), want.str()) << e.path();
  }
  EXPECT_GE(cases, 10);
}

// The suites shipped in suites/ (smoke, acceptance, qualification, RDMA) load and their SLOs
// check, so an example never rots.
TEST(ShippedSuites, EveryOneIsValid) {
  const std::filesystem::path dir = std::filesystem::path(FABCHECK_SOURCE_DIR) / "suites";
  int suites = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    ++suites;
    EXPECT_EQ(errorsOf(e.path()), "") << e.path();
  }
  EXPECT_GE(suites, 4);
}

}  // namespace
}  // namespace fabcheck::suite
