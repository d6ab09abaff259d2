#include "reports/xml_text.h"

#include <cstdint>

#include "generators/core/utf8.h"

namespace fabcheck::reports {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD


bool xmlChar(uint32_t cp) {
  if (cp < 0x20) return cp == 0x09 || cp == 0x0A || cp == 0x0D;
  return cp != 0xFFFE && cp != 0xFFFF;
}

std::string escape(std::string_view s, bool attr) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t n = decodeUtf8At(s, i, cp);
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
