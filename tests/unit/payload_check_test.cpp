#include "generators/measure/payload_check.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string_view>
#include <vector>

namespace fabcheck::measure {
namespace {

std::span<const std::byte> bytesOf(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::vector<std::byte> randomBytes(std::mt19937_64& rng, size_t n) {
  std::vector<std::byte> v(n);
  for (auto& b : v) b = static_cast<std::byte>(rng());
  return v;
}

TEST(PayloadCheck, Crc32cStandardCheckValue) {
  EXPECT_EQ(crc32c(bytesOf("123456789")), 0xE3069283u);
  EXPECT_EQ(detail::crc32cSoftware(0, bytesOf("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c({}), 0u);
  // RFC 3720 (iSCSI) B.4: 32 bytes of zeros and of 0xFF.
  std::vector<std::byte> zeros(32, std::byte{0}), ones(32, std::byte{0xFF});
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
  if (detail::crc32cHardwareAvailable()) {
    EXPECT_EQ(detail::crc32cHardware(0, bytesOf("123456789")), 0xE3069283u);
    EXPECT_EQ(detail::crc32cHardware(0, zeros), 0x8A9136AAu);
  }
}

TEST(PayloadCheck, HardwareAndSoftwareAgreeOnRandomBuffers) {
  if (!detail::crc32cHardwareAvailable()) GTEST_SKIP() << "this CPU has no SSE4.2 crc32 instruction";
  std::mt19937_64 rng(42);
  for (size_t n : {0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 1400, 4096, 9000, 65507}) {
    for (int rep = 0; rep < 4; ++rep) {
      auto buf = randomBytes(rng, n);
      const uint32_t seed = rep == 0 ? 0u : static_cast<uint32_t>(rng());
      // Unaligned starts too.
      std::span<const std::byte> s(buf);
      const size_t skip = std::min<size_t>(n, static_cast<size_t>(rep));
      s = s.subspan(skip);
      EXPECT_EQ(detail::crc32cHardware(seed, s), detail::crc32cSoftware(seed, s)) << "size " << n << " rep " << rep;
    }
  }
}

TEST(PayloadCheck, ExtendEqualsOneShot) {
  std::mt19937_64 rng(7);
  auto buf = randomBytes(rng, 1000);
  std::span<const std::byte> all(buf);
  for (size_t cut : {0, 1, 13, 500, 999, 1000})
    EXPECT_EQ(crc32cExtend(crc32c(all.first(cut)), all.subspan(cut)), crc32c(all)) << cut;
}

TEST(PayloadCheck, EveryFlippedBitIsDetected) {
  std::mt19937_64 rng(3);
  auto buf = randomBytes(rng, 257);
  const uint32_t good = crc32c(buf);
  for (size_t bit = 0; bit < buf.size() * 8; ++bit) {
    buf[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
    EXPECT_NE(crc32c(buf), good) << "bit " << bit;
    EXPECT_NE(detail::crc32cSoftware(0, buf), good) << "bit " << bit;
    buf[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
  }
  EXPECT_EQ(crc32c(buf), good);
}

TEST(PayloadCheck, FillIsDeterministicAndDistinct) {
  for (size_t n : {0, 1, 5, 8, 13, 1400}) {
    std::vector<std::byte> a(n), b(n), c(n), d(n);
    fillPayload(a, 1, 100);
    fillPayload(b, 1, 100);
    fillPayload(c, 1, 101);
    fillPayload(d, 2, 100);
    EXPECT_EQ(a, b) << n;
    EXPECT_TRUE(payloadMatches(a, 1, 100)) << n;
    if (n >= 4) {
      EXPECT_NE(a, c) << "next message differs, size " << n;
      EXPECT_NE(a, d) << "other flow differs, size " << n;
      EXPECT_FALSE(payloadMatches(a, 1, 101)) << n;
      EXPECT_FALSE(payloadMatches(a, 2, 100)) << n;
    }
  }
  // A prefix of a longer fill is the shorter fill: the pattern depends only on the offset.
  std::vector<std::byte> long_buf(100), short_buf(37);
  fillPayload(long_buf, 9, 9);
  fillPayload(short_buf, 9, 9);
  EXPECT_EQ(std::memcmp(long_buf.data(), short_buf.data(), short_buf.size()), 0);
}

TEST(PayloadCheck, PatternMismatchIsDetectedAnywhere) {
  std::vector<std::byte> buf(1403);
  fillPayload(buf, 5, 1ull << 40);
  for (size_t i : {size_t{0}, size_t{7}, size_t{8}, size_t{700}, size_t{1399}, size_t{1400}, size_t{1402}}) {
    buf[i] ^= std::byte{0x10};
    EXPECT_FALSE(payloadMatches(buf, 5, 1ull << 40)) << "byte " << i;
    buf[i] ^= std::byte{0x10};
  }
  EXPECT_TRUE(payloadMatches(buf, 5, 1ull << 40));
}

}  // namespace
}  // namespace fabcheck::measure
