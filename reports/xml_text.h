// XML 1.0 escaping for reporters that write XML (junit_reporter.h).
//
// Contract: the result is always well-formed character data, whatever the input bytes.
// - Characters XML 1.0 cannot carry are dropped: C0 controls other than tab, LF and CR, and
//   U+FFFE/U+FFFF. Bytes that are not valid UTF-8 (stray continuation bytes, overlong forms,
//   surrogates, truncated sequences) become U+FFFD, one per bad byte.
// - xmlText(): for element content; escapes & < > (">" so "]]>" cannot appear) and CR as &#13;
//   (a parser would turn a literal CR into LF).
// - xmlAttr(): for a value inside double quotes; additionally escapes " and writes tab, LF and
//   CR as character references, so a parser gives back the same text (attribute-value
//   normalisation would otherwise turn them into spaces).
#pragma once

#include <string>
#include <string_view>

namespace fabcheck::reports {

std::string xmlText(std::string_view s);
std::string xmlAttr(std::string_view s);

}  // namespace fabcheck::reports
