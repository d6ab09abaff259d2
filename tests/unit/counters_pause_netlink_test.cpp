// The pause-statistics client's pure side (ethtool_pause_netlink.h, netlink_message.h) on crafted
// kernel answers, laid out as net/ethtool/pause.c and linux/netlink.h lay them out: a well-formed
// reply with counters and settings; PAD, unknown and newer attributes skipped; counters absent or
// ETHTOOL_STAT_NOT_SET make no value and say why; EOPNOTSUPP / ENODEV (with and without the
// kernel's extended-ack text, capped or echoing the request) are "unavailable" reasons; other
// errors, every truncation and every length lie throw naming what was malformed. The requests
// are checked byte by byte against the UAPI layout. The bytes are built here by hand, not with
// the code under test.
#include <gtest/gtest.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <string>

#include "generators/core/errors.h"
#include "harness/counters/ethtool_pause_netlink.h"

namespace fabcheck::counters {
namespace {

using Buf = std::vector<uint8_t>;
constexpr uint16_t kFamily = 0x1b;
constexpr uint32_t kSeq = 4242;
const std::string kWhere = "fcq0";

template <typename T>
void append(Buf& b, T v) {
  const size_t at = b.size();
  b.resize(at + sizeof(T));
  std::memcpy(b.data() + at, &v, sizeof(T));
}

void pad4(Buf& b) {
  while (b.size() % 4 != 0) b.push_back(0);
}

Buf attr(uint16_t type, const Buf& payload) {
  Buf b;
  append<uint16_t>(b, static_cast<uint16_t>(4 + payload.size()));
  append<uint16_t>(b, type);
  b.insert(b.end(), payload.begin(), payload.end());
  pad4(b);
  return b;
}

template <typename T>
Buf val(T v) {
  Buf b;
  append<T>(b, v);
  return b;
}

Buf str(const std::string& s) {
  Buf b(s.begin(), s.end());
  b.push_back(0);
  return b;
}

Buf cat(std::initializer_list<Buf> parts) {
  Buf b;
  for (const auto& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}

Buf nest(uint16_t type, std::initializer_list<Buf> children) { return attr(type | NLA_F_NESTED, cat(children)); }

// The kernel addresses its messages with the receiving socket's port (here 31337).
Buf message(uint16_t type, uint16_t flags, uint32_t seq, const Buf& payload, uint32_t port = 31337) {
  Buf b;
  append<uint32_t>(b, static_cast<uint32_t>(16 + payload.size()));
  append<uint16_t>(b, type);
  append<uint16_t>(b, flags);
  append<uint32_t>(b, seq);
  append<uint32_t>(b, port);
  b.insert(b.end(), payload.begin(), payload.end());
  pad4(b);
  return b;
}

Buf genl(uint16_t family, uint8_t cmd, const Buf& attrs, uint32_t seq = kSeq) {
  return message(family, 0, seq, cat({Buf{cmd, 1, 0, 0}, attrs}));
}

// An NLMSG_ERROR for `seq`: capped (only the request's header) unless `echo` is given (the whole
// request), with an NLMSGERR_ATTR_MSG when `text` is not empty.
Buf ack(int error, const std::string& text = "", const Buf& echo = {}, uint32_t seq = kSeq) {
  Buf payload = val<int32_t>(-error);
  uint16_t flags = 0;
  if (echo.empty()) {
    const Buf request_header = message(kFamily, NLM_F_REQUEST | NLM_F_ACK, seq, {});
    payload = cat({payload, request_header});
    flags |= NLM_F_CAPPED;
  } else {
    payload = cat({payload, echo});
  }
  if (!text.empty()) {
    payload = cat({payload, attr(NLMSGERR_ATTR_MSG, str(text)), attr(NLMSGERR_ATTR_OFFS, val<uint32_t>(20))});
    flags |= NLM_F_ACK_TLVS;
  }
  return message(NLMSG_ERROR, flags, seq, payload);
}

Buf stat(uint16_t type, uint64_t v) { return attr(type, val<uint64_t>(v)); }

Buf header() {
  return nest(ETHTOOL_A_PAUSE_HEADER, {attr(ETHTOOL_A_HEADER_DEV_INDEX, val<uint32_t>(7)), attr(ETHTOOL_A_HEADER_DEV_NAME, str("fcq0"))});
}

Buf settings(uint8_t autoneg, uint8_t rx, uint8_t tx) {
  return cat({attr(ETHTOOL_A_PAUSE_AUTONEG, {autoneg}), attr(ETHTOOL_A_PAUSE_RX, {rx}), attr(ETHTOOL_A_PAUSE_TX, {tx})});
}

Buf reply(const Buf& attrs) { return genl(kFamily, ETHTOOL_MSG_PAUSE_GET_REPLY, attrs); }

// What a driver with counters answers on a strict-alignment host (PAD before each u64), with
// the newer ETHTOOL_A_PAUSE_STATS_SRC (6) and a statistic this parser does not know (4).
Buf fullAnswer() {
  const Buf stats = nest(ETHTOOL_A_PAUSE_STATS, {attr(ETHTOOL_A_PAUSE_STAT_PAD, {}), stat(ETHTOOL_A_PAUSE_STAT_TX_FRAMES, 7),
                                                 attr(ETHTOOL_A_PAUSE_STAT_PAD, {}), stat(ETHTOOL_A_PAUSE_STAT_RX_FRAMES, uint64_t{1} << 40),
                                                 stat(4, 99)});
  return cat({reply(cat({header(), settings(0, 1, 1), attr(6, val<uint32_t>(0)), stats})), ack(0)});
}

PauseRead parse(const Buf& b) { return parsePauseAnswer(b, kSeq, kFamily, kWhere); }

std::string thrown(const Buf& b) {
  try {
    parse(b);
  } catch (const Error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

TEST(PauseNetlink, AWellFormedReplyGivesBothCountersAndTheSettings) {
  const PauseRead r = parse(fullAnswer());
  EXPECT_EQ(r.availability, PauseAvailability::kReported);
  EXPECT_EQ(r.reason, "");
  EXPECT_EQ(r.tx_frames, 7u);
  EXPECT_EQ(r.rx_frames, uint64_t{1} << 40);
  EXPECT_EQ(r.autoneg, false);
  EXPECT_EQ(r.rx_pause, true);
  EXPECT_EQ(r.tx_pause, true);
}

TEST(PauseNetlink, StaleMessagesAndNoopsAreSkipped) {
  const Buf stale = genl(kFamily, ETHTOOL_MSG_PAUSE_GET_REPLY, settings(1, 1, 1), kSeq - 1);
  const Buf noop = message(NLMSG_NOOP, 0, kSeq, {});
  const Buf answer = cat({stale, noop, reply(cat({settings(1, 0, 0), nest(ETHTOOL_A_PAUSE_STATS,
                                                                                      {stat(ETHTOOL_A_PAUSE_STAT_RX_FRAMES, 3)})})),
                          ack(0)});
  const PauseRead r = parse(answer);
  EXPECT_EQ(r.rx_frames, 3u);
  EXPECT_EQ(r.tx_frames, std::nullopt);
  EXPECT_EQ(r.availability, PauseAvailability::kReported);
  EXPECT_EQ(r.reason, "fcq0: the driver does not report tx_frames");
  EXPECT_EQ(r.autoneg, true);
}

TEST(PauseNetlink, AnEmptyStatsNestOrNotSetValuesAreNotReportedNeverZero) {
  const PauseRead empty = parse(cat({reply(cat({settings(0, 0, 0), nest(ETHTOOL_A_PAUSE_STATS, {})})), ack(0)}));
  EXPECT_EQ(empty.availability, PauseAvailability::kNotReported);
  EXPECT_FALSE(empty.tx_frames || empty.rx_frames);
  EXPECT_EQ(empty.reason, "fcq0: the driver reports no pause statistics (pause autoneg off, rx off, tx off)");
  const Buf not_set = nest(ETHTOOL_A_PAUSE_STATS, {stat(ETHTOOL_A_PAUSE_STAT_TX_FRAMES, kEthtoolStatNotSet),
                                                  stat(ETHTOOL_A_PAUSE_STAT_RX_FRAMES, kEthtoolStatNotSet)});
  const PauseRead ns = parse(cat({reply(cat({settings(0, 1, 0), not_set})), ack(0)}));
  EXPECT_EQ(ns.availability, PauseAvailability::kNotReported);
  EXPECT_FALSE(ns.tx_frames || ns.rx_frames);
  EXPECT_EQ(ns.reason, "fcq0: the driver reports no pause statistics (pause autoneg off, rx on, tx off)");
  const Buf one = nest(ETHTOOL_A_PAUSE_STATS, {stat(ETHTOOL_A_PAUSE_STAT_TX_FRAMES, 0), stat(ETHTOOL_A_PAUSE_STAT_RX_FRAMES, kEthtoolStatNotSet)});
  const PauseRead half = parse(cat({reply(one), ack(0)}));
  EXPECT_EQ(half.tx_frames, 0u) << "a real zero is a value";
  EXPECT_EQ(half.rx_frames, std::nullopt);
  EXPECT_EQ(half.reason, "fcq0: the driver does not report rx_frames");
  const PauseRead none = parse(cat({reply(settings(0, 0, 0)), ack(0)}));
  EXPECT_EQ(none.availability, PauseAvailability::kNotReported);
  EXPECT_NE(none.reason.find("the kernel's reply has no pause statistics"), std::string::npos) << none.reason;
}

TEST(PauseNetlink, NoPauseOperationsAndNoDeviceAreUnavailableWithTheKernelsText) {
  const PauseRead veth = parse(ack(EOPNOTSUPP));
  EXPECT_EQ(veth.availability, PauseAvailability::kNoPauseOps);
  EXPECT_EQ(veth.reason, "fcq0: driver has no pause operations (EOPNOTSUPP)");
  EXPECT_FALSE(veth.tx_frames || veth.rx_frames || veth.autoneg);
  // Not capped: the kernel echoes the whole request before its text.
  const Buf echoed = pauseRequest(kFamily, "fcq0", kSeq);
  const PauseRead mm = parse(ack(EOPNOTSUPP, "Device does not support MAC merge layer", echoed));
  EXPECT_EQ(mm.availability, PauseAvailability::kNoPauseOps);
  EXPECT_EQ(mm.reason, "fcq0: not supported (EOPNOTSUPP) (kernel: Device does not support MAC merge layer)");
  const PauseRead gone = parse(ack(ENODEV, "no device matches name"));
  EXPECT_EQ(gone.availability, PauseAvailability::kNoDevice);
  EXPECT_EQ(gone.reason, "fcq0: no such interface (ENODEV) (kernel: no device matches name)");
}

TEST(PauseNetlink, AnotherKernelErrorThrowsWithItsText) {
  const std::string e = thrown(ack(EINVAL, "ethtool: unrecognized request flags"));
  EXPECT_NE(e.find("ETHTOOL_MSG_PAUSE_GET answer for fcq0"), std::string::npos) << e;
  EXPECT_NE(e.find(std::strerror(EINVAL)), std::string::npos) << e;
  EXPECT_NE(e.find("kernel: ethtool: unrecognized request flags"), std::string::npos) << e;
  EXPECT_NE(thrown(ack(-5)).find("error code 5 is neither 0 nor a negated errno"), std::string::npos);
}

TEST(PauseNetlink, EveryTruncationOfAWellFormedAnswerThrows) {
  const Buf full = fullAnswer();
  for (size_t n = 0; n < full.size(); ++n) {
    const Buf cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW(parse(cut), Error) << "cut at " << n << " of " << full.size();
  }
  const Buf no_ack = reply(settings(0, 0, 0));
  EXPECT_NE(thrown(no_ack).find("ends before the kernel's acknowledgement"), std::string::npos);
}

// Sets the 16-bit length at `at` of a copy of `b`.
Buf lie16(Buf b, size_t at, uint16_t len) {
  std::memcpy(b.data() + at, &len, 2);
  return b;
}

TEST(PauseNetlink, LengthLiesThrowNamingWhatWasMalformed) {
  const Buf good = cat({reply(cat({settings(0, 0, 0), nest(ETHTOOL_A_PAUSE_STATS, {stat(ETHTOOL_A_PAUSE_STAT_TX_FRAMES, 1)})})), ack(0)});
  // Offsets: message header 16, genl header 4, three u8 attributes of 8 bytes: the stats nest at 44, its u64 at 48.
  ASSERT_EQ(good[44 + 2] | (good[44 + 3] << 8), ETHTOOL_A_PAUSE_STATS | NLA_F_NESTED);
  const std::string nest_over = thrown(lie16(good, 44, 200));
  EXPECT_NE(nest_over.find("attribute 5 at offset 24 claims length 200"), std::string::npos) << nest_over;
  const std::string inner_over = thrown(lie16(good, 48, 16));
  EXPECT_NE(inner_over.find("ETHTOOL_A_PAUSE_STATS: malformed netlink: attribute 2 at offset 0 claims length 16 (12 bytes left"),
            std::string::npos)
      << inner_over;
  const Buf u32_stat = cat({reply(nest(ETHTOOL_A_PAUSE_STATS, {attr(ETHTOOL_A_PAUSE_STAT_TX_FRAMES, val<uint32_t>(1))})), ack(0)});
  const std::string inner_short = thrown(u32_stat);
  EXPECT_NE(inner_short.find("ETHTOOL_A_PAUSE_STAT_TX_FRAMES: malformed netlink: attribute 2 has 4 bytes, expected 8"), std::string::npos)
      << inner_short;
  const std::string under = thrown(lie16(good, 48, 2));
  EXPECT_NE(under.find("claims length 2"), std::string::npos) << under;
  Buf msg_over = good;
  msg_over[0] = 0xff;
  EXPECT_NE(thrown(msg_over).find("message at offset 0 claims length 255"), std::string::npos);
  Buf msg_under = good;
  msg_under[0] = 8;
  EXPECT_NE(thrown(msg_under).find("claims length 8"), std::string::npos);
  const Buf short_u8 = cat({reply(attr(ETHTOOL_A_PAUSE_RX, val<uint32_t>(1))), ack(0)});
  EXPECT_NE(thrown(short_u8).find("ETHTOOL_A_PAUSE_RX: malformed netlink: attribute 3 has 4 bytes, expected 1"), std::string::npos);
  const Buf bad_header = cat({reply(attr(ETHTOOL_A_PAUSE_HEADER | NLA_F_NESTED, Buf{40, 0, 1, 0})), ack(0)});
  EXPECT_NE(thrown(bad_header).find("ETHTOOL_A_PAUSE_HEADER"), std::string::npos);
}

TEST(PauseNetlink, MalformedAcksAndUnexpectedRepliesThrow) {
  // An extended-ack text without its NUL; an error message shorter than its header.
  Buf no_nul = ack(EINVAL, "abcd");
  const size_t msg_at = no_nul.size() - 12 - 8;  // the MSG attribute ("abcd\0" padded: 12), then OFFS (8)
  for (size_t i = 8; i < 12; ++i) no_nul[msg_at + i] = 'x';
  no_nul = lie16(no_nul, msg_at, 12);
  EXPECT_NE(thrown(no_nul).find("no terminating NUL"), std::string::npos) << thrown(no_nul);
  EXPECT_NE(thrown(message(NLMSG_ERROR, 0, kSeq, val<int32_t>(0))).find("less than its header"), std::string::npos);
  const Buf echo_lie = ack(EOPNOTSUPP, "x", Buf(12, 0));  // echoes a "request" whose length field is 0
  EXPECT_NE(thrown(echo_lie).find("echoes a request of length 0"), std::string::npos) << thrown(echo_lie);
  EXPECT_NE(thrown(cat({genl(kFamily, ETHTOOL_MSG_PAUSE_GET_REPLY + 1, {}), ack(0)})).find("reply command"), std::string::npos);
  EXPECT_NE(thrown(cat({genl(kFamily + 1, ETHTOOL_MSG_PAUSE_GET_REPLY, {}), ack(0)})).find("expected family 27"), std::string::npos);
  EXPECT_NE(thrown(cat({reply({}), reply({}), ack(0)})).find("2 replies, expected 1"), std::string::npos);
  EXPECT_NE(thrown(ack(0)).find("0 replies, expected 1"), std::string::npos);
  EXPECT_NE(thrown(cat({ack(0), reply({})})).find("after the end of the answer"), std::string::npos);
  EXPECT_NE(thrown(message(NLMSG_OVERRUN, 0, kSeq, {})).find("NLMSG_OVERRUN"), std::string::npos);
}

TEST(PauseNetlink, AnErrorCodeThatIsNoNegatedErrnoThrows) {
  // Found by counters_fuzz: INT_MIN has no positive errno (negating it was undefined behaviour).
  const Buf request_header = message(kFamily, NLM_F_REQUEST | NLM_F_ACK, kSeq, {});
  for (const int32_t code : {std::numeric_limits<int32_t>::min(), int32_t{-4096}, int32_t{1}}) {
    const Buf bad = message(NLMSG_ERROR, 0, kSeq, cat({val<int32_t>(code), request_header}));
    EXPECT_NE(thrown(bad).find("error code " + std::to_string(code) + " is neither 0 nor a negated errno (-1 .. -4095)"),
              std::string::npos)
        << thrown(bad);
  }
  const Buf max_errno = message(NLMSG_ERROR, 0, kSeq, cat({val<int32_t>(-4095), request_header}));
  EXPECT_EQ(thrown(max_errno).find("negated errno"), std::string::npos) << thrown(max_errno);
}

TEST(PauseNetlink, TheFamilyLookupGivesTheIdOrNothingWhenTheKernelHasNone) {
  const Buf found = cat({genl(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY,
                              cat({attr(CTRL_ATTR_FAMILY_NAME, str("ethtool")), attr(CTRL_ATTR_FAMILY_ID, val<uint16_t>(kFamily)),
                                   attr(CTRL_ATTR_VERSION, val<uint32_t>(1))})),
                         ack(0)});
  EXPECT_EQ(parseFamilyAnswer(found, kSeq, kWhere), kFamily);
  EXPECT_EQ(parseFamilyAnswer(ack(ENOENT), kSeq, kWhere), std::nullopt);
  const Buf no_id = cat({genl(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, attr(CTRL_ATTR_FAMILY_NAME, str("ethtool"))), ack(0)});
  EXPECT_THROW(parseFamilyAnswer(no_id, kSeq, kWhere), Error);
  EXPECT_THROW(parseFamilyAnswer(ack(EPERM), kSeq, kWhere), Error);
}

TEST(PauseNetlink, TheRequestsFollowTheUapiLayout) {
  // Port 0: the kernel assigns the socket's port when it first sends.
  const Buf req = pauseRequest(kFamily, "fcq0", 9);
  const Buf expected =
      message(kFamily, NLM_F_REQUEST | NLM_F_ACK, 9,
              cat({Buf{ETHTOOL_MSG_PAUSE_GET, ETHTOOL_GENL_VERSION, 0, 0},
                   nest(ETHTOOL_A_PAUSE_HEADER, {attr(ETHTOOL_A_HEADER_DEV_NAME, str("fcq0")),
                                                 attr(ETHTOOL_A_HEADER_FLAGS, val<uint32_t>(ETHTOOL_FLAG_STATS))})}),
              0);
  EXPECT_EQ(req, expected);
  const Buf fam = familyRequest(10);
  const Buf fam_expected =
      message(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, 10, cat({Buf{CTRL_CMD_GETFAMILY, 1, 0, 0}, attr(CTRL_ATTR_FAMILY_NAME, str("ethtool"))}), 0);
  EXPECT_EQ(fam, fam_expected);
}

}  // namespace
}  // namespace fabcheck::counters
