#include "generators/measure/wire_header.h"

#include <gtest/gtest.h>

#include <array>

namespace fabcheck::measure {
namespace {

TEST(WireHeader, RoundTripsEveryField) {
  std::array<std::byte, 64> buf{};
  WireHeader in{.flags = kFlagReply | kFlagFinal, .flow_id = 7, .seq = 0xfffffffe, .tag = 42,
                .check = 0xdeadbeef, .send_ts_ns = 1'700'000'000'123'456'789};
  encodeWireHeader(in, buf.data());
  WireHeader out;
  ASSERT_EQ(decodeWireHeader(buf, out), WireStatus::kOk);
  EXPECT_EQ(out.flags, in.flags);
  EXPECT_EQ(out.flow_id, 7u);
  EXPECT_EQ(out.seq, 0xfffffffeu);
  EXPECT_EQ(out.tag, 42u);
  EXPECT_EQ(out.check, 0xdeadbeefu);
  EXPECT_EQ(out.send_ts_ns, in.send_ts_ns);
}

TEST(WireHeader, PatchesRewriteOnlyTheirField) {
  std::array<std::byte, kWireHeaderSize> buf{};
  encodeWireHeader(WireHeader{.flow_id = 3, .seq = 1}, buf.data());
  patchWireSeq(buf.data(), 99);
  patchWireTimestamp(buf.data(), 5);
  WireHeader out;
  ASSERT_EQ(decodeWireHeader(buf, out), WireStatus::kOk);
  EXPECT_EQ(out.flow_id, 3u);
  EXPECT_EQ(out.seq, 99u);
  EXPECT_EQ(out.send_ts_ns, 5);
}

TEST(WireHeader, RejectsShortForeignAndFutureMessages) {
  std::array<std::byte, kWireHeaderSize> buf{};
  WireHeader out;
  EXPECT_EQ(decodeWireHeader(std::span(buf).first(kWireHeaderSize - 1), out), WireStatus::kTooShort);
  EXPECT_EQ(decodeWireHeader(buf, out), WireStatus::kBadMagic);  // all zero
  encodeWireHeader(WireHeader{}, buf.data());
  buf[4] = std::byte{kWireVersion + 1};
  EXPECT_EQ(decodeWireHeader(buf, out), WireStatus::kBadVersion);
}

}  // namespace
}  // namespace fabcheck::measure
