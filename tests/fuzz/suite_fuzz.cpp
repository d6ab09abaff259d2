// Fuzzes the suite loader (harness/suite/suite_loader.h): the input is a suite file's YAML text,
// parsed as parseSuite would parse a file given to `fabcheck run` / `validate`. Expected
// refusals: SuiteError (the file's diagnostics) and other ConfigErrors.
#include "harness/suite/suite_loader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fabcheck::fuzz::fuzzInput(data, size,
                            [](const std::string& text) { (void)fabcheck::suite::parseSuite(text, "fuzz.yaml"); });
  return 0;
}
