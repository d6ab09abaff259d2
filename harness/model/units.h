// Parsing and formatting of the units users type: sizes, rates, durations and size sweeps.
//
// Contract:
// - Every parse function takes the text and `where` it came from (a CLI option such as "--size",
//   or "file:line:col" for a suite) and either returns a valid, positive, finite value or throws
//   ConfigError with ONE line: "<where> '<text>': <what is wrong / what was expected>", e.g.
//   "--size '10Gx': expected a size in bytes like 1400, 64K, 1MiB, 9000B".
// - Leading/trailing blanks and blanks between the number and the unit are accepted ("10 Gbit/s").
// - Numbers are plain decimals ("1400", "1.5"); no sign, exponent, hex, NaN or infinity.
// - Sizes and durations are computed exactly (no floating point): "1.5KiB" is 1536 bytes, but a
//   result that is not a whole number of bytes / nanoseconds ("1.5B", "0.5ns") is rejected.
// - Zero is rejected for sizes, rates and durations (it is never meaningful where these are used).
// - Formatting functions are for humans (console, logs); they never throw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fabcheck::model {

// Bytes. Accepted: "1400", "64B", decimal "1K"/"1KB" = 1000, "1M", "1G", "1T" (and "MB"...),
// binary "1KiB" = 1024, "MiB", "GiB", "TiB"; the suffix is case-insensitive ("64kib").
// Fractions are allowed when the result is whole ("1.5K" = 1500). Must fit in uint64 and be > 0.
uint64_t parseSize(std::string_view text, std::string_view where);

// A send rate: either bits per second or packets per second; exactly one member is non-zero.
struct Rate {
  double bits_per_second = 0;
  double packets_per_second = 0;
};

// Decimal prefixes k, M, G, T (prefix letter case-insensitive). Units:
//   bits:    "" (a bare prefix: "10G"), "bit", "bits", "bit/s", "bits/s", "bps", "b/s"  ("10Gbit/s", "10gbps", "100Mb/s")
//   bytes:   "B/s", "Bps", "byte/s", "bytes/s" — multiplied by 8                        ("1.25GB/s", "125MBps")
//   packets: "pps"                                                                     ("1Mpps", "500kpps")
// A plain number is bits per second. The b/B case matters: lower-case b is bits, upper-case B bytes.
Rate parseRate(std::string_view text, std::string_view where);

// Nanoseconds. Units (case-insensitive): "ns", "us" (or "µs"), "ms", "s", "m"/"min", "h".
// A plain number is seconds. "1.5s" = 1'500'000'000. Must be a whole number of ns, > 0, fit in int64.
int64_t parseDurationNs(std::string_view text, std::string_view where);

// A geometric sweep of message sizes, like nccl-tests -b/-e/-f.
struct SizeSweep {
  uint64_t min = 0;
  uint64_t max = 0;
  double factor = 2;
};

// "min:max" (factor 2) or "min:max:factor"; min and max are sizes as parseSize accepts them
// ("64:1M:4"), factor a plain number > 1 (may be fractional, e.g. "1.5"). min <= max.
SizeSweep parseSweep(std::string_view text, std::string_view where);

// At most this many sizes come out of one sweep; a longer sweep is a ConfigError.
constexpr size_t kMaxSweepSizes = 10'000;

// min, min*f, min*f^2, ... while <= max, then max itself if the progression did not hit it.
// Each step grows by at least one byte. Throws ConfigError if the sweep is invalid (min == 0,
// min > max, factor <= 1 or not finite) or would yield more than kMaxSweepSizes sizes.
std::vector<uint64_t> expandSweep(const SizeSweep& sweep);

// "1400 B", "64 KiB", "1025 KiB", "3 MiB"; a value that is not a whole number of KiB and is
// at least 10000 bytes is shown with two decimals in the largest binary unit: "976.56 KiB".
std::string formatBytes(uint64_t bytes);

// Three significant digits, decimal prefixes: "950 bit/s", "1.25 Gbit/s", "10.0 Gbit/s", "400 Gbit/s".
// Non-finite or negative input gives "n/a".
std::string formatRate(double bits_per_second);

// Three significant digits: "250 ns", "12.5 us", "500 ms", "1.50 s", "90.0 s"; 1000 s and longer
// as whole seconds ("3600 s"). Negative values get a leading '-'.
std::string formatDuration(int64_t ns);

}  // namespace fabcheck::model
