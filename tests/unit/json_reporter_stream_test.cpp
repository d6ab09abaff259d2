// The JSON reporter streams (reports/json_reporter.h, growing_json_file.h): after every event the
// file is the whole document so far and valid JSON, each test is appended without the reporter
// keeping it, and the file is byte for byte the document dumped whole (as before streaming).
// The approval tests (reporter_approval_test.cpp) compare the canned run with tests/golden/.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "harness/results/topology.h"
#include "reports/json_reporter.h"
#include "tests/support/test_helpers.h"
#include "tests/unit/canned_run.h"

namespace fabcheck::testing {
namespace {

using nlohmann::json;

class JsonReporterStream : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fabcheck-jsonstream-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/results.json";
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  json parsed() const { return json::parse(slurp(path_)); }  // throws when the file is not JSON

  std::string dir_, path_;
};

// The whole document as the reporter wrote it before it streamed: every part, dumped at once.
std::string wholeDump(const json& context, const json* agents, const json& tests, const json* end) {
  json doc = context;
  if (agents) {
    doc["agents"] = *agents;
    doc["topology"] = results::agentsJsonTopology(*agents);
  }
  doc["tests"] = tests;
  if (end) doc["end"] = *end;
  doc["complete"] = end != nullptr;
  return doc.dump(2) + "\n";
}

TEST_F(JsonReporterStream, TheFileIsTheWholeDocumentAfterEveryEvent) {
  reports::JsonReporter r(path_);
  const json empty = json::object();
  EXPECT_EQ(slurp(path_), wholeDump(empty, nullptr, json::array(), nullptr));
  r.begin(canned::context());
  EXPECT_EQ(slurp(path_), wholeDump(canned::context(), nullptr, json::array(), nullptr));
  const json agents = canned::agents();
  r.agents(agents);
  EXPECT_EQ(slurp(path_), wholeDump(canned::context(), &agents, json::array(), nullptr));
  json tests = json::array();
  for (const auto& t : canned::tests()) {
    r.test(t);
    tests.push_back(t);
    // Killed here, the run leaves this file: valid, not complete, with the tests that finished.
    EXPECT_EQ(slurp(path_), wholeDump(canned::context(), &agents, tests, nullptr)) << "after " << tests.size();
    EXPECT_EQ(parsed().at("complete"), false);
  }
  const json end = canned::endRecord();
  r.finish(end);
  EXPECT_EQ(slurp(path_), wholeDump(canned::context(), &agents, tests, &end));
  EXPECT_NE(::access((path_ + ".tmp").c_str(), F_OK), 0) << "the temporary file was left behind";
}

TEST_F(JsonReporterStream, AReporterGoneWithoutFinishLeavesValidJson) {
  {
    reports::JsonReporter r(path_);
    r.begin(canned::context());
    r.agents(canned::agents());
    r.test(canned::passRecord());
    r.test(canned::failRecord());
  }  // as after a kill between two events: no finish()
  const json doc = parsed();
  EXPECT_EQ(doc.at("complete"), false);
  EXPECT_FALSE(doc.contains("end"));
  ASSERT_EQ(doc.at("tests").size(), 2u);
  EXPECT_EQ(doc.at("tests").at(1), canned::failRecord());
}

TEST_F(JsonReporterStream, AgentsAfterTestsKeepTheTests) {
  reports::JsonReporter r(path_);
  r.begin(canned::context());
  r.test(canned::passRecord());
  r.agents(canned::agents());  // a head rewritten after a test copies the test from the file
  r.test(canned::failRecord());
  const json doc = parsed();
  ASSERT_EQ(doc.at("tests").size(), 2u);
  EXPECT_EQ(doc.at("tests").at(0), canned::passRecord());
  EXPECT_EQ(doc.at("agents"), canned::agents());
}

// The reporter's memory does not grow with the tests: what it holds after 300 tests of ~40 KB
// is what it held after the first, while the file grew by all of them.
TEST_F(JsonReporterStream, TheReporterHoldsNoTestItWrote) {
  reports::JsonReporter r(path_);
  r.begin(canned::context());
  r.agents(canned::agents());
  json big = canned::failRecord();
  big["counters"] = {{"padding", std::string(40000, 'x')}};
  r.test(big);
  const size_t held_after_one = r.heldBytes();
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  const auto size_after_one = st.st_size;
  for (int i = 1; i < 300; ++i) r.test(big);
  EXPECT_EQ(r.heldBytes(), held_after_one);
  EXPECT_LT(held_after_one, 40000u) << "not even one test's record";
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_GT(st.st_size, size_after_one + 299 * 40000);
  r.finish(canned::endRecord());
  EXPECT_EQ(parsed().at("tests").size(), 300u);
}

TEST_F(JsonReporterStream, FlowsGoToTheSidecarOneLineEach) {
  reports::JsonReporter r(path_);
  r.begin(canned::context());
  r.test(canned::failRecord());
  r.flows("elephant-ring", canned::failRecord()["metrics"]["per_flow"]);
  r.flows("other", json::array({{{"flow_id", 9}}}));
  std::ifstream in(path_ + ".flows.jsonl");
  std::string line;
  std::vector<json> lines;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].at("test"), "elephant-ring");
  EXPECT_EQ(lines[1].at("lost_packets"), 12);
  EXPECT_EQ(lines[2], json({{"test", "other"}, {"flow_id", 9}}));
}

TEST_F(JsonReporterStream, AnUnwritablePathFailsAtConstructionNamingIt) {
  const std::string bad = dir_ + "/missing-dir/results.json";
  EXPECT_EQ(errorOf<ConfigError>([&] { reports::JsonReporter r(bad); }),
            "json report '" + bad + "': cannot write '" + bad + ".tmp': No such file or directory");
}

}  // namespace
}  // namespace fabcheck::testing
