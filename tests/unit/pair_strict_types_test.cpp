// The pair protocol reads a peer's values strictly (generators/core/strict_json.h, used by the
// message codec, the test parameters and the transport options): a value of the wrong JSON type,
// out of its type's range, or an unknown field is refused with an error naming the field, never
// coerced (2^32+46 -> 46, true -> 1, 1.9 -> 1, -1 -> 2^64-1, -1e308 -> undefined).
#include <gtest/gtest.h>

#include <string>

#include "generators/core/errors.h"
#include "generators/core/strict_json.h"
#include "harness/pair/pair_messages.h"
#include "harness/protocol/message_codec.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::pair {
namespace {

using fabcheck::testing::errorOf;
using nlohmann::json;

json testRequest() {
  msg::Test t;
  t.params.size_bytes = 1400;
  t.params.duration_ns = 1'000'000'000;
  t.transport = "udp";
  return protocol::encode(t);
}

// The error decoding a test request whose json `patch` was applied.
template <class Patch>
std::string refusal(Patch patch) {
  json j = testRequest();
  patch(j);
  return errorOf<ProtocolError>([&] { msg::expect<msg::Test>(j, "10.0.0.1:5000", "test request"); });
}

TEST(PairStrictTypes, AWellFormedRequestDecodes) {
  EXPECT_EQ(msg::expect<msg::Test>(testRequest(), "p", "t").params.size_bytes, 1400u);
}

TEST(PairStrictTypes, DscpBeyondAnIntIsRefusedNotTruncated) {
  const std::string e = refusal([](json& j) { j["transport_options"]["dscp"] = (uint64_t{1} << 32) + 46; });
  EXPECT_NE(e.find("'dscp': expected a whole number from -2147483648 to 2147483647, got 4294967342"), std::string::npos) << e;
  EXPECT_NE(e.find("10.0.0.1:5000 while test request: malformed 'test' message"), std::string::npos) << e;
}

TEST(PairStrictTypes, ABoolIsNotANumber) {
  const std::string e = refusal([](json& j) { j["params"]["size_bytes"] = true; });
  EXPECT_NE(e.find("'size_bytes': expected a whole number from 0 to 4294967295, got true"), std::string::npos) << e;
}

TEST(PairStrictTypes, AFractionIsNotAFlowCount) {
  const std::string e = refusal([](json& j) { j["params"]["flows"] = 1.9; });
  EXPECT_NE(e.find("'flows': expected a whole number from 0 to 4294967295, got 1.9"), std::string::npos) << e;
}

TEST(PairStrictTypes, ANegativeBurstIsRefusedNotWrapped) {
  const std::string e = refusal([](json& j) { j["params"]["burst_bytes"] = -1; });
  EXPECT_NE(e.find("'burst_bytes': expected a whole number from 0 to 18446744073709551615, got -1"), std::string::npos)
      << e;
}

TEST(PairStrictTypes, AHugeFloatWarmupIsRefused) {
  const std::string e = refusal([](json& j) { j["params"]["warmup_ns"] = -1e308; });
  EXPECT_NE(e.find("'warmup_ns': expected a whole number"), std::string::npos) << e;
  EXPECT_NE(e.find("got -1e+308"), std::string::npos) << e;
}

TEST(PairStrictTypes, ANumberIsNotABool) {
  const std::string e = refusal([](json& j) { j["busy_poll"] = 1; });
  EXPECT_NE(e.find("'busy_poll': expected true or false, got 1"), std::string::npos) << e;
  const std::string e2 = refusal([](json& j) { j["transport_options"]["segmentation"] = 0; });
  EXPECT_NE(e2.find("'segmentation': expected true or false, got 0"), std::string::npos) << e2;
}

TEST(PairStrictTypes, UnknownFieldsAreRefusedAtEveryLevel) {
  EXPECT_NE(refusal([](json& j) { j["rate_limit_bypass"] = true; }).find("unknown field 'rate_limit_bypass'"),
            std::string::npos);
  EXPECT_NE(refusal([](json& j) { j["params"]["dscp"] = 46; }).find("unknown field 'dscp' in test parameters"),
            std::string::npos);
  EXPECT_NE(refusal([](json& j) { j["transport_options"]["tos"] = 4; }).find("unknown field 'tos' in transport options"),
            std::string::npos);
}

TEST(PairStrictTypes, ANegativeDurationIsRefusedByValidation) {
  patterns::PatternParams p;
  p.size_bytes = 1400;
  p.duration_ns = 1'000'000'000;
  p.warmup_ns = -5;
  EXPECT_EQ(errorOf<ConfigError>([&] { patterns::validate(p, 65507, "udp"); }), "warm-up -5 ns: must not be negative");
}

TEST(StrictJson, IntegerRangesAndTypes) {
  int8_t small = 0;
  EXPECT_THROW(strict_json::strictGet(json(128), small), ProtocolError);
  EXPECT_THROW(strict_json::strictGet(json(-129), small), ProtocolError);
  strict_json::strictGet(json(-128), small);
  EXPECT_EQ(small, -128);
  uint64_t big = 0;
  strict_json::strictGet(json(UINT64_MAX), big);
  EXPECT_EQ(big, UINT64_MAX);
  int64_t s = 0;
  EXPECT_EQ(errorOf<ProtocolError>([&] { strict_json::strictGet(json(UINT64_MAX), s); }),
            "expected a whole number from -9223372036854775808 to 9223372036854775807, got 18446744073709551615");
  double d = 0;
  EXPECT_THROW(strict_json::strictGet(json(true), d), ProtocolError);
  strict_json::strictGet(json(3), d);
  EXPECT_EQ(d, 3.0);
  std::string str;
  EXPECT_EQ(errorOf<ProtocolError>([&] { strict_json::strictGet(json(5), str); }), "expected a string, got 5");
}

}  // namespace
}  // namespace fabcheck::pair
