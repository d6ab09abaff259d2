// Disk full while writing reports (issue 19, "Faults"): a real `fabcheck run` whose JSON, JUnit
// and HTML reports and flows sidecar go to a small tmpfs that fills up mid-run. Nothing lost:
// every report file left on disk is a valid document of the tests that finished before its
// disk filled, each reporter that failed is named once with its path and the OS reason, and
// the run exits 3. Needs root (mount); skipped, saying so, where tmpfs cannot be mounted.
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/gen_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr int kDiskFullTests = 8;
// Each test's JSON record is ~28 KB (2 agents, stream): the reports of the first test fit in
// 128 KiB, those of all eight (~230 KB of JSON alone) do not.
constexpr const char* kDiskFullSize = "size=128k";

std::string diskFullSuite() {
  std::string s = "name: diskfull\ndefaults: {duration: 100ms, rate: 10Mbit/s}\nreport: {flows_sidecar: true}\ntests:\n";
  for (int i = 1; i <= kDiskFullTests; ++i) s += "  - {name: t" + std::to_string(i) + ", pattern: stream}\n";
  return s;
}

std::vector<std::string> linesWith(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) out.push_back(line);
  }
  return out;
}

class ReportDiskFull : public ::testing::Test {
 protected:
  void SetUp() override {
    mnt_ = dir_.path() + "/reports";
    std::filesystem::create_directory(mnt_);
    if (::mount("fabcheck-disk-full", mnt_.c_str(), "tmpfs", 0, kDiskFullSize) != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs on " << mnt_ << " (" << std::strerror(errno)
                   << "): this test needs root and mount rights";
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) {
      EXPECT_EQ(::umount2(mnt_.c_str(), MNT_DETACH), 0) << std::strerror(errno);
    }
  }

  // The one line naming `format`'s reporter as failed, or "" when it did not fail.
  std::string failure(const std::string& err, const std::string& format, const std::string& path) {
    const auto lines = linesWith(err, "fabcheck run: report " + format + ": " + path + " failed, it is incomplete: ");
    EXPECT_LE(lines.size(), 1u) << "a failed reporter is named once:\n" << err;
    return lines.empty() ? "" : lines[0];
  }

  TempDir dir_{"fabcheck-disk-full"};
  std::string mnt_;
  bool mounted_ = false;
};

TEST_F(ReportDiskFull, EveryReportLeftIsValidWithWhatFinishedAndTheFailureIsNamed) {
  const std::string suite = dir_.path() + "/s.yaml";
  std::ofstream(suite) << diskFullSuite();
  const std::string jpath = mnt_ + "/r.json", xpath = mnt_ + "/r.xml", hpath = mnt_ + "/r.html";
  const auto r = run({kFabcheckBin, "run", suite, "--agents", "2", "--report", "json:" + jpath, "--report",
                      "junit:" + xpath, "--report", "html:" + hpath},
                     seconds(120));
  ASSERT_FALSE(r.status.timed_out) << r.err;
  EXPECT_EQ(r.status.code, 3) << r.err << r.out;

  // JSON: named with its path and the OS reason; the file parses and lists, in order, the tests
  // that finished before the disk filled — some, not all — and says it is not complete.
  const std::string jfail = failure(r.err, "json", jpath);
  ASSERT_FALSE(jfail.empty()) << "the JSON report outgrows the tmpfs, its reporter must fail:\n" << r.err;
  EXPECT_NE(jfail.find("No space left on device"), std::string::npos) << jfail;
  json j;
  ASSERT_NO_THROW(j = json::parse(slurp(jpath))) << "the JSON report on disk is not valid JSON";
  EXPECT_FALSE(j["complete"].get<bool>());
  const size_t kept = j["tests"].size();
  EXPECT_GE(kept, 1u) << "the first test's reports fit in " << kDiskFullSize;
  EXPECT_LT(kept, static_cast<size_t>(kDiskFullTests));
  for (size_t i = 0; i < kept; ++i) {
    EXPECT_EQ(j["tests"][i]["name"], "t" + std::to_string(i + 1));
    EXPECT_EQ(j["tests"][i]["verdict"], "pass") << j["tests"][i].dump();
  }
  EXPECT_EQ(j["agents"].size(), 2u);

  // The sidecar: whole lines only, each a flow of one of the tests the JSON lists, in order.
  const std::string side = slurp(jpath + ".flows.jsonl");
  EXPECT_TRUE(side.empty() || side.back() == '\n') << "the sidecar ends in a partial line";
  std::istringstream lines(side);
  size_t test_at = 0;
  for (std::string line; std::getline(lines, line);) {
    json f;
    ASSERT_NO_THROW(f = json::parse(line)) << line;
    while (test_at < kept && j["tests"][test_at]["name"] != f["test"]) ++test_at;
    EXPECT_LT(test_at, kept) << "a flow of a test the JSON does not list, or out of order: " << line;
  }

  // JUnit and HTML: each a whole document where it is on disk; failed ones named like the JSON.
  const std::string xfail = failure(r.err, "junit", xpath), hfail = failure(r.err, "html", hpath);
  for (const std::string* f : {&xfail, &hfail}) {
    if (!f->empty()) {
      EXPECT_NE(f->find("No space left on device"), std::string::npos) << *f;
    }
  }
  if (std::filesystem::exists(xpath)) {
    const auto v = run({"/usr/bin/xmllint", "--noout", xpath}, seconds(30));
    EXPECT_EQ(v.status.code, 0) << "the JUnit report on disk is not well-formed XML: " << v.err;
  } else {
    EXPECT_FALSE(xfail.empty()) << "the JUnit report is absent and not named";
  }
  if (std::filesystem::exists(hpath)) {
    const std::string html = slurp(hpath);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u) << html.substr(0, 80);
    EXPECT_NE(html.find("</html>", html.size() > 16 ? html.size() - 16 : 0), std::string::npos)
        << "the HTML report on disk is cut short";
  } else {
    EXPECT_FALSE(hfail.empty()) << "the HTML report is absent and not named";
  }
  // A failed write leaves no temporary file holding the space the other reporters need.
  for (const auto& e : std::filesystem::directory_iterator(mnt_)) {
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
  }
}

// A disk full before the run: the report's first write fails; the run stops there, exit 2 with
// one line naming the path and the OS reason (it aborted with an uncaught exception before).
TEST_F(ReportDiskFull, ADiskFullBeforeTheRunIsAUsageErrorNamingThePath) {
  {
    std::ofstream fill(mnt_ + "/fill");
    const std::string block(4096, 'x');
    while (fill << block) {
    }
  }
  const std::string suite = dir_.path() + "/s.yaml", jpath = mnt_ + "/r.json";
  std::ofstream(suite) << diskFullSuite();
  const auto r = run({kFabcheckBin, "run", suite, "--agents", "2", "--report", "json:" + jpath}, seconds(60));
  ASSERT_FALSE(r.status.timed_out) << r.err;
  EXPECT_EQ(r.status.code, 2) << r.err << r.out;
  const auto lines = linesWith(r.err, "fabcheck run: json report '" + jpath + "': ");
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_NE(lines[0].find("No space left on device"), std::string::npos) << lines[0];
  EXPECT_FALSE(std::filesystem::exists(jpath + ".tmp"));
}

}  // namespace
}  // namespace fabcheck::testing
