// The suite and site loaders refuse what yaml-cpp accepts but fabcheck would lose or mangle:
// strings that are not UTF-8 (they broke the JSON report, issue 19) and a second YAML document
// (it was silently dropped). Also utf8.h, which both rest on.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "generators/core/utf8.h"
#include "harness/suite/site_loader.h"
#include "harness/suite/suite_loader.h"
#include "tests/unit/suite_errors.h"

namespace fabcheck::suite {
namespace {

constexpr const char* kBytesSuiteHead = "name: bytes\ntests:\n  - name: ";
constexpr const char* kBytesSuiteTail = "\n    pattern: stream\n    duration: 1s\n";

TEST(SuiteInputBytes, AnInvalidUtf8TestNameIsRefusedWithItsPositionAndField) {
  const auto errors = testing::suiteErrorsOf(std::string(kBytesSuiteHead) + "ab\xff" "cd" + kBytesSuiteTail);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "s.yaml:3:11: tests[0].name: byte 0xff at offset 2 is not UTF-8; expected UTF-8 text");
}

TEST(SuiteInputBytes, InvalidUtf8AnywhereIsRefusedKeysAndNestedValuesToo) {
  const std::string yaml = std::string("name: bytes\ndescription: \"\xc3\x28\"\ntests:\n  - name: ok\n") +
                           "    pattern: stream\n    slos: [\"loss_ratio == 0\", \"x\xed\xa0\x80\"]\n    k\xfe: 1\n";
  const auto errors = testing::suiteErrorsOf(yaml);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "s.yaml:2:14: description: byte 0xc3 at offset 0 is not UTF-8; expected UTF-8 text");
  EXPECT_NE(errors[1].find("s.yaml:6:"), std::string::npos) << errors[1];
  EXPECT_NE(errors[1].find("tests[0].slos[1]: byte 0xed at offset 1 is not UTF-8"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("s.yaml:7:5: tests[0].k\xef\xbf\xbd (the key): byte 0xfe"), std::string::npos) << errors[2];
}

TEST(SuiteInputBytes, ValidMultibyteUtf8IsAccepted) {
  const Suite s = parseSuite(std::string(kBytesSuiteHead) + "d\xc3\xa9" "bit \xe2\x86\x92 \xf0\x9f\x9a\x80" + kBytesSuiteTail, "s.yaml");
  ASSERT_EQ(s.tests.size(), 1u);
  EXPECT_EQ(s.tests[0].spec.name, "d\xc3\xa9" "bit \xe2\x86\x92 \xf0\x9f\x9a\x80");
}

TEST(SuiteInputBytes, ASecondYamlDocumentIsRefusedAtItsMarkerLine) {
  const auto errors = testing::suiteErrorsOf(std::string(kBytesSuiteHead) + "one" + kBytesSuiteTail + "---\nname: other\ntests: []\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("s.yaml:6:1: a second YAML document starts here", 0), 0u) << errors[0];
}

TEST(SuiteInputBytes, AnExplicitFirstDocumentMarkerAndATrailingEmptyOneAreAccepted) {
  const Suite s = parseSuite(std::string("---\n") + kBytesSuiteHead + "one" + kBytesSuiteTail + "---\n", "s.yaml");
  EXPECT_EQ(s.tests.size(), 1u);
}

// yaml-cpp 0.7's LoadAll loops forever, allocating, on a document that starts with ',' (found by
// tests/fuzz/suite_fuzz; upstream jbeder/yaml-cpp#1040). Each of these ran until out of memory.
TEST(SuiteInputBytes, ADocumentThatStartsWithACommaIsASyntaxErrorNotAHang) {
  for (const std::string& yaml : {std::string(","), std::string(" , tests: []\n"),
                                 std::string("# =cceptance of a Roprbs.md): elfabric:\n  ,line_prob\x8c\x8c\x8c" "e\x8c")}) {
    const auto errors = testing::suiteErrorsOf(yaml);
    ASSERT_EQ(errors.size(), 1u) << yaml;
    EXPECT_NE(errors[0].find(": YAML syntax: a ',' outside [ ] or { }; expected a value or a key"), std::string::npos)
        << errors[0];
  }
  const auto later = testing::suiteErrorsOf(std::string(kBytesSuiteHead) + "one" + kBytesSuiteTail + "---\n,\n");
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0], "s.yaml:7:1: YAML syntax: a ',' outside [ ] or { }; expected a value or a key");
}

// Issue 19: a 50 MB suite took 1.6 GB and 30 s to validate (yaml-cpp's node tree); a file over
// 4 MiB is refused before it is parsed, and a file on disk is not even read past the limit.
TEST(SuiteInputBytes, AFileOverFourMebibytesIsRefusedBeforeItIsParsed) {
  std::string yaml = std::string(kBytesSuiteHead) + "big" + kBytesSuiteTail;
  yaml += "# " + std::string((4u << 20) - yaml.size() - 3, 'x') + "\n";  // exactly 4 MiB: accepted
  ASSERT_EQ(yaml.size(), 4u << 20);
  EXPECT_EQ(parseSuite(yaml, "s.yaml").tests.size(), 1u);
  yaml += "#\n";
  const auto errors = testing::suiteErrorsOf(yaml);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "s.yaml:1:1: the file is 4194306 bytes; a fabcheck YAML file may be at most 4194304 bytes "
                       "(4 MiB): split it");
  const std::string path = ::testing::TempDir() + "/big-suite.yaml";
  {
    std::ofstream out(path, std::ios::binary);
    out << yaml << std::string(20u << 20, '#');
  }
  try {
    loadSuite(path);
    FAIL() << "a 24 MiB suite was accepted";
  } catch (const SuiteError& e) {
    EXPECT_EQ(e.diagnostics().at(0).str(), path + ":1:1: the file is over 4194304 bytes; a fabcheck YAML file may be "
                                                  "at most 4194304 bytes (4 MiB): split it");
  }
  std::remove(path.c_str());
}

TEST(SuiteInputBytes, ASiteFileIsHeldToTheSameRules) {
  try {
    parseSite("switches: []\n---\nswitches: []\n", "site.yaml", ".");
    FAIL() << "a second document was accepted";
  } catch (const SuiteError& e) {
    EXPECT_EQ(e.diagnostics().at(0).str().rfind("site.yaml:2:1: a second YAML document", 0), 0u) << e.what();
  }
}

TEST(Utf8, FirstInvalidByteAndReplacement) {
  EXPECT_EQ(firstInvalidUtf8("plain"), std::string::npos);
  EXPECT_EQ(firstInvalidUtf8("\xf0\x9f\x9a\x80"), std::string::npos);
  EXPECT_EQ(firstInvalidUtf8("ab\xc0\xaf"), 2u);       // overlong '/'
  EXPECT_EQ(firstInvalidUtf8("a\xf4\x90\x80\x80"), 1u);  // above U+10FFFF
  EXPECT_EQ(firstInvalidUtf8("a\xe2\x82"), 1u);          // truncated
  EXPECT_EQ(validUtf8("a\xff" "b"), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(validUtf8("\xe2\x86\x92"), "\xe2\x86\x92");
}

}  // namespace
}  // namespace fabcheck::suite
