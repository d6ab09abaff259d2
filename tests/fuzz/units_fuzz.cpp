// Fuzzes the unit parsers of harness/model/units.h: sizes, rates, durations, size sweeps.
// The first byte picks the parser, the rest is its text.
#include "harness/model/units.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0] % 5;
  fabcheck::fuzz::fuzzInput(data + 1, size - 1, [which](const std::string& text) {
    using namespace fabcheck::model;
    switch (which) {
      case 0: (void)formatBytes(parseSize(text, "fuzz")); break;
      case 1: {
        const Rate r = parseRate(text, "fuzz");
        (void)formatRate(r.bits_per_second);
        break;
      }
      case 2: (void)parseDurationNs(text, "fuzz"); break;
      case 3: (void)expandSweep(parseSweep(text, "fuzz")); break;
      default: (void)parseSize(text, "fuzz"), (void)parseRate(text, "fuzz"), (void)parseDurationNs(text, "fuzz");
    }
  });
  return 0;
}
