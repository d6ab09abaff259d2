#include "harness/model/units.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "generators/core/errors.h"

namespace fabcheck::model {
namespace {

// The ConfigError message `f` throws, or a marker when it throws nothing.
std::string configErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no ConfigError>";
}

std::string sizeError(std::string_view text) {
  return configErrorOf([&] { parseSize(text, "--size"); });
}
std::string rateError(std::string_view text) {
  return configErrorOf([&] { parseRate(text, "--rate"); });
}
std::string durationError(std::string_view text) {
  return configErrorOf([&] { parseDurationNs(text, "--duration"); });
}
std::string sweepError(std::string_view text) {
  return configErrorOf([&] { parseSweep(text, "suite.yaml:3:9"); });
}

// ---- sizes ---------------------------------------------------------------------------------

TEST(UnitsSize, AcceptsPlainDecimalAndBinaryForms) {
  EXPECT_EQ(parseSize("1400", "--size"), 1400u);
  EXPECT_EQ(parseSize("64B", "--size"), 64u);
  EXPECT_EQ(parseSize("9000b", "--size"), 9000u);
  EXPECT_EQ(parseSize("1K", "--size"), 1000u);
  EXPECT_EQ(parseSize("1KB", "--size"), 1000u);
  EXPECT_EQ(parseSize("1kb", "--size"), 1000u);
  EXPECT_EQ(parseSize("1KiB", "--size"), 1024u);
  EXPECT_EQ(parseSize("64kib", "--size"), 65536u);
  EXPECT_EQ(parseSize("1Ki", "--size"), 1024u);
  EXPECT_EQ(parseSize("2M", "--size"), 2'000'000u);
  EXPECT_EQ(parseSize("2MB", "--size"), 2'000'000u);
  EXPECT_EQ(parseSize("1MiB", "--size"), 1u << 20);
  EXPECT_EQ(parseSize("1mi", "--size"), 1u << 20);
  EXPECT_EQ(parseSize("3G", "--size"), 3'000'000'000u);
  EXPECT_EQ(parseSize("1GiB", "--size"), 1u << 30);
  EXPECT_EQ(parseSize("1T", "--size"), 1'000'000'000'000u);
  EXPECT_EQ(parseSize("1TB", "--size"), 1'000'000'000'000u);
  EXPECT_EQ(parseSize("2TiB", "--size"), uint64_t{2} << 40);
}

TEST(UnitsSize, AcceptsWholeFractionsBlanksAndTheLargestValue) {
  EXPECT_EQ(parseSize("1.5K", "--size"), 1500u);
  EXPECT_EQ(parseSize("1.5KiB", "--size"), 1536u);
  EXPECT_EQ(parseSize("0.5MiB", "--size"), 524'288u);
  EXPECT_EQ(parseSize("2.50K", "--size"), 2500u);
  EXPECT_EQ(parseSize("0.0009765625KiB", "--size"), 1u);
  EXPECT_EQ(parseSize("  9000 B\t", "--size"), 9000u);
  EXPECT_EQ(parseSize("0064", "--size"), 64u);
  EXPECT_EQ(parseSize("18446744073709551615", "--size"), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(parseSize("16777215TiB", "--size"), uint64_t{16777215} << 40);
}

TEST(UnitsSize, RejectsMalformedTextWithTheExpectedForms) {
  const std::string expected = ": expected a size in bytes like 1400, 64K, 1MiB, 9000B";
  EXPECT_EQ(sizeError("10Gx"), "--size '10Gx'" + expected);
  EXPECT_EQ(sizeError(""), "--size ''" + expected);
  EXPECT_EQ(sizeError("   "), "--size '   '" + expected);
  EXPECT_EQ(sizeError("5Q"), "--size '5Q'" + expected);
  EXPECT_EQ(sizeError("nan"), "--size 'nan'" + expected);
  EXPECT_EQ(sizeError("inf"), "--size 'inf'" + expected);
  EXPECT_EQ(sizeError("1e3"), "--size '1e3'" + expected);
  EXPECT_EQ(sizeError("+5"), "--size '+5'" + expected);
  EXPECT_EQ(sizeError("1."), "--size '1.'" + expected);
  EXPECT_EQ(sizeError(".5K"), "--size '.5K'" + expected);
  EXPECT_EQ(sizeError("1.2.3"), "--size '1.2.3'" + expected);
  EXPECT_EQ(sizeError("0x40"), "--size '0x40'" + expected);
  EXPECT_EQ(sizeError("64 KiB extra"), "--size '64 KiB extra'" + expected);
  EXPECT_EQ(sizeError("1\n2"), "--size '1?2'" + expected);  // stays one line
}

TEST(UnitsSize, RejectsNegativeZeroOverflowAndFractionalBytes) {
  EXPECT_EQ(sizeError("-5"), "--size '-5': must be positive");
  EXPECT_EQ(sizeError("-1K"), "--size '-1K': must be positive");
  EXPECT_EQ(sizeError("0"), "--size '0': must be at least 1 byte, not 0");
  EXPECT_EQ(sizeError("0.00KiB"), "--size '0.00KiB': must be at least 1 byte, not 0");
  const std::string too_large = ": too large; the maximum is 18446744073709551615 bytes (16 EiB)";
  EXPECT_EQ(sizeError("18446744073709551616"), "--size '18446744073709551616'" + too_large);
  EXPECT_EQ(sizeError("99999999999999999999999999999"), "--size '99999999999999999999999999999'" + too_large);
  EXPECT_EQ(sizeError("16777216TiB"), "--size '16777216TiB'" + too_large);
  EXPECT_EQ(sizeError("18446744073709551615.5K"), "--size '18446744073709551615.5K'" + too_large);
  EXPECT_EQ(sizeError("1.5B"), "--size '1.5B': not a whole number of bytes");
  EXPECT_EQ(sizeError("1.0001K"), "--size '1.0001K': not a whole number of bytes");
  EXPECT_EQ(sizeError("0.1KiB"), "--size '0.1KiB': not a whole number of bytes");
}

TEST(UnitsSize, MessageWithoutAPlaceStillNamesTheText) {
  EXPECT_EQ(configErrorOf([] { parseSize("x", ""); }), "'x': expected a size in bytes like 1400, 64K, 1MiB, 9000B");
}

// ---- rates -----------------------------------------------------------------------------------

TEST(UnitsRate, BitForms) {
  EXPECT_DOUBLE_EQ(parseRate("10G", "--rate").bits_per_second, 10e9);
  EXPECT_DOUBLE_EQ(parseRate("10Gbit/s", "--rate").bits_per_second, 10e9);
  EXPECT_DOUBLE_EQ(parseRate("10gbps", "--rate").bits_per_second, 10e9);
  EXPECT_DOUBLE_EQ(parseRate("100mbit", "--rate").bits_per_second, 100e6);
  EXPECT_DOUBLE_EQ(parseRate("100Mb/s", "--rate").bits_per_second, 100e6);
  EXPECT_DOUBLE_EQ(parseRate("2.5 Gbits/s", "--rate").bits_per_second, 2.5e9);
  EXPECT_DOUBLE_EQ(parseRate("400k", "--rate").bits_per_second, 400e3);
  EXPECT_DOUBLE_EQ(parseRate("1T", "--rate").bits_per_second, 1e12);
  EXPECT_DOUBLE_EQ(parseRate("9600bps", "--rate").bits_per_second, 9600);
  EXPECT_DOUBLE_EQ(parseRate("1500", "--rate").bits_per_second, 1500);  // plain number: bit/s
  EXPECT_EQ(parseRate("10G", "--rate").packets_per_second, 0);
}

TEST(UnitsRate, ByteFormsAreMultipliedByEight) {
  EXPECT_DOUBLE_EQ(parseRate("1.25GB/s", "--rate").bits_per_second, 10e9);
  EXPECT_DOUBLE_EQ(parseRate("125MBps", "--rate").bits_per_second, 1e9);
  EXPECT_DOUBLE_EQ(parseRate("1 kbyte/s", "--rate").bits_per_second, 8e3);
  EXPECT_DOUBLE_EQ(parseRate("100B/s", "--rate").bits_per_second, 800);
}

TEST(UnitsRate, PacketForms) {
  const Rate mpps = parseRate("1Mpps", "--rate");
  EXPECT_DOUBLE_EQ(mpps.packets_per_second, 1e6);
  EXPECT_EQ(mpps.bits_per_second, 0);
  EXPECT_DOUBLE_EQ(parseRate("500kpps", "--rate").packets_per_second, 500e3);
  EXPECT_DOUBLE_EQ(parseRate("20pps", "--rate").packets_per_second, 20);
}

TEST(UnitsRate, Rejections) {
  const std::string expected = ": expected a rate like 10G, 10Gbit/s, 100Mb/s, 1.25GB/s, 1Mpps";
  EXPECT_EQ(rateError("10Gx"), "--rate '10Gx'" + expected);
  EXPECT_EQ(rateError(""), "--rate ''" + expected);
  EXPECT_EQ(rateError("fast"), "--rate 'fast'" + expected);
  EXPECT_EQ(rateError("nan"), "--rate 'nan'" + expected);
  EXPECT_EQ(rateError("inf"), "--rate 'inf'" + expected);
  EXPECT_EQ(rateError("10GiB/s"), "--rate '10GiB/s'" + expected);
  EXPECT_EQ(rateError("10GB"), "--rate '10GB'" + expected);
  EXPECT_EQ(rateError("10ms"), "--rate '10ms'" + expected);
  EXPECT_EQ(rateError("-5"), "--rate '-5': must be positive");
  EXPECT_EQ(rateError("0"), "--rate '0': must be positive, not 0");
  EXPECT_EQ(rateError("0.0Gbps"), "--rate '0.0Gbps': must be positive, not 0");
  EXPECT_EQ(rateError(std::string(400, '9') + "T"), "--rate '" + std::string(400, '9') + "T': too large");
}

// ---- durations -------------------------------------------------------------------------------

TEST(UnitsDuration, AcceptedForms) {
  EXPECT_EQ(parseDurationNs("10s", "--duration"), 10'000'000'000);
  EXPECT_EQ(parseDurationNs("500ms", "--duration"), 500'000'000);
  EXPECT_EQ(parseDurationNs("100us", "--duration"), 100'000);
  EXPECT_EQ(parseDurationNs("100\xC2\xB5s", "--duration"), 100'000);
  EXPECT_EQ(parseDurationNs("250ns", "--duration"), 250);
  EXPECT_EQ(parseDurationNs("2m", "--duration"), 120'000'000'000);
  EXPECT_EQ(parseDurationNs("2min", "--duration"), 120'000'000'000);
  EXPECT_EQ(parseDurationNs("1h", "--duration"), 3'600'000'000'000);
  EXPECT_EQ(parseDurationNs("1.5s", "--duration"), 1'500'000'000);
  EXPECT_EQ(parseDurationNs("1.5", "--duration"), 1'500'000'000);  // plain number: seconds
  EXPECT_EQ(parseDurationNs("3", "--duration"), 3'000'000'000);
  EXPECT_EQ(parseDurationNs("10 MS", "--duration"), 10'000'000);
  EXPECT_EQ(parseDurationNs("9223372036854775807ns", "--duration"), std::numeric_limits<int64_t>::max());
}

TEST(UnitsDuration, Rejections) {
  const std::string expected = ": expected a duration like 10s, 500ms, 100us, 250ns, 2m, 1h";
  EXPECT_EQ(durationError("10x"), "--duration '10x'" + expected);
  EXPECT_EQ(durationError(""), "--duration ''" + expected);
  EXPECT_EQ(durationError("1d"), "--duration '1d'" + expected);
  EXPECT_EQ(durationError("5s later"), "--duration '5s later'" + expected);
  EXPECT_EQ(durationError("-5s"), "--duration '-5s': must be positive");
  EXPECT_EQ(durationError("0"), "--duration '0': must be longer than 0");
  EXPECT_EQ(durationError("0ms"), "--duration '0ms': must be longer than 0");
  EXPECT_EQ(durationError("1.5ns"), "--duration '1.5ns': not a whole number of nanoseconds");
  const std::string too_long = ": too long; the maximum is 9223372036854775807 ns (about 292 years)";
  EXPECT_EQ(durationError("9223372036854775808ns"), "--duration '9223372036854775808ns'" + too_long);
  EXPECT_EQ(durationError("2562048h"), "--duration '2562048h'" + too_long);
}

// ---- sweeps ----------------------------------------------------------------------------------

TEST(UnitsSweep, ParsesTwoAndThreePartForms) {
  const SizeSweep two = parseSweep("64:4096", "--sizes");
  EXPECT_EQ(two.min, 64u);
  EXPECT_EQ(two.max, 4096u);
  EXPECT_EQ(two.factor, 2);
  const SizeSweep three = parseSweep("64:1M:4", "--sizes");
  EXPECT_EQ(three.min, 64u);
  EXPECT_EQ(three.max, 1'000'000u);
  EXPECT_EQ(three.factor, 4);
  EXPECT_EQ(parseSweep("1KiB:1KiB", "--sizes").max, 1024u);
  EXPECT_EQ(parseSweep("8:64:1.5", "--sizes").factor, 1.5);
}

TEST(UnitsSweep, Rejections) {
  const std::string where = "suite.yaml:3:9 ";
  EXPECT_EQ(sweepError("64"), where + "'64': expected min:max or min:max:factor like 64:4096 or 64:1M:4");
  EXPECT_EQ(sweepError("1:2:3:4"), where + "'1:2:3:4': expected min:max or min:max:factor like 64:4096 or 64:1M:4");
  EXPECT_EQ(sweepError("4096:64"), where + "'4096:64': min 4096 is greater than max 64");
  EXPECT_EQ(sweepError("4K:64"), where + "'4K:64': min 4K is greater than max 64");
  EXPECT_EQ(sweepError("64:1Mx"),
            where + "'64:1Mx': max '1Mx': expected a size in bytes like 1400, 64K, 1MiB, 9000B");
  EXPECT_EQ(sweepError("0:64"), where + "'0:64': min '0': must be at least 1 byte, not 0");
  EXPECT_EQ(sweepError("64:4096:1"), where + "'64:4096:1': factor '1': must be greater than 1");
  EXPECT_EQ(sweepError("64:4096:0.5"), where + "'64:4096:0.5': factor '0.5': must be greater than 1");
  EXPECT_EQ(sweepError("64:4096:-2"),
            where + "'64:4096:-2': factor '-2': expected a number greater than 1 like 2 or 1.5");
  EXPECT_EQ(sweepError("64:4096:x"), where + "'64:4096:x': factor 'x': expected a number greater than 1 like 2 or 1.5");
  EXPECT_EQ(sweepError("64:4096:"), where + "'64:4096:': factor '': expected a number greater than 1 like 2 or 1.5");
  EXPECT_EQ(sweepError("1:1T:1.0001"),
            where + "'1:1T:1.0001': sweep 1:1000000000000:1.0001 gives more than 10000 sizes; use a larger factor");
}

TEST(UnitsSweep, ExpandsGeometricallyAndEndsAtMax) {
  EXPECT_EQ(expandSweep({64, 1024, 2}), (std::vector<uint64_t>{64, 128, 256, 512, 1024}));
  EXPECT_EQ(expandSweep({64, 1000, 4}), (std::vector<uint64_t>{64, 256, 1000}));
  EXPECT_EQ(expandSweep({100, 100, 2}), (std::vector<uint64_t>{100}));
  EXPECT_EQ(expandSweep({8, 30, 1.5}), (std::vector<uint64_t>{8, 12, 18, 27, 30}));
  EXPECT_EQ(expandSweep({1, 5, 1.1}), (std::vector<uint64_t>{1, 2, 3, 4, 5}));  // at least one byte per step
  const auto sizes = expandSweep({2, std::numeric_limits<uint64_t>::max(), 2});
  ASSERT_EQ(sizes.size(), 64u);
  EXPECT_EQ(sizes[62], uint64_t{1} << 63);
  EXPECT_EQ(sizes.back(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(expandSweep(parseSweep("2:8MiB:2", "--sizes")).size(), 23u);  // perftest -a: 2..2^23
}

TEST(UnitsSweep, ExpandRefusesInvalidSweeps) {
  EXPECT_EQ(configErrorOf([] { expandSweep({64, 32, 2}); }), "size sweep: min 64 is greater than max 32");
  EXPECT_EQ(configErrorOf([] { expandSweep({0, 32, 2}); }), "size sweep: min must be at least 1 byte, not 0");
  EXPECT_EQ(configErrorOf([] { expandSweep({1, 32, 1}); }), "size sweep: factor 1 must be greater than 1");
  EXPECT_EQ(configErrorOf([] { expandSweep({1, 32, std::nan("")}); }), "size sweep: factor nan must be greater than 1");
}

// ---- formatting ------------------------------------------------------------------------------

TEST(UnitsFormat, Bytes) {
  EXPECT_EQ(formatBytes(0), "0 B");
  EXPECT_EQ(formatBytes(1400), "1400 B");
  EXPECT_EQ(formatBytes(9000), "9000 B");
  EXPECT_EQ(formatBytes(1024), "1 KiB");
  EXPECT_EQ(formatBytes(65536), "64 KiB");
  EXPECT_EQ(formatBytes(1025 * 1024), "1025 KiB");
  EXPECT_EQ(formatBytes(3 << 20), "3 MiB");
  EXPECT_EQ(formatBytes(uint64_t{1} << 40), "1 TiB");
  EXPECT_EQ(formatBytes(1'000'000), "976.56 KiB");
  EXPECT_EQ(formatBytes(1'500'000'000), "1.40 GiB");
  EXPECT_EQ(formatBytes(std::numeric_limits<uint64_t>::max()), "16.00 EiB");
}

TEST(UnitsFormat, Rate) {
  EXPECT_EQ(formatRate(10e9), "10.0 Gbit/s");
  EXPECT_EQ(formatRate(1.25e9), "1.25 Gbit/s");
  EXPECT_EQ(formatRate(400e9), "400 Gbit/s");
  EXPECT_EQ(formatRate(950), "950 bit/s");
  EXPECT_EQ(formatRate(999.6e6), "1.00 Gbit/s");
  EXPECT_EQ(formatRate(123.4e3), "123 kbit/s");
  EXPECT_EQ(formatRate(0), "0 bit/s");
  EXPECT_EQ(formatRate(-1), "n/a");
  EXPECT_EQ(formatRate(std::nan("")), "n/a");
  EXPECT_EQ(formatRate(std::numeric_limits<double>::infinity()), "n/a");
}

TEST(UnitsFormat, Duration) {
  EXPECT_EQ(formatDuration(250), "250 ns");
  EXPECT_EQ(formatDuration(12'500), "12.5 us");
  EXPECT_EQ(formatDuration(999'999), "1.00 ms");
  EXPECT_EQ(formatDuration(500'000'000), "500 ms");
  EXPECT_EQ(formatDuration(1'500'000'000), "1.50 s");
  EXPECT_EQ(formatDuration(90'000'000'000), "90.0 s");
  EXPECT_EQ(formatDuration(3'600'000'000'000), "3600 s");
  EXPECT_EQ(formatDuration(0), "0 ns");
  EXPECT_EQ(formatDuration(-1'500'000'000), "-1.50 s");
  EXPECT_EQ(formatDuration(std::numeric_limits<int64_t>::min()), "-9223372037 s");
}

TEST(UnitsFormat, ParsedValuesFormatBack) {
  EXPECT_EQ(formatBytes(parseSize("64KiB", "--size")), "64 KiB");
  EXPECT_EQ(formatRate(parseRate("1.25GB/s", "--rate").bits_per_second), "10.0 Gbit/s");
  EXPECT_EQ(formatDuration(parseDurationNs("1.5s", "--duration")), "1.50 s");
}

}  // namespace
}  // namespace fabcheck::model
