// Fuzzes the emulated fabric's description (harness/fabric/fabric_spec.h parseFabricSpec), the
// text after `--fabric`. An accepted spec must print canonically (canonicalSpec) to a text that
// parses again to the same canonical text (the contract `up` relies on); a difference aborts.
// Expected refusal: ConfigError.
#include <cstdlib>

#include "harness/fabric/fabric_spec.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fabcheck::fuzz::fuzzInput(data, size, [](const std::string& text) {
    using namespace fabcheck::fabric;
    const FabricSpec spec = parseFabricSpec(text, "fuzz");
    const std::string canonical = canonicalSpec(spec);
    (void)wantsDelay(spec);
    if (canonicalSpec(parseFabricSpec(canonical, "canonical")) != canonical) std::abort();
  });
  return 0;
}
