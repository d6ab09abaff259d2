// Approval tests: the canned run (canned_run.h) through every reporter, each made by
// reports::createReporter("FORMAT:PATH") as the CLI makes them, its file compared byte for byte
// with the approved file in tests/golden/.
//
// Nothing is normalised: the canned records carry fixed timestamps, hosts, pids and durations,
// and no reporter writes anything of its own that depends on the clock, the host or the output
// path (the path shows only in describe(), never in the file). A difference is therefore a change
// of a reporter's output: look at the diff the failure prints, and when the change is intended,
// approve it with the cp command it prints.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/reporter.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_helpers.h"
#include "tests/unit/canned_run.h"

namespace fabcheck::testing {
namespace {

const std::string kGoldenDir = std::string(FABCHECK_SOURCE_DIR) + "/tests/golden/";
constexpr size_t kMaxDiffShown = 6000;  // characters of `diff -u` output put in a failure message

class ReporterApproval : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fabcheck-approval-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  // The file the reporter `format` writes for the canned run (or its interrupted variant).
  std::string output(const std::string& format, const std::string& file, bool interrupted = false) {
    const std::string path = dir_ + "/" + file;
    auto reporter = reports::createReporter(format + ":" + path);
    canned::play(*reporter, interrupted);
    EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0) << format << ": the temporary file was left behind";
    return slurp(path);
  }

  // Fails, showing the difference and how to approve it, unless `actual` is byte for byte the
  // approved file tests/golden/NAME.
  static void expectApproved(const std::string& actual, const std::string& name) {
    const std::string golden_path = kGoldenDir + name;
    const bool exists = std::ifstream(golden_path).good();
    const std::string golden = slurp(golden_path);
    if (exists && actual == golden) return;
    const std::string keep = ::testing::TempDir() + "fabcheck-" + name + ".actual";
    std::ofstream(keep, std::ios::trunc | std::ios::binary) << actual;
    std::string diff;
    if (exists) {
      const auto d = run({"/usr/bin/diff", "-u", golden_path, keep}, std::chrono::seconds(30));
      diff = d.out.size() > kMaxDiffShown ? d.out.substr(0, kMaxDiffShown) + "\n[... diff cut short]\n" : d.out;
    }
    ADD_FAILURE() << (exists ? "the output differs from the approved file " : "there is no approved file ")
                  << golden_path << "\n  see: diff -u " << golden_path << " " << keep << "\n"
                  << diff << "  after checking the output by hand, approve it with: cp " << keep << " "
                  << golden_path;
  }

  std::string dir_;
};

TEST_F(ReporterApproval, JsonOfTheCannedRun) {
  const std::string out = output("json", "results.json");
  expectApproved(out, "canned.json");
  // It is the records as given: the approved file is not itself wrong.
  const auto doc = nlohmann::json::parse(out);
  EXPECT_EQ(doc.at("complete"), true);
  EXPECT_EQ(doc.at("tests").size(), 4u);
  EXPECT_EQ(doc.at("tests").at(1), canned::failRecord());
  EXPECT_EQ(doc.at("end"), canned::endRecord());
}

TEST_F(ReporterApproval, JunitOfTheCannedRun) { expectApproved(output("junit", "report.xml"), "junit_canned.xml"); }

TEST_F(ReporterApproval, HtmlOfTheCannedRun) { expectApproved(output("html", "report.html"), "canned.html"); }

TEST_F(ReporterApproval, JsonOfARunInterruptedAfterTwoTests) {
  const std::string out = output("json", "results.json", /*interrupted=*/true);
  expectApproved(out, "canned_interrupted.json");
  const auto doc = nlohmann::json::parse(out);
  EXPECT_EQ(doc.at("complete"), true) << "finish() ran, interrupted or not";
  EXPECT_EQ(doc.at("tests").size(), 2u);
  EXPECT_EQ(doc.at("end").at("interrupted"), true);
}

}  // namespace
}  // namespace fabcheck::testing
