// Shared by the libFuzzer targets (tests/fuzz/*_fuzz.cpp).
//
// Contract: fuzzInput(data, size, fn) calls fn with the input as a std::string and swallows the
// documented refusals of fabcheck's parsers (fabcheck::Error and its subclasses: ConfigError,
// ProtocolError, SuiteError...). Anything else escapes: any other exception (std::terminate,
// reported by libFuzzer as a crash), a crash, a sanitizer report, a hang (-timeout) or runaway
// memory (-rss_limit_mb, -malloc_limit_mb) fails the target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "generators/core/errors.h"

namespace fabcheck::fuzz {

template <class Fn>
void fuzzInput(const uint8_t* data, size_t size, Fn&& fn) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    fn(text);
  } catch (const fabcheck::Error&) {
    // a refusal with its one-line message: what the parser promises for bad input
  }
}

}  // namespace fabcheck::fuzz
