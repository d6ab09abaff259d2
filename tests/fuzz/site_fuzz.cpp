// Fuzzes the site file loaders: the input is a site file's YAML text, read both as the suite
// loader reads a site file beside a fixed suite (its `fabric:` and `defaults:`, suite_loader.h)
// and as the switch section (site_loader.h parseSite; key files relative to a directory that does
// not exist, so a key file is a diagnostic). Expected refusals: SuiteError and other ConfigErrors.
#include "harness/suite/site_loader.h"
#include "harness/suite/suite_loader.h"
#include "tests/fuzz/fuzz_input.h"

namespace {
constexpr const char* kSuite = "tests:\n  - name: t\n    pattern: pairwise\n    duration: 1s\n";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fabcheck::fuzz::fuzzInput(data, size, [](const std::string& text) {
    (void)fabcheck::suite::parseSite(text, "site.yaml", "/nonexistent-fabcheck-fuzz");
  });
  fabcheck::fuzz::fuzzInput(data, size, [](const std::string& text) {
    (void)fabcheck::suite::parseSuite(kSuite, "suite.yaml", {{"site.yaml", text}});
  });
  return 0;
}
