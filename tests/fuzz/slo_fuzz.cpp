// Fuzzes SLO expressions (harness/slo/slo_expression.h parseSlo): the input is the text of one
// `slo:` entry, parsed with a few constants present (as constantsFor would give them); an
// accepted expression is also evaluated against a value. Expected refusal: ConfigError.
#include "harness/slo/slo_expression.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fabcheck::slo::Constants constants = {{"line_rate_gbps", 100.0}, {"rate_gbps", 10.0}};
  fabcheck::fuzz::fuzzInput(data, size, [](const std::string& text) {
    const auto slo = fabcheck::slo::parseSlo(text, constants);
    (void)fabcheck::slo::holds(slo.threshold, slo.op, slo.threshold);
    (void)fabcheck::slo::toString(slo.op);
  });
  return 0;
}
