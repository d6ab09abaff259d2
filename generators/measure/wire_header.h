// The header at the start of every fabcheck datagram/message.
//
// Layout (32 bytes, little-endian, no padding):
//   0  u32 magic        kWireMagic ("FBCK")
//   4  u8  version      kWireVersion
//   5  u8  flags        WireFlags bits
//   6  u16 reserved     0
//   8  u32 flow_id      which flow this message belongs to
//  12  u32 seq          per-flow sequence number; wraps at 2^32 (receivers unwrap it)
//  16  u32 tag          pattern-specific: burst index (microburst), iteration (pingpong)
//  20  u32 check        CRC-32C of the payload after the header when kFlagPayloadCheck, else 0
//  24  i64 send_ts_ns   sender's CLOCK_REALTIME at send, ns
//
// Decoding never trusts input: decodeWireHeader() returns a status for short, foreign
// (bad magic) or unknown-version messages, and payload checks are verified separately.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace fabcheck::measure {

constexpr uint32_t kWireMagic = 0x4b434246;  // bytes "FBCK" in memory (little-endian)
constexpr uint8_t kWireVersion = 1;
constexpr size_t kWireHeaderSize = 32;

enum WireFlags : uint8_t {
  kFlagPayloadCheck = 1 << 0,  // `check` holds CRC-32C of the payload
  kFlagReply = 1 << 1,         // an echo (pingpong response)
  kFlagLastInBurst = 1 << 2,   // last message of a burst (microburst)
  kFlagFinal = 1 << 3,         // last message of the flow (end marker)
  kFlagWarmup = 1 << 4,        // sent during warm-up: accounted for loss, excluded from rates/latency
};

struct WireHeader {
  uint8_t flags = 0;
  uint32_t flow_id = 0;
  uint32_t seq = 0;
  uint32_t tag = 0;
  uint32_t check = 0;
  int64_t send_ts_ns = 0;
};

enum class WireStatus : uint8_t { kOk, kTooShort, kBadMagic, kBadVersion };

namespace detail {
template <typename T>
inline void storeLe(std::byte* p, T v) noexcept {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "big-endian hosts not supported yet");
  std::memcpy(p, &v, sizeof v);
}
template <typename T>
inline T loadLe(const std::byte* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
}  // namespace detail

// Writes the header into the first kWireHeaderSize bytes of `out` (caller guarantees room).
inline void encodeWireHeader(const WireHeader& h, std::byte* out) noexcept {
  detail::storeLe<uint32_t>(out + 0, kWireMagic);
  detail::storeLe<uint8_t>(out + 4, kWireVersion);
  detail::storeLe<uint8_t>(out + 5, h.flags);
  detail::storeLe<uint16_t>(out + 6, 0);
  detail::storeLe<uint32_t>(out + 8, h.flow_id);
  detail::storeLe<uint32_t>(out + 12, h.seq);
  detail::storeLe<uint32_t>(out + 16, h.tag);
  detail::storeLe<uint32_t>(out + 20, h.check);
  detail::storeLe<int64_t>(out + 24, h.send_ts_ns);
}

// Hot-path helpers to rewrite the per-message fields of an already encoded header.
inline void patchWireSeq(std::byte* msg, uint32_t seq) noexcept { detail::storeLe<uint32_t>(msg + 12, seq); }
inline void patchWireTag(std::byte* msg, uint32_t tag) noexcept { detail::storeLe<uint32_t>(msg + 16, tag); }
inline void patchWireFlags(std::byte* msg, uint8_t flags) noexcept { detail::storeLe<uint8_t>(msg + 5, flags); }
inline void patchWireTimestamp(std::byte* msg, int64_t ts) noexcept { detail::storeLe<int64_t>(msg + 24, ts); }

inline WireStatus decodeWireHeader(std::span<const std::byte> msg, WireHeader& out) noexcept {
  if (msg.size() < kWireHeaderSize) return WireStatus::kTooShort;
  const std::byte* p = msg.data();
  if (detail::loadLe<uint32_t>(p) != kWireMagic) return WireStatus::kBadMagic;
  if (detail::loadLe<uint8_t>(p + 4) != kWireVersion) return WireStatus::kBadVersion;
  out.flags = detail::loadLe<uint8_t>(p + 5);
  out.flow_id = detail::loadLe<uint32_t>(p + 8);
  out.seq = detail::loadLe<uint32_t>(p + 12);
  out.tag = detail::loadLe<uint32_t>(p + 16);
  out.check = detail::loadLe<uint32_t>(p + 20);
  out.send_ts_ns = detail::loadLe<int64_t>(p + 24);
  return WireStatus::kOk;
}

}  // namespace fabcheck::measure
