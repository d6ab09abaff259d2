#include "generators/measure/payload_check.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace fabcheck::measure {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // CRC-32C (Castagnoli), reflected

// Slice-by-8 tables: kTables[0] is the classic byte table; kTables[k][b] advances the CRC of
// byte b followed by k zero bytes.
constexpr std::array<std::array<uint32_t, 256>, 8> makeTables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; ++b)
    for (size_t k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  return t;
}
constexpr auto kTables = makeTables();

inline uint64_t load64(const std::byte* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;  // little-endian hosts only (see wire_header.h)
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crcSse42(uint32_t state, const std::byte* p, size_t n) noexcept {
  uint64_t s = state;
  for (; n >= 8; n -= 8, p += 8) s = _mm_crc32_u64(s, load64(p));
  uint32_t s32 = static_cast<uint32_t>(s);
  for (; n > 0; --n, ++p) s32 = _mm_crc32_u8(s32, static_cast<uint8_t>(*p));
  return s32;
}
#endif

// SplitMix64 finaliser: a cheap, well-mixed function of its input.
inline uint64_t mix64(uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

inline uint64_t patternKey(uint32_t flow_id, uint64_t seq) noexcept {
  return mix64(mix64(uint64_t{flow_id} + kGolden) ^ seq);
}
inline uint64_t patternWord(uint64_t key, uint64_t i) noexcept { return mix64(key + (i + 1) * kGolden); }

}  // namespace

namespace detail {

uint32_t crc32cSoftware(uint32_t crc, std::span<const std::byte> data) noexcept {
  uint32_t s = ~crc;
  const std::byte* p = data.data();
  size_t n = data.size();
  for (; n >= 8; n -= 8, p += 8) {
    const uint64_t w = load64(p) ^ s;
    s = kTables[7][w & 0xFF] ^ kTables[6][(w >> 8) & 0xFF] ^ kTables[5][(w >> 16) & 0xFF] ^
        kTables[4][(w >> 24) & 0xFF] ^ kTables[3][(w >> 32) & 0xFF] ^ kTables[2][(w >> 40) & 0xFF] ^
        kTables[1][(w >> 48) & 0xFF] ^ kTables[0][w >> 56];
  }
  for (; n > 0; --n, ++p) s = (s >> 8) ^ kTables[0][(s ^ static_cast<uint8_t>(*p)) & 0xFFu];
  return ~s;
}

uint32_t crc32cHardware(uint32_t crc, std::span<const std::byte> data) noexcept {
#if defined(__x86_64__)
  return ~crcSse42(~crc, data.data(), data.size());
#else
  return crc32cSoftware(crc, data);
#endif
}

bool crc32cHardwareAvailable() noexcept {
#if defined(__x86_64__)
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return available;
#else
  return false;
#endif
}

}  // namespace detail

uint32_t crc32cExtend(uint32_t crc, std::span<const std::byte> data) noexcept {
  return detail::crc32cHardwareAvailable() ? detail::crc32cHardware(crc, data) : detail::crc32cSoftware(crc, data);
}

uint32_t crc32c(std::span<const std::byte> data) noexcept { return crc32cExtend(0, data); }

void fillPayload(std::span<std::byte> out, uint32_t flow_id, uint64_t seq) noexcept {
  const uint64_t key = patternKey(flow_id, seq);
  std::byte* p = out.data();
  const size_t words = out.size() / 8;
  for (size_t i = 0; i < words; ++i) {
    const uint64_t w = patternWord(key, i);
    std::memcpy(p + 8 * i, &w, 8);
  }
  if (const size_t tail = out.size() % 8; tail != 0) {
    const uint64_t w = patternWord(key, words);
    std::memcpy(p + 8 * words, &w, tail);
  }
}

bool payloadMatches(std::span<const std::byte> data, uint32_t flow_id, uint64_t seq) noexcept {
  const uint64_t key = patternKey(flow_id, seq);
  const std::byte* p = data.data();
  const size_t words = data.size() / 8;
  uint64_t diff = 0;
  for (size_t i = 0; i < words; ++i) diff |= load64(p + 8 * i) ^ patternWord(key, i);
  if (const size_t tail = data.size() % 8; tail != 0) {
    const uint64_t w = patternWord(key, words);
    diff |= static_cast<uint64_t>(std::memcmp(p + 8 * words, &w, tail) != 0);
  }
  return diff == 0;
}

}  // namespace fabcheck::measure
