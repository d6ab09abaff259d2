// Reports never lose a run to bytes that are not UTF-8 (issue 19): the JSON reporter writes them
// as U+FFFD instead of throwing, and the HTML page never carries a raw invalid byte.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "generators/core/utf8.h"
#include "reports/html_reporter.h"
#include "reports/json_reporter.h"
#include "reports/svg_charts.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {
namespace {

using nlohmann::json;

class ReportInvalidUtf8 : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fabcheck-utf8report-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string dir_;
};

const json kBadBytesRecord = {{"name", "bad\xff" "name"}, {"verdict", "error"}, {"error", "agent said \xc3"}};

TEST_F(ReportInvalidUtf8, TheJsonReportWritesInvalidBytesAsReplacementCharacters) {
  reports::JsonReporter r(dir_ + "/r.json");
  r.begin({{"suite", {{"name", "s\xfe"}}}});
  r.agents(json::array({{{"id", 0}, {"host", "h\x80"}}}));
  r.test(kBadBytesRecord);
  r.finish({{"interrupted", false}});
  const json j = json::parse(slurp(dir_ + "/r.json"));
  EXPECT_TRUE(j["complete"].get<bool>());
  ASSERT_EQ(j["tests"].size(), 1u);
  EXPECT_EQ(j["tests"][0]["name"], "bad\xef\xbf\xbdname");
  EXPECT_EQ(j["tests"][0]["error"], "agent said \xef\xbf\xbd");
  EXPECT_EQ(j["suite"]["name"], "s\xef\xbf\xbd");
}

TEST_F(ReportInvalidUtf8, TheHtmlReportHoldsOnlyValidUtf8) {
  reports::HtmlReporter r(dir_ + "/r.html");
  r.begin({{"suite", {{"name", "s\xfe"}}}});
  r.test(kBadBytesRecord);
  r.finish({{"interrupted", false}});
  const std::string page = slurp(dir_ + "/r.html");
  EXPECT_EQ(firstInvalidUtf8(page), std::string::npos);
  EXPECT_NE(page.find("bad\xef\xbf\xbdname"), std::string::npos);
  EXPECT_EQ(reports::svg::escape("a\xff<"), "a\xef\xbf\xbd&lt;");
}

}  // namespace
}  // namespace fabcheck::testing
