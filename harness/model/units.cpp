#include "harness/model/units.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "generators/core/errors.h"

namespace fabcheck::model {
namespace {

using U128 = unsigned __int128;

constexpr std::string_view kExpectSize = "expected a size in bytes like 1400, 64K, 1MiB, 9000B";
constexpr std::string_view kExpectRate = "expected a rate like 10G, 10Gbit/s, 100Mb/s, 1.25GB/s, 1Mpps";
constexpr std::string_view kExpectDuration = "expected a duration like 10s, 500ms, 100us, 250ns, 2m, 1h";
constexpr std::string_view kExpectSweep = "expected min:max or min:max:factor like 64:4096 or 64:1M:4";
// Fraction digits beyond this are refused: 10^24 * (the largest multiplier, < 2^42) fits in 128 bits.
constexpr size_t kMaxFractionDigits = 24;

bool isBlank(char c) { return c == ' ' || c == '\t'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lowerAscii);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && isBlank(s.back())) s.remove_suffix(1);
  return s;
}

// The user's text as it goes into a one-line message: control characters become '?'.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

[[noreturn]] void fail(std::string_view where, std::string_view text, std::string_view why) {
  if (where.empty()) throw ConfigError(fmt::format("'{}': {}", printable(text), why));
  throw ConfigError(fmt::format("{} '{}': {}", where, printable(text), why));
}

// A plain decimal number followed by a unit, split apart. Syntax only, no value yet.
struct Quantity {
  bool negative = false;
  std::string_view int_digits;   // at least one digit
  std::string_view frac_digits;  // trailing zeros removed; may be empty
  std::string_view unit;         // blanks around it removed; may be empty

  bool isZero() const {
    return frac_digits.empty() && std::all_of(int_digits.begin(), int_digits.end(), [](char c) { return c == '0'; });
  }
};

// nullopt when the text is not "[-]digits[.digits][blanks]unit".
std::optional<Quantity> splitQuantity(std::string_view text) {
  text = trim(text);
  Quantity q;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    q.negative = true;
    ++i;
  }
  const size_t int_begin = i;
  while (i < text.size() && isDigit(text[i])) ++i;
  q.int_digits = text.substr(int_begin, i - int_begin);
  if (q.int_digits.empty()) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    const size_t frac_begin = ++i;
    while (i < text.size() && isDigit(text[i])) ++i;
    q.frac_digits = text.substr(frac_begin, i - frac_begin);
    if (q.frac_digits.empty()) return std::nullopt;
    while (!q.frac_digits.empty() && q.frac_digits.back() == '0') q.frac_digits.remove_suffix(1);
  }
  q.unit = trim(text.substr(i));
  return q;
}

enum class Exact { kOk, kTooLarge, kNotWhole };

// value = quantity × multiplier, exactly; it must be a whole number no larger than `limit` (< 2^64).
Exact exactProduct(const Quantity& q, uint64_t multiplier, uint64_t limit, uint64_t& out) {
  U128 whole = 0;
  for (char c : q.int_digits) {
    whole = whole * 10 + static_cast<unsigned>(c - '0');
    if (whole > limit) return Exact::kTooLarge;
  }
  whole *= multiplier;  // < 2^64 * 2^42
  if (whole > limit) return Exact::kTooLarge;
  if (q.frac_digits.size() > kMaxFractionDigits) return Exact::kNotWhole;
  U128 fraction = 0;
  U128 scale = 1;
  for (char c : q.frac_digits) {
    fraction = fraction * 10 + static_cast<unsigned>(c - '0');
    scale *= 10;
  }
  const U128 scaled = fraction * multiplier;
  if (scaled % scale != 0) return Exact::kNotWhole;
  whole += scaled / scale;
  if (whole > limit) return Exact::kTooLarge;
  out = static_cast<uint64_t>(whole);
  return Exact::kOk;
}

// The number part of a quantity as a double (always finite for a valid split, or nullopt if huge).
std::optional<double> toDouble(const Quantity& q) {
  std::string digits(q.int_digits);
  if (!q.frac_digits.empty()) {
    digits += '.';
    digits += q.frac_digits;
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<uint64_t> sizeMultiplier(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 19> kUnits{{
      {"", 1},
      {"b", 1},
      {"k", 1'000},
      {"kb", 1'000},
      {"m", 1'000'000},
      {"mb", 1'000'000},
      {"g", 1'000'000'000},
      {"gb", 1'000'000'000},
      {"t", 1'000'000'000'000},
      {"tb", 1'000'000'000'000},
      {"ki", 1ull << 10},
      {"kib", 1ull << 10},
      {"mi", 1ull << 20},
      {"mib", 1ull << 20},
      {"gi", 1ull << 30},
      {"gib", 1ull << 30},
      {"ti", 1ull << 40},
      {"tib", 1ull << 40},
      {"bytes", 1},
  }};
  const std::string key = lower(unit);
  for (const auto& [name, multiplier] : kUnits) {
    if (name == key) return multiplier;
  }
  return std::nullopt;
}

// Empty string on success; otherwise why `text` is not a size.
std::string sizeError(std::string_view text, uint64_t& out) {
  const auto q = splitQuantity(text);
  if (!q) return std::string(kExpectSize);
  const auto multiplier = sizeMultiplier(q->unit);
  if (!multiplier) return std::string(kExpectSize);
  if (q->negative) return "must be positive";
  if (q->isZero()) return "must be at least 1 byte, not 0";
  switch (exactProduct(*q, *multiplier, std::numeric_limits<uint64_t>::max(), out)) {
    case Exact::kOk:
      return {};
    case Exact::kTooLarge:
      return "too large; the maximum is 18446744073709551615 bytes (16 EiB)";
    case Exact::kNotWhole:
      return "not a whole number of bytes";
  }
  return std::string(kExpectSize);
}

std::optional<uint64_t> durationMultiplier(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 12> kUnits{{
      {"", 1'000'000'000},
      {"ns", 1},
      {"us", 1'000},
      {"\xC2\xB5s", 1'000},  // µs, MICRO SIGN
      {"\xCE\xBCs", 1'000},  // μs, GREEK SMALL LETTER MU
      {"ms", 1'000'000},
      {"s", 1'000'000'000},
      {"sec", 1'000'000'000},
      {"m", 60'000'000'000},
      {"min", 60'000'000'000},
      {"h", 3'600'000'000'000},
      {"hr", 3'600'000'000'000},
  }};
  const std::string key = lower(unit);
  for (const auto& [name, multiplier] : kUnits) {
    if (name == key) return multiplier;
  }
  return std::nullopt;
}

enum class RateKind { kBits, kBytes, kPackets };

// The unit without its prefix: "bit/s", "Bps", "pps", "".
std::optional<RateKind> rateBase(std::string_view base) {
  const std::string key = lower(base);
  if (key.empty() || key == "bit" || key == "bits" || key == "bit/s" || key == "bits/s") return RateKind::kBits;
  if (key == "byte/s" || key == "bytes/s") return RateKind::kBytes;
  if (key == "pps") return RateKind::kPackets;
  // The case of the b decides between bits and bytes: "Gbps" vs "GBps", "Mb/s" vs "MB/s".
  if (key == "bps" || key == "b/s") return base.front() == 'b' ? RateKind::kBits : RateKind::kBytes;
  return std::nullopt;
}

struct RateUnit {
  double multiplier = 1;
  RateKind kind = RateKind::kBits;
};

std::optional<RateUnit> rateUnit(std::string_view unit) {
  if (unit.empty()) return RateUnit{};
  double prefix = 0;
  switch (lowerAscii(unit.front())) {
    case 'k': prefix = 1e3; break;
    case 'm': prefix = 1e6; break;
    case 'g': prefix = 1e9; break;
    case 't': prefix = 1e12; break;
    default: break;
  }
  if (prefix != 0) {
    if (const auto kind = rateBase(unit.substr(1))) return RateUnit{prefix, *kind};
  }
  // No prefix: the base must be spelled out ("bps", "pps"); a bare number was handled above.
  if (const auto kind = rateBase(unit)) return RateUnit{1, *kind};
  return std::nullopt;
}

// Three significant digits for 0 <= v < 999.5.
std::string threeDigits(double v) {
  if (v < 9.995) return fmt::format("{:.2f}", v);
  if (v < 99.95) return fmt::format("{:.1f}", v);
  return fmt::format("{:.0f}", v);
}

// Empty on success; otherwise why the sweep cannot be expanded.
std::string sweepError(const SizeSweep& s, std::vector<uint64_t>* out) {
  if (s.min == 0) return "min must be at least 1 byte, not 0";
  if (s.min > s.max) return fmt::format("min {} is greater than max {}", s.min, s.max);
  if (!std::isfinite(s.factor) || s.factor <= 1) return fmt::format("factor {} must be greater than 1", s.factor);
  std::vector<uint64_t> sizes;
  const bool integral = s.factor == std::floor(s.factor) && s.factor < 18446744073709551616.0;
  uint64_t v = s.min;
  while (true) {
    if (sizes.size() == kMaxSweepSizes) {
      return fmt::format("sweep {}:{}:{} gives more than {} sizes; use a larger factor", s.min, s.max, s.factor,
                         kMaxSweepSizes);
    }
    sizes.push_back(v);
    if (v == s.max) break;
    uint64_t next = 0;
    bool beyond = false;
    if (integral) {
      beyond = __builtin_mul_overflow(v, static_cast<uint64_t>(s.factor), &next);
    } else {
      const long double product = static_cast<long double>(v) * s.factor;
      beyond = product >= 18446744073709551616.0L;
      if (!beyond) next = static_cast<uint64_t>(product);
    }
    if (!beyond) next = std::max(next, v + 1);
    if (beyond || next > s.max) next = s.max;  // the progression overshoots: finish with max itself
    v = next;
  }
  if (out != nullptr) *out = std::move(sizes);
  return {};
}

}  // namespace

uint64_t parseSize(std::string_view text, std::string_view where) {
  uint64_t bytes = 0;
  if (const std::string why = sizeError(text, bytes); !why.empty()) fail(where, text, why);
  return bytes;
}

Rate parseRate(std::string_view text, std::string_view where) {
  const auto q = splitQuantity(text);
  if (!q) fail(where, text, kExpectRate);
  const auto unit = rateUnit(q->unit);
  if (!unit) fail(where, text, kExpectRate);
  if (q->negative) fail(where, text, "must be positive");
  if (q->isZero()) fail(where, text, "must be positive, not 0");
  const auto number = toDouble(*q);
  double value = number ? *number * unit->multiplier : 0;
  if (unit->kind == RateKind::kBytes) value *= 8;
  if (!number || !std::isfinite(value)) fail(where, text, "too large");
  if (value <= 0) fail(where, text, "too small to be a rate");  // underflow of an absurdly small fraction
  Rate rate;
  if (unit->kind == RateKind::kPackets) {
    rate.packets_per_second = value;
  } else {
    rate.bits_per_second = value;
  }
  return rate;
}

int64_t parseDurationNs(std::string_view text, std::string_view where) {
  const auto q = splitQuantity(text);
  if (!q) fail(where, text, kExpectDuration);
  const auto multiplier = durationMultiplier(q->unit);
  if (!multiplier) fail(where, text, kExpectDuration);
  if (q->negative) fail(where, text, "must be positive");
  if (q->isZero()) fail(where, text, "must be longer than 0");
  uint64_t ns = 0;
  switch (exactProduct(*q, *multiplier, std::numeric_limits<int64_t>::max(), ns)) {
    case Exact::kOk:
      break;
    case Exact::kTooLarge:
      fail(where, text, "too long; the maximum is 9223372036854775807 ns (about 292 years)");
    case Exact::kNotWhole:
      fail(where, text, "not a whole number of nanoseconds");
  }
  return static_cast<int64_t>(ns);
}

SizeSweep parseSweep(std::string_view text, std::string_view where) {
  std::vector<std::string_view> parts;
  std::string_view rest = text;
  while (true) {
    const size_t colon = rest.find(':');
    parts.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  if (parts.size() != 2 && parts.size() != 3) fail(where, text, kExpectSweep);

  SizeSweep sweep;
  if (std::string why = sizeError(parts[0], sweep.min); !why.empty()) {
    fail(where, text, fmt::format("min '{}': {}", printable(trim(parts[0])), why));
  }
  if (std::string why = sizeError(parts[1], sweep.max); !why.empty()) {
    fail(where, text, fmt::format("max '{}': {}", printable(trim(parts[1])), why));
  }
  if (sweep.min > sweep.max) {
    fail(where, text, fmt::format("min {} is greater than max {}", trim(parts[0]), trim(parts[1])));
  }
  if (parts.size() == 3) {
    const std::string factor_text = printable(trim(parts[2]));
    const auto q = splitQuantity(parts[2]);
    const auto number = (q && q->unit.empty() && !q->negative) ? toDouble(*q) : std::nullopt;
    if (!number) fail(where, text, fmt::format("factor '{}': expected a number greater than 1 like 2 or 1.5", factor_text));
    if (*number <= 1) fail(where, text, fmt::format("factor '{}': must be greater than 1", factor_text));
    sweep.factor = *number;
  }
  if (std::string why = sweepError(sweep, nullptr); !why.empty()) fail(where, text, why);
  return sweep;
}

std::vector<uint64_t> expandSweep(const SizeSweep& sweep) {
  std::vector<uint64_t> sizes;
  if (std::string why = sweepError(sweep, &sizes); !why.empty()) throw ConfigError("size sweep: " + why);
  return sizes;
}

std::string formatBytes(uint64_t bytes) {
  static constexpr std::array<std::string_view, 6> kUnits{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  for (size_t i = kUnits.size(); i-- > 0;) {
    const uint64_t unit = uint64_t{1} << (10 * (i + 1));
    if (bytes >= unit && bytes % unit == 0) return fmt::format("{} {}", bytes / unit, kUnits[i]);
  }
  if (bytes < 10'000) return fmt::format("{} B", bytes);
  size_t i = 0;
  while (i + 1 < kUnits.size() && bytes >= (uint64_t{1} << (10 * (i + 2)))) ++i;
  const double unit = static_cast<double>(uint64_t{1} << (10 * (i + 1)));
  return fmt::format("{:.2f} {}", static_cast<double>(bytes) / unit, kUnits[i]);
}

std::string formatRate(double bits_per_second) {
  static constexpr std::array<std::string_view, 6> kPrefixes{"", "k", "M", "G", "T", "P"};
  if (!std::isfinite(bits_per_second) || bits_per_second < 0) return "n/a";
  if (bits_per_second == 0) return "0 bit/s";
  double v = bits_per_second;
  size_t i = 0;
  while (v >= 999.5 && i + 1 < kPrefixes.size()) {
    v /= 1000;
    ++i;
  }
  return fmt::format("{} {}bit/s", threeDigits(v), kPrefixes[i]);
}

std::string formatDuration(int64_t ns) {
  // Work on the magnitude as unsigned so that INT64_MIN is fine.
  const bool negative = ns < 0;
  const uint64_t magnitude = negative ? uint64_t{0} - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  const std::string sign = negative ? "-" : "";
  if (magnitude < 1000) return fmt::format("{}{} ns", sign, magnitude);
  const double d = static_cast<double>(magnitude);
  if (d / 1e3 < 999.5) return fmt::format("{}{} us", sign, threeDigits(d / 1e3));
  if (d / 1e6 < 999.5) return fmt::format("{}{} ms", sign, threeDigits(d / 1e6));
  if (d / 1e9 < 999.5) return fmt::format("{}{} s", sign, threeDigits(d / 1e9));
  return fmt::format("{}{:.0f} s", sign, d / 1e9);
}

}  // namespace fabcheck::model
