// UTF-8 validity: where a byte string stops being valid UTF-8, and a copy of it that is.
//
// Contract: valid means RFC 3629 UTF-8 — no overlong forms, no surrogates (U+D800..U+DFFF), no
// code point above U+10FFFF, no truncated sequence. firstInvalidUtf8() returns the offset of the
// first byte that does not start a valid sequence, or npos. validUtf8() returns the text with each
// such byte replaced by U+FFFD (valid text comes back unchanged). Pure; never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fabcheck {

// The valid UTF-8 sequence at s[i]: its length, with its code point in cp; 0 when the byte at
// i does not start one (cp then unspecified).
size_t decodeUtf8At(std::string_view s, size_t i, uint32_t& cp);
size_t firstInvalidUtf8(std::string_view s);
std::string validUtf8(std::string_view s);

}  // namespace fabcheck
