// EndpointDesc JSON, the transport registry and the verbs probe seam.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "generators/core/errors.h"
#include "generators/transport/transport.h"
#include "generators/transport/verbs/verbs_probe.h"

namespace fabcheck::transport {
namespace {

template <typename E, typename F>
std::string messageOf(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no exception>";
}

TEST(EndpointDesc, JsonRoundTrip) {
  EndpointDesc d{"udp", {{"address", "::1"}, {"port", "5201"}, {"family", "inet6"}}};
  std::string j = d.toJson();
  EXPECT_EQ(EndpointDesc::fromJson(j), d);
  EndpointDesc empty{"loop", {}};
  EXPECT_EQ(EndpointDesc::fromJson(empty.toJson()), empty);
}

TEST(EndpointDesc, JsonEscapesAwkwardValues) {
  EndpointDesc d{"verbs", {{"gid", "fe80::1\"\\\n"}, {"k y", ""}}};
  EXPECT_EQ(EndpointDesc::fromJson(d.toJson()), d);
}

TEST(EndpointDesc, FieldsMayBeAbsent) {
  EndpointDesc d = EndpointDesc::fromJson(R"({"transport":"loop"})");
  EXPECT_EQ(d.transport, "loop");
  EXPECT_TRUE(d.fields.empty());
}

TEST(EndpointDesc, MalformedJsonIsProtocolError) {
  EXPECT_THROW(EndpointDesc::fromJson("{"), ProtocolError);
  EXPECT_THROW(EndpointDesc::fromJson(""), ProtocolError);
  EXPECT_THROW(EndpointDesc::fromJson("[1,2]"), ProtocolError);
  EXPECT_THROW(EndpointDesc::fromJson(R"({"fields":{}})"), ProtocolError);
  EXPECT_THROW(EndpointDesc::fromJson(R"({"transport":3})"), ProtocolError);
  EXPECT_THROW(EndpointDesc::fromJson(R"({"transport":"udp","fields":[1]})"), ProtocolError);
  std::string msg = messageOf<ProtocolError>(
      [] { EndpointDesc::fromJson(R"({"transport":"udp","fields":{"port":5201}})"); });
  EXPECT_NE(msg.find("'port'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected a string"), std::string::npos) << msg;
  msg = messageOf<ProtocolError>([] { EndpointDesc::fromJson("{\"transport\": \"udp\""); });
  EXPECT_NE(msg.find("malformed JSON at byte"), std::string::npos) << msg;
  // A number beyond double's range: nlohmann throws out_of_range, not parse_error (fuzzing).
  msg = messageOf<ProtocolError>([] { EndpointDesc::fromJson(R"({"transport":"udp","fields":{},"x":1e400})"); });
  EXPECT_NE(msg.find("a number out of range"), std::string::npos) << msg;
}

TEST(EndpointDesc, AtNamesMissingField) {
  EndpointDesc d{"udp", {{"address", "127.0.0.1"}}};
  EXPECT_EQ(d.at("address"), "127.0.0.1");
  std::string msg = messageOf<ConfigError>([&] { d.at("port"); });
  EXPECT_NE(msg.find("'port'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'udp'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("address"), std::string::npos) << msg;
}

TEST(EndpointDesc, TimestampSourceNames) {
  EXPECT_EQ(toString(TimestampSource::kNone), "none");
  EXPECT_EQ(toString(TimestampSource::kUserSpace), "userspace");
  EXPECT_EQ(toString(TimestampSource::kSoftware), "software");
  EXPECT_EQ(toString(TimestampSource::kHardware), "hardware");
}

TEST(TransportRegistry, NamesAreStable) {
  EXPECT_EQ(transportNames(), (std::vector<std::string>{"loop", "udp", "tcp", "verbs"}));
}

TEST(TransportRegistry, UnknownNameListsKnownOnes) {
  EXPECT_EQ(messageOf<ConfigError>([] { createTransport("tcpx", {}); }),
            "unknown transport 'tcpx'; expected one of: loop, udp, tcp, verbs");
}

TEST(TransportRegistry, CreatesLoopAndUdp) {
  EXPECT_EQ(createTransport("loop", {})->properties().name, "loop");
  EXPECT_EQ(createTransport("udp", {})->properties().name, "udp");
}

TEST(TransportRegistry, VerbsSaysWhyItCannotRun) {
  // Whatever this host has, verbs is not available yet and must say so, never pretend.
  std::string msg = messageOf<UnsupportedError>([] { createTransport("verbs", {}); });
  EXPECT_EQ(msg.rfind("verbs: ", 0), 0u) << msg;
}

verbs::DeviceListResult listFailsEnosys() {
  verbs::DeviceListResult r;
  r.ok = false;
  r.error = ENOSYS;
  return r;
}
verbs::DeviceListResult listEmpty() {
  verbs::DeviceListResult r;
  r.ok = true;
  return r;
}
verbs::DeviceListResult listOneDevice() {
  verbs::DeviceListResult r;
  r.ok = true;
  r.devices = {"mlx5_0"};
  return r;
}
verbs::DeviceListResult listUnavailable() {
  verbs::DeviceListResult r;
  r.unavailable = "built without libibverbs";
  return r;
}

TEST(VerbsProbe, NullListWithEnosys) {
  EXPECT_EQ(messageOf<UnsupportedError>([] { verbs::requireDevices(&listFailsEnosys); }),
            "verbs: no RDMA device on this host (ibv_get_device_list: Function not implemented)");
}

TEST(VerbsProbe, EmptyList) {
  std::string msg = messageOf<UnsupportedError>([] { verbs::requireDevices(&listEmpty); });
  EXPECT_EQ(msg.rfind("verbs: no RDMA device found", 0), 0u) << msg;
}

TEST(VerbsProbe, DevicePresent) {
  EXPECT_EQ(verbs::requireDevices(&listOneDevice), std::vector<std::string>{"mlx5_0"});
}

TEST(VerbsProbe, UnavailableBuild) {
  EXPECT_EQ(messageOf<UnsupportedError>([] { verbs::requireDevices(&listUnavailable); }),
            "verbs: built without libibverbs");
}

TEST(VerbsProbe, DefaultListerAnswers) {
  // The real lister runs without hardware: it returns a list or a failure, never crashes.
  verbs::DeviceListResult r = verbs::defaultDeviceLister()();
  if (r.unavailable.empty() && !r.ok) {
    EXPECT_NE(r.error, 0) << "a failed list must carry its errno";
  }
  if (r.ok) {
    for (const auto& d : r.devices) EXPECT_FALSE(d.empty());
  }
}

}  // namespace
}  // namespace fabcheck::transport
