// SLO expressions: `metric op threshold`, e.g.
//   latency_us.p99 <= 25
//   loss_ratio == 0
//   throughput_gbps.per_flow.min >= 0.9 * line_rate_gbps
//
// Grammar (blanks are free between tokens):
//   slo        := metric comparison expr
//   metric     := a registry name or alias (harness/slo/metric_registry.h, docs/metrics.md)
//   comparison := < | <= | > | >= | == | !=
//   expr       := term  (('+' | '-') term)*
//   term       := unary (('*' | '/') unary)*
//   unary      := ('-' | '+') unary | primary
//   primary    := number | constant | '(' expr ')'
//   number     := 25, 0.9, .5, 1e-6 (plain decimal, optional exponent; no unit: the threshold is
//                 in the metric's unit, e.g. us for latency_us.p99)
//   constant   := a name from the caller's Constants (see constantRegistry())
// Usual precedence: unary sign, then * /, then + -, left to right; parentheses group.
//
// Contract: parseSlo() returns the parsed SLO with its right side evaluated, or throws ConfigError
// with one line "slo '<text>': <what> at column <c>; <what was expected>", columns 1-based in
// <text>, e.g. "slo 'latency_us.p99 <== 25': unexpected '=' at column 18; expected a number or a
// constant". Unknown metrics suggest the nearest name; unknown constants list the known ones; a
// known constant without a value for this test says how to set it; a right side that is not a
// finite number (division by zero) is an error.
//
// Comparison of doubles (holds()): the observed value and the threshold are "equal" when the
// threshold is 0 and the value is exactly 0, or otherwise when they differ by at most 1e-9 of the
// larger magnitude. == and != use that equality; <= and >= accept equal values; < and > reject
// them. So `loss_ratio == 0` means no loss at all, while a threshold computed as 0.9 * 10 matches
// an observed 9 exactly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fabcheck::slo {

enum class Comparison : uint8_t { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual };

std::string_view toString(Comparison c) noexcept;  // "<", "<=", ">", ">=", "==", "!="

// Named constants an SLO's right side may use, name → value. Only the constants with a value for
// the test at hand are present (see harness/slo/verdict.h constantsFor()).
using Constants = std::map<std::string, double>;

struct ConstantInfo {
  std::string name;     // e.g. "line_rate_gbps"
  std::string unit;
  std::string meaning;
  std::string source;   // where its value comes from / how to set it
};

// Every constant name the SLO layer knows, documented in docs/metrics.md.
const std::vector<ConstantInfo>& constantRegistry();

struct SloExpression {
  std::string text;               // as written
  std::string metric;             // canonical registry name (an alias resolved)
  std::string metric_as_written;
  Comparison op = Comparison::kLessEqual;
  std::string threshold_text;     // the right side as written, trimmed
  double threshold = 0;           // the right side's value (finite)
};

// Throws ConfigError as described above.
SloExpression parseSlo(const std::string& text, const Constants& constants);

// Whether `observed op threshold` holds, with the equality tolerance described above. A NaN
// observed value never holds.
bool holds(double observed, Comparison op, double threshold) noexcept;

}  // namespace fabcheck::slo
