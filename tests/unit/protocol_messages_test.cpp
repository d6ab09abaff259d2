// The typed control-protocol messages (harness/protocol/agent_messages.h, harness/pair/
// pair_messages.h): each round-trips through encode/decode, keeps today's wire keys, and a
// malformed message is refused with a ProtocolError naming the message and what was wrong.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "generators/core/errors.h"
#include "generators/core/strict_json.h"
#include "harness/pair/pair_messages.h"
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/message_codec.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::protocol {
namespace {

nlohmann::json setupJson();

using fabcheck::testing::errorOf;
using nlohmann::json;

// decode(encode(m)) encodes to the same JSON (every field survived), and that JSON is what
// decode returned.
template <class M>
M roundTrip(const M& m) {
  const json wire = encode(m);
  const M back = decode<M>(json::parse(wire.dump()));
  EXPECT_EQ(encode(back), wire) << M::kType;
  EXPECT_EQ(wire.at("type"), std::string(M::kType));
  EXPECT_EQ(wire.at("version"), kProtocolVersion);
  return back;
}

std::set<std::string> keysOf(const json& j) {
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  return keys;
}

transport::EndpointDesc endpoint(const std::string& port) {
  return {"udp", {{"address", "127.0.0.1"}, {"port", port}, {"family", "inet"}}};
}

engine::SenderResult sender(uint32_t flow, uint64_t packets) {
  engine::SenderResult s;
  s.flow_id = flow;
  s.packets = packets;
  s.bytes = packets * 1400;
  s.first_send_wall_ns = 123456789;
  return s;
}

TEST(ProtocolMessages, RegisterRoundTripsWithItsHostFacts) {
  msg::Register r;
  r.agent_id = 3;
  r.host = "node7";
  r.boot_id = "b-1";
  r.fabcheck_version = "1.2.3";
  r.pid = 4242;
  r.transports = {"udp", "loop"};
  r.kernel = "6.1.0";
  r.clock_source = "tsc";
  r.rdma_devices = {"mlx5_0"};
  r.interfaces = {NetInterface{"eth0", 2, true, false, 9000, {{4, "10.0.0.7", 24}}}};
  const auto back = roundTrip(r);
  EXPECT_EQ(back.agent_id, 3);
  EXPECT_EQ(back.interfaces, r.interfaces);
  EXPECT_EQ(keysOf(encode(r)), (std::set<std::string>{"type", "version", "agent_id", "host", "boot_id",
                                                      "fabcheck_version", "pid", "transports", "kernel",
                                                      "clock_source", "rdma_devices", "interfaces"}));
}

TEST(ProtocolMessages, RegisterCarriesTheLldpNeighbourOrWhyThereIsNone) {
  msg::Register r;
  r.agent_id = 4;
  r.lldp_interface = "eth0";
  r.lldp_switch = "leaf3";
  r.lldp_port = "Ethernet12";
  const auto back = roundTrip(r);
  EXPECT_EQ(back.lldp_interface, "eth0");
  EXPECT_EQ(back.lldp_switch, "leaf3");
  EXPECT_EQ(back.lldp_port, "Ethernet12");
  EXPECT_FALSE(back.lldp_reason);
  msg::Register none;
  none.lldp_reason = "lldpd has no LLDP neighbour on eth0";
  EXPECT_EQ(roundTrip(none).lldp_reason, none.lldp_reason);
  EXPECT_FALSE(roundTrip(none).lldp_switch);
}

TEST(ProtocolMessages, RegisterNeedsOnlyTheAgentId) {
  const auto r = decode<msg::Register>(json{{"type", "register"}, {"version", kProtocolVersion}, {"agent_id", 1}});
  EXPECT_EQ(r.agent_id, 1);
  EXPECT_EQ(r.host, "?");
  EXPECT_TRUE(r.interfaces.empty());
}

TEST(ProtocolMessages, TimeProbeAndReplyRoundTrip) {
  EXPECT_EQ(roundTrip(msg::TimeRequest{5}).seq, 5);
  const auto reply = roundTrip(msg::TimeReply{5, 1'700'000'000'000'000'000});
  EXPECT_EQ(reply.agent_wall_ns, 1'700'000'000'000'000'000);
}

TEST(ProtocolMessages, SetupRoundTripsWithFlowsCorrectionsAndCollective) {
  msg::Setup s;
  s.test = "incast";
  s.params.kind = patterns::PatternKind::kPingpong;
  s.params.size_bytes = 256;
  s.params.iterations = 100;
  s.transport = "loop";
  s.transport_options.dscp = 26;
  patterns::FlowSpec f;
  f.flow_id = 3;
  f.sender = 0;
  f.receiver = 1;
  f.rate_bps = 1e9;
  s.flows = {f};
  s.me = 1;
  s.clock_correction_ns[3] = -250;
  CollectiveSetup& c = s.collective.emplace();
  c.ranks = 2;
  c.rank = 1;
  c.link_rate_bps = 5e9;
  const auto back = roundTrip(s);
  EXPECT_EQ(back.me, 1);
  ASSERT_EQ(back.flows.size(), 1u);
  EXPECT_EQ(back.flows[0].rate_bps, 1e9);
  EXPECT_EQ(back.transport_options.dscp, 26);
  EXPECT_EQ(back.clock_correction_ns.at(3), -250);
  ASSERT_TRUE(back.collective);
  EXPECT_EQ(back.collective->rank, 1);

  const json wire = encode(s);  // today's keys: the flow map is an object keyed by the flow id
  EXPECT_EQ(wire.at("clock_correction_ns"), (json{{"3", -250}}));
  EXPECT_TRUE(wire.at("transport_options").is_object());
}

TEST(ProtocolMessages, TransportExtraSurvivesSetupAndPairTest) {
  const std::map<std::string, std::string> extra = {{"verb", "write_imm"}, {"qps", "4"}, {"device", "mlx5_0"}};
  msg::Setup s;
  s.transport = "verbs";
  s.transport_options.extra = extra;
  EXPECT_EQ(roundTrip(s).transport_options.extra, extra);
  EXPECT_EQ(encode(s).at("transport_options").at("extra"), json(extra));
  pair::msg::Test t;
  t.transport = "verbs";
  t.transport_options.extra = extra;
  EXPECT_EQ(roundTrip(t).transport_options.extra, extra);
}

TEST(ProtocolMessages, TransportOptionsWithoutExtraStillDecode) {  // a peer from before `extra`
  json j = json::parse(transport::transportOptionsToJson({}));
  j.erase("extra");
  EXPECT_TRUE(transport::transportOptionsFromJson(j.dump()).extra.empty());
}

TEST(ProtocolMessages, ANonStringExtraValueIsRefusedNamingTheKey) {
  json j = json::parse(transport::transportOptionsToJson({}));
  j["extra"] = json{{"verb", "send"}, {"qps", 4}};
  EXPECT_EQ(errorOf<ProtocolError>([&] { transport::transportOptionsFromJson(j.dump()); }),
            "malformed transport options: extra 'qps' is 4; expected a string");
  j["extra"] = json::array();
  EXPECT_EQ(errorOf<ProtocolError>([&] { transport::transportOptionsFromJson(j.dump()); }),
            "malformed transport options: 'extra' is array; expected an object of strings");
  json setup = setupJson();
  setup["transport_options"]["extra"] = json{{"qps", true}};
  const std::string error = errorOf<ProtocolError>([&] { decode<msg::Setup>(setup); });
  EXPECT_NE(error.find("extra 'qps' is true; expected a string"), std::string::npos) << error;
}

TEST(ProtocolMessages, SetupWithoutACollectiveHasNoCollectiveKey) {
  msg::Setup s;
  s.transport = "udp";
  EXPECT_FALSE(encode(s).contains("collective"));
  EXPECT_FALSE(roundTrip(s).collective);
}

TEST(ProtocolMessages, EndpointsAndConnectCarryDescriptorsByFlowId) {
  msg::Endpoints e;
  e.flows[0] = endpoint("5001");
  e.flows[7] = endpoint("5002");
  const auto back = roundTrip(e);
  EXPECT_EQ(back.flows.at(7), endpoint("5002"));
  EXPECT_EQ(encode(e).at("flows").at("7").at("transport"), "udp");

  msg::Connect c;
  c.flows[7] = endpoint("5002");
  EXPECT_EQ(roundTrip(c).flows.at(7), endpoint("5002"));
}

TEST(ProtocolMessages, MessagesWithoutFieldsCarryOnlyTheEnvelope) {
  EXPECT_EQ(keysOf(encode(msg::Ready{})), (std::set<std::string>{"type", "version"}));
  roundTrip(msg::Ready{});
  roundTrip(msg::Bye{});
  EXPECT_EQ(encode(msg::Abort{}).at("type"), "abort");
  roundTrip(msg::Abort{});
}

TEST(ProtocolMessages, AdmittedCarriesHowLongTheControllerMayBeQuiet) {
  EXPECT_EQ(encode(msg::Admitted{5}).at("type"), "admitted");
  EXPECT_EQ(roundTrip(msg::Admitted{90'000'000'000}).quiet_ns, 90'000'000'000);
}

TEST(ProtocolMessages, StartSentFinishRoundTrip) {
  EXPECT_EQ(roundTrip(msg::Start{42}).start_wall_ns, 42);

  msg::Sent sent;
  sent.senders = {sender(0, 10), sender(1, 20)};
  engine::PingpongResult p;
  p.flow_id = 2;
  p.replies = 9;
  sent.pingpongs = {p};
  const auto back = roundTrip(sent);
  ASSERT_EQ(back.senders.size(), 2u);
  EXPECT_EQ(back.senders[1].packets, 20u);
  EXPECT_EQ(back.pingpongs.at(0).replies, 9u);
  EXPECT_FALSE(back.collective);

  engine::CollectiveRankResult rank;
  rank.rank = 1;
  rank.ranks = 4;
  rank.iteration_ns = {100, 200};
  sent.collective = rank;
  EXPECT_EQ(roundTrip(sent).collective->iteration_ns, (std::vector<int64_t>{100, 200}));

  msg::Finish finish;
  finish.sent[0] = 10;
  finish.sent[1] = 20;
  EXPECT_EQ(roundTrip(finish).sent.at(1), 20u);
  EXPECT_EQ(encode(finish).at("sent"), (json{{"0", 10}, {"1", 20}}));
}

TEST(ProtocolMessages, ResultsRoundTripWithCountersAndLog) {
  msg::Results r;
  engine::ReceiverResult rx;
  rx.flow_id = 1;
  rx.bytes = 1000;
  r.receivers = {rx};
  engine::ResponderResult resp;
  resp.flow_id = 2;
  resp.echoed = 5;
  r.responders = {resp};
  r.errors = {"flow 1: peer vanished"};
  r.counters = json{{"metrics", {{"netdev.rx_bytes", 5}}}, {"netns", "net:[1]"}};
  r.log = {"line one", "line two"};
  const auto back = roundTrip(r);
  EXPECT_EQ(back.receivers.at(0).bytes, 1000u);
  EXPECT_EQ(back.responders.at(0).echoed, 5u);
  EXPECT_EQ(back.counters.at("netns"), "net:[1]");
  EXPECT_EQ(back.log.size(), 2u);
  EXPECT_FALSE(back.pingpongs);
  EXPECT_FALSE(encode(r).contains("pingpongs"));
  r.pingpongs.emplace();
  EXPECT_TRUE(roundTrip(r).pingpongs);
}

TEST(ProtocolMessages, ErrorRoundTrips) {
  EXPECT_EQ(roundTrip(ErrorMessage{"agent 1 on h: no"}).message, "agent 1 on h: no");
}

TEST(ProtocolMessages, PairMessagesRoundTrip) {
  EXPECT_EQ(roundTrip(pair::msg::Hello{"1.0", "client", "boot"}).host, "client");
  EXPECT_EQ(roundTrip(pair::msg::Welcome{"1.0", "server", "boot"}).boot_id, "boot");
  pair::msg::Test t;
  t.params.size_bytes = 9000;
  t.transport = "udp";
  EXPECT_EQ(roundTrip(t).params.size_bytes, 9000u);
  EXPECT_EQ(roundTrip(pair::msg::Endpoints{{endpoint("1"), endpoint("2")}}).endpoints.at(1), endpoint("2"));
  roundTrip(pair::msg::Ready{});
  roundTrip(pair::msg::Start{});
  roundTrip(pair::msg::Started{});
  EXPECT_TRUE(roundTrip(pair::msg::Stop{{sender(0, 3)}, true}).interrupted);
  pair::msg::Results r;
  r.senders = {sender(1, 4)};
  r.errors = {"x"};
  EXPECT_EQ(roundTrip(r).senders.at(0).packets, 4u);
  roundTrip(pair::msg::Bye{});
}

// ---- malformed input ----------------------------------------------------------------------

json setupJson() {
  msg::Setup s;
  s.transport = "loop";
  s.flows = {patterns::FlowSpec{}};
  return encode(s);
}

TEST(ProtocolMessages, AMissingKeyIsNamed) {
  json j = setupJson();
  j.erase("flows");
  EXPECT_EQ(errorOf<ProtocolError>([&] { decode<msg::Setup>(j); }), "malformed 'setup' message: no 'flows'");
  EXPECT_EQ(errorOf<ProtocolError>([&] { decode<msg::Start>(json{{"type", "start"}, {"version", 1}}); }),
            "malformed 'start' message: no 'start_wall_ns'");
}

TEST(ProtocolMessages, AWrongTypeIsNamedWithItsKey) {
  json j = setupJson();
  j["me"] = "one";
  EXPECT_EQ(errorOf<ProtocolError>([&] { decode<msg::Setup>(j); }),
            "malformed 'setup' message: 'me': expected a whole number from -2147483648 to 2147483647, got \"one\"");
  json f = encode(msg::Finish{});
  f["sent"] = json::array();
  EXPECT_EQ(errorOf<ProtocolError>([&] { decode<msg::Finish>(f); }),
            "malformed 'finish' message: 'sent': expected an object keyed by flow id, got array");
}

TEST(ProtocolMessages, ABadFlowIdKeyIsNamed) {
  json f = encode(msg::Finish{});
  f["sent"] = json{{"x1", 5}};
  EXPECT_EQ(errorOf<ProtocolError>([&] { decode<msg::Finish>(f); }),
            "malformed 'finish' message: 'sent': 'x1' is not a flow id");
}

TEST(ProtocolMessages, AMalformedNestedValueNamesTheOuterKey) {
  json s = encode(msg::Sent{});
  s["senders"] = json::array({json{{"flow_id", "zero"}}});
  const std::string error = errorOf<ProtocolError>([&] { decode<msg::Sent>(s); });
  EXPECT_EQ(error.rfind("malformed 'sent' message: 'senders': ", 0), 0u) << error;
}

TEST(ProtocolMessages, AnotherMessageTypeIsRefused) {
  EXPECT_EQ(errorOf<ProtocolError>([&] { decode<msg::Start>(encode(msg::Ready{})); }),
            "expected message 'start', got 'ready'");
  EXPECT_EQ(errorOf<ProtocolError>([&] { decode<msg::Start>(json{{"version", 1}}); }),
            "expected message 'start', got one without a \"type\"");
  EXPECT_EQ(errorOf<ProtocolError>([&] { decode<msg::Start>(json::array()); }),
            "expected message 'start', got a JSON array");
}

TEST(ProtocolMessages, AnotherProtocolVersionIsRefused) {
  json j = encode(msg::Bye{});
  j["version"] = 2;
  EXPECT_EQ(errorOf<ProtocolError>([&] { decode<msg::Bye>(j); }), "message 'bye' has protocol version 2 (ours is 1)");
  j.erase("version");
  EXPECT_EQ(errorOf<ProtocolError>([&] { decode<msg::Bye>(j); }), "message 'bye' has no protocol version (ours is 1)");
}

TEST(ProtocolMessages, TestIdIsAnEnvelopeField) {
  json j = encode(msg::Ready{});
  EXPECT_EQ(testIdOf(j), -1);
  setTestId(j, 9);
  EXPECT_EQ(testIdOf(j), 9);
  EXPECT_NO_THROW(decode<msg::Ready>(j));  // envelope keys are not the message's business
  EXPECT_EQ(typeOf(j), "ready");
  EXPECT_EQ(typeOf(json::array()), "");
}

TEST(ProtocolMessages, PairExpectNamesThePeerAndPhase) {
  json stop = encode(pair::msg::Stop{});
  stop["senders"] = 5;
  EXPECT_EQ(errorOf<ProtocolError>([&] { pair::msg::expect<pair::msg::Stop>(stop, "10.0.0.1:18515", "stop"); }),
            "10.0.0.1:18515 while stop: malformed 'stop' message: 'senders': expected an array, got number");
  EXPECT_EQ(errorOf<Error>([&] {
              pair::msg::expect<pair::msg::Stop>(encode(ErrorMessage{"busy"}), "10.0.0.1:18515", "stop");
            }),
            "10.0.0.1:18515: busy");
}

}  // namespace
}  // namespace fabcheck::protocol

// ---- strict types ---------------------------------------------------------------------------
// The pair protocol reads a peer's values strictly (generators/core/strict_json.h, used by the
// message codec, the test parameters and the transport options): a value of the wrong JSON type,
// out of its type's range, or an unknown field is refused with an error naming the field, never
// coerced (2^32+46 -> 46, true -> 1, 1.9 -> 1, -1 -> 2^64-1, -1e308 -> undefined).
namespace fabcheck::pair_strict_types {
namespace {

namespace msg = pair::msg;

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
}  // namespace fabcheck::pair_strict_types
