#include "reports/xml_text.h"

#include <cstdint>

namespace fabcheck::reports {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Decodes one UTF-8 sequence at s[i]; returns its length and sets cp, or 0 when the byte at i
// does not start a valid sequence.
size_t decode(std::string_view s, size_t i, uint32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c = b(0);
  size_t n;
  uint32_t min;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool xmlChar(uint32_t cp) {
  if (cp < 0x20) return cp == 0x09 || cp == 0x0A || cp == 0x0D;
  return cp != 0xFFFE && cp != 0xFFFF;
}

std::string escape(std::string_view s, bool attr) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t n = decode(s, i, cp);
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (!xmlChar(cp)) {
      i += n;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\r': out += "&#13;"; break;
      case '"':
        if (attr) out += "&quot;"; else out += '"';
        break;
      case '\n':
        if (attr) out += "&#10;"; else out += '\n';
        break;
      case '\t':
        if (attr) out += "&#9;"; else out += '\t';
        break;
      default: out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace

std::string xmlText(std::string_view s) { return escape(s, false); }
std::string xmlAttr(std::string_view s) { return escape(s, true); }

}  // namespace fabcheck::reports
