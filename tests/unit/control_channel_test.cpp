#include "tests/support/ports.h"
#include "harness/protocol/control_channel.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <string>
#include <utility>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::protocol {
namespace {
using fabcheck::testing::errorOf;


using nlohmann::json;

// Generous: reached only when something is broken, never in a passing run.
constexpr int64_t kLong = 10 * kNsPerSec;
constexpr int64_t kShort = 50 * kNsPerMs;

// The message of the exception of type E that `f` throws, or a marker.
struct Connected {
  ControlListener listener;
  ControlChannel client;
  ControlChannel server;
};

Connected connectLoopback(const std::string& address = "127.0.0.1") {
  ControlListener listener = ControlListener::listen(address, 0);
  ControlChannel client = ControlChannel::connect(address, listener.port(), kLong);
  ControlChannel server = listener.accept(kLong);
  return {std::move(listener), std::move(client), std::move(server)};
}

// A plain blocking TCP socket to 127.0.0.1:port, for sending hand-made bytes.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  ~RawClient() { close(); }
  bool connected() const { return connected_; }
  void write(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      ASSERT_GT(n, 0);
      done += static_cast<size_t>(n);
    }
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string localPeerName() const {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    return "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::string header(uint32_t length) {
  return {static_cast<char>(length >> 24), static_cast<char>(length >> 16), static_cast<char>(length >> 8),
          static_cast<char>(length)};
}

// A raw client connected to a fresh listener, and the server side of that connection.
struct RawConnected {
  ControlListener listener = ControlListener::listen("127.0.0.1", 0);
  RawClient raw{listener.port()};
  ControlChannel server = listener.accept(kLong);
};

// ---- round trips -----------------------------------------------------------------------------

TEST(ControlChannel, RoundTripsSeveralMessagesBothWays) {
  Connected c = connectLoopback();
  auto server = std::async(std::launch::async, [&] {
    for (int i = 0; i < 20; ++i) {
      json ping = c.server.receive(kLong, "waiting for ping");
      expectMessage(ping, "ping", c.server.peer(), "waiting for ping");
      json pong = makeMessage("pong");
      pong["seq"] = ping["seq"].get<int>() * 10;
      pong["text"] = "réponse";
      c.server.send(pong, kLong);
    }
  });
  for (int i = 0; i < 20; ++i) {
    json ping = makeMessage("ping");
    ping["seq"] = i;
    c.client.send(ping, kLong);
    const json pong = c.client.receive(kLong, "waiting for pong");
    expectMessage(pong, "pong", c.client.peer(), "waiting for pong");
    EXPECT_EQ(pong["seq"], i * 10);
    EXPECT_EQ(pong["text"], "réponse");
  }
  server.get();
}

TEST(ControlChannel, BackToBackMessagesStayFramed) {
  Connected c = connectLoopback();
  for (int i = 0; i < 5; ++i) c.client.send(json{{"n", i}, {"pad", std::string(static_cast<size_t>(i) * 100, 'x')}}, kLong);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.server.receive(kLong)["n"], i);
}

TEST(ControlChannel, CarriesAOneMebibyteMessage) {
  Connected c = connectLoopback();
  json big = makeMessage("results");
  big["blob"] = std::string(1 << 20, 'z');
  auto sender = std::async(std::launch::async, [&] { c.client.send(big, kLong); });
  const json got = c.server.receive(kLong, "waiting for results");
  sender.get();
  EXPECT_EQ(got, big);
}

TEST(ControlChannel, PeerAndLocalAddressesAreNumeric) {
  Connected c = connectLoopback();
  EXPECT_EQ(c.client.peer(), "127.0.0.1:" + std::to_string(c.listener.port()));
  EXPECT_EQ(c.client.localAddress(), "127.0.0.1");
  EXPECT_EQ(c.server.localAddress(), "127.0.0.1");
  EXPECT_EQ(c.server.peer().rfind("127.0.0.1:", 0), 0u) << c.server.peer();
}

TEST(ControlChannel, ConnectsByNameTryingEachAddress) {
  // "localhost" may resolve to ::1 first; the v4-only listener refuses that, 127.0.0.1 accepts.
  ControlListener listener = ControlListener::listen("127.0.0.1", 0);
  ControlChannel client = ControlChannel::connect("localhost", listener.port(), kLong);
  EXPECT_EQ(client.peer(), "127.0.0.1:" + std::to_string(listener.port()));
}

TEST(ControlChannel, WorksOverIpv6) {
  ControlListener listener = [] {
    try {
      return ControlListener::listen("::1", 0);
    } catch (const TransportError&) {
      return ControlListener::listen("127.0.0.1", 0);  // replaced below by a skip
    }
  }();
  if (listener.address() != "::1") GTEST_SKIP() << "no IPv6 loopback on this host";
  ControlChannel client = ControlChannel::connect("[::1]", listener.port(), kLong);
  ControlChannel server = listener.accept(kLong);
  EXPECT_EQ(client.peer(), "[::1]:" + std::to_string(listener.port()));
  EXPECT_EQ(client.localAddress(), "::1");
  client.send(makeMessage("hello"), kLong);
  EXPECT_EQ(server.receive(kLong)["type"], "hello");
}

TEST(ControlChannel, DualStackListenerShowsV4PeersAsV4) {
  ControlListener listener = [] {
    try {
      return ControlListener::listen("::", 0);
    } catch (const TransportError&) {
      return ControlListener::listen("0.0.0.0", 0);
    }
  }();
  if (listener.address() != "::") GTEST_SKIP() << "no IPv6 on this host";
  ControlChannel client = ControlChannel::connect("127.0.0.1", listener.port(), kLong);
  ControlChannel server = listener.accept(kLong);
  EXPECT_EQ(server.peer().rfind("127.0.0.1:", 0), 0u) << server.peer();
  EXPECT_EQ(server.localAddress(), "127.0.0.1");
}

TEST(ControlChannel, MovedFromChannelIsClosedAndMovedToWorks) {
  Connected c = connectLoopback();
  ControlChannel moved = std::move(c.client);
  EXPECT_FALSE(c.client.isOpen());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_TRUE(moved.isOpen());
  moved.send(makeMessage("hello"), kLong);
  EXPECT_EQ(c.server.receive(kLong)["type"], "hello");
}

TEST(ControlChannel, InvalidUtf8IsReplacedNotThrown) {
  Connected c = connectLoopback();
  c.client.send(json{{"name", std::string("bad\xff")}}, kLong);
  EXPECT_EQ(c.server.receive(kLong)["name"], "bad\xEF\xBF\xBD");
}

// ---- framing errors --------------------------------------------------------------------------

TEST(ControlChannel, RefusesToSendAnOversizeMessage) {
  Connected c = connectLoopback();
  const json huge = json{{"blob", std::string(kMaxMessageBytes, 'x')}};
  EXPECT_EQ(errorOf<ProtocolError>([&] { c.client.send(huge, kLong); }),
            "message of 16777227 bytes to " + c.client.peer() + " exceeds the 16 MiB limit");
}

TEST(ControlChannel, RejectsAnOversizeFrameAndCloses) {
  RawConnected r;
  r.raw.write(header(99999999) + "{}");
  const std::string peer = r.server.peer();
  EXPECT_EQ(errorOf<ProtocolError>([&] { r.server.receive(kLong, "waiting for hello"); }),
            "message of 99999999 bytes from " + peer + " exceeds the 16 MiB limit while waiting for hello");
  EXPECT_FALSE(r.server.isOpen());
  EXPECT_EQ(errorOf<TransportError>([&] { r.server.receive(kLong, "waiting for hello"); }),
            "control connection to " + peer + " is closed while waiting for hello");
}

TEST(ControlChannel, ALoweredFrameLimitRefusesOnTheHeaderAndTheFullOneTakesMegabytes) {
  Connected c = connectLoopback();
  c.server.setFrameLimit(kMaxPreAuthFrameBytes);
  c.client.send(json{{"blob", std::string(1000, 'a')}}, kLong);
  EXPECT_EQ(c.server.receive(kLong)["blob"].get<std::string>().size(), 1000u);
  c.server.setFrameLimit(kMaxMessageBytes);
  // Several MiB arrive whole although the buffer grows piece by piece as they come.
  const std::string blob(5u << 20, 'b');
  auto sender = std::async(std::launch::async, [&] { c.client.send(json{{"blob", blob}}, kLong); });
  EXPECT_EQ(c.server.receive(kLong)["blob"].get<std::string>(), blob);
  sender.get();
  c.server.setFrameLimit(kMaxPreAuthFrameBytes);
  auto refused = std::async(std::launch::async, [&] {
    try {
      c.client.send(json{{"blob", std::string(kMaxPreAuthFrameBytes, 'c')}}, kLong);
    } catch (const TransportError&) {  // the server may close before all of it is sent
    }
  });
  EXPECT_EQ(errorOf<ProtocolError>([&] { c.server.receive(kLong); }),
            "message of 262155 bytes from " + c.server.peer() + " exceeds the 256 KiB limit before authentication");
  EXPECT_FALSE(c.server.isOpen());
  refused.get();
}

TEST(ControlChannel, NamesAForeignProtocolInTheOversizeMessage) {
  RawConnected r;
  r.raw.write("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(errorOf<ProtocolError>([&] { r.server.receive(kLong); }),
            "message of 1195725856 bytes from " + r.server.peer() +
                " exceeds the 16 MiB limit (not a fabcheck peer? it sent 'GET ')");
}

TEST(ControlChannel, GarbageIsAProtocolErrorAndTheNextFrameStillArrives) {
  RawConnected r;
  r.raw.write(header(11) + "hello\nworld");
  const std::string what = errorOf<ProtocolError>([&] { r.server.receive(kLong, "waiting for hello"); });
  EXPECT_EQ(what.rfind("message of 11 bytes from " + r.server.peer() + " while waiting for hello is not valid JSON (", 0),
            0u)
      << what;
  EXPECT_NE(what.find("it starts 'hello.world'"), std::string::npos) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  const std::string good = R"({"type":"hello","version":1})";
  r.raw.write(header(static_cast<uint32_t>(good.size())) + good);
  EXPECT_EQ(r.server.receive(kLong)["type"], "hello");
}

// Found by tests/fuzz/message_decode_fuzz: nlohmann's parser throws out_of_range, not parse_error,
// for a number beyond double's range; it escaped the channel as a non-fabcheck exception.
TEST(ControlChannel, ANumberOutOfRangeIsAProtocolErrorAndTheNextFrameStillArrives) {
  RawConnected r;
  const std::string huge = R"({"type":"hello","version":1e400})";
  r.raw.write(header(static_cast<uint32_t>(huge.size())) + huge);
  const std::string what = errorOf<ProtocolError>([&] { r.server.receive(kLong, "waiting for hello"); });
  EXPECT_EQ(what.rfind("message of " + std::to_string(huge.size()) + " bytes from " + r.server.peer() +
                           " while waiting for hello is not valid JSON (a number out of range",
                       0),
            0u)
      << what;
  const std::string good = R"({"type":"hello","version":1})";
  r.raw.write(header(static_cast<uint32_t>(good.size())) + good);
  EXPECT_EQ(r.server.receive(kLong)["type"], "hello");
}

TEST(ControlChannel, EmptyFrameIsNotJson) {
  RawConnected r;
  r.raw.write(header(0));
  EXPECT_EQ(errorOf<ProtocolError>([&] { r.server.receive(kLong); }).rfind("message of 0 bytes from ", 0), 0u);
}

TEST(ControlChannel, PeerClosingMidPayloadIsATransportError) {
  RawConnected r;
  r.raw.write(header(100) + "{\"type\":\"r");
  r.raw.close();
  EXPECT_EQ(errorOf<TransportError>([&] { r.server.receive(kLong, "waiting for results"); }),
            "peer " + r.server.peer() +
                " closed the control connection in the middle of a message (10 of 100 payload bytes) while waiting "
                "for results");
  EXPECT_FALSE(r.server.isOpen());
}

TEST(ControlChannel, PeerClosingMidHeaderIsATransportError) {
  RawConnected r;
  r.raw.write(std::string("\0\0", 2));
  r.raw.close();
  EXPECT_EQ(errorOf<TransportError>([&] { r.server.receive(kLong); }),
            "peer " + r.server.peer() + " closed the control connection in the middle of a message (2 of 4 header bytes)");
}

TEST(ControlChannel, PeerClosingBetweenMessages) {
  Connected c = connectLoopback();
  c.client.send(makeMessage("bye"), kLong);
  c.client.close();
  EXPECT_EQ(c.server.receive(kLong)["type"], "bye");
  EXPECT_EQ(errorOf<TransportError>([&] { c.server.receive(kLong, "waiting for results"); }),
            "peer " + c.server.peer() + " closed the control connection while waiting for results");
}

TEST(ControlChannel, SendingToAClosedPeerEventuallyFails) {
  Connected c = connectLoopback();
  c.server.close();
  // The first sends may be buffered before the peer's reset arrives; a later one must fail.
  std::string what = "<no exception>";
  for (int i = 0; i < 1000 && what == "<no exception>"; ++i) {
    what = errorOf<TransportError>([&] { c.client.send(makeMessage("ping"), kLong); });
  }
  EXPECT_NE(what.find(c.client.peer()), std::string::npos) << what;
  EXPECT_FALSE(c.client.isOpen());
}

// ---- timeouts --------------------------------------------------------------------------------

TEST(ControlChannel, ReceiveTimeoutNamesPeerAndPhase) {
  Connected c = connectLoopback();
  EXPECT_EQ(errorOf<TimeoutError>([&] { c.server.receive(kShort, "waiting for results"); }),
            "no message from " + c.server.peer() + " within 50 ms while waiting for results");
  EXPECT_EQ(errorOf<TimeoutError>([&] { c.server.receive(100 * kNsPerMs, "exchanging parameters"); }),
            "no message from " + c.server.peer() + " within 0.1 s while exchanging parameters");
  EXPECT_FALSE(c.server.tryReceive(0).has_value());
  EXPECT_TRUE(c.server.isOpen());  // a timeout leaves the channel usable
}

TEST(ControlChannel, PartialFrameSurvivesATimeout) {
  RawConnected r;
  const std::string message = R"({"type":"results","version":1,"value":42})";
  const std::string frame = header(static_cast<uint32_t>(message.size())) + message;
  r.raw.write(frame.substr(0, 2));
  EXPECT_FALSE(r.server.tryReceive(0).has_value());
  r.raw.write(frame.substr(2, 10));
  EXPECT_EQ(errorOf<TimeoutError>([&] { r.server.receive(kShort, "waiting for results"); }),
            "incomplete message from " + r.server.peer() + " after 50 ms while waiting for results (got 8 of " +
                std::to_string(message.size()) + " payload bytes)");
  r.raw.write(frame.substr(12));
  EXPECT_EQ(r.server.receive(kLong)["value"], 42);
}

TEST(ControlChannel, ALargeFrameArrivingInPiecesSurvivesATimeout) {
  // The receive buffer grows with what arrived (from 64 KiB, doubling), not with the announced
  // length: the frame spans several growths, with a timeout in the middle of the first piece.
  RawConnected r;
  const std::string message = R"({"type":"results","version":1,"blob":")" + std::string(300 << 10, 'z') + "\"}";
  const std::string frame = header(static_cast<uint32_t>(message.size())) + message;
  r.raw.write(frame.substr(0, 4 + (40 << 10)));
  EXPECT_EQ(errorOf<TimeoutError>([&] { r.server.receive(kShort, "waiting for results"); }),
            "incomplete message from " + r.server.peer() + " after 50 ms while waiting for results (got 40960 of " +
                std::to_string(message.size()) + " payload bytes)");
  auto rest = std::async(std::launch::async, [&] { r.raw.write(frame.substr(4 + (40 << 10))); });
  const json got = r.server.receive(kLong, "waiting for results");
  rest.get();
  EXPECT_EQ(got["blob"], std::string(300 << 10, 'z'));
}

TEST(ControlChannel, ConnectTimesOutWhenTheListenerDropsSyns) {
  // A listener with backlog 0 whose queue holds one unaccepted connection drops further SYNs,
  // so the next connect gets no answer.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(fd, 0), 0);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  const uint16_t port = ntohs(sa.sin_port);
  RawClient filler(port);
  ASSERT_TRUE(filler.connected());
  const std::string what = errorOf<TimeoutError>([&] { ControlChannel::connect("127.0.0.1", port, 300 * kNsPerMs); });
  ::close(fd);
  EXPECT_EQ(what, "control connection to 127.0.0.1:" + std::to_string(port) + ": no answer within 0.3 s");
}

TEST(ControlListener, AcceptTimesOut) {
  ControlListener listener = ControlListener::listen("127.0.0.1", 0);
  EXPECT_EQ(errorOf<TimeoutError>([&] { listener.accept(kShort); }),
            "no control connection on 127.0.0.1:" + std::to_string(listener.port()) + " within 50 ms");
}

// ---- connect and listen errors ----------------------------------------------------------------

TEST(ControlChannel, ConnectRefusedNamesTheAddressAndAHint) {
  uint16_t port = 0;
  {
    ControlListener listener = ControlListener::listen("127.0.0.1", 0);
    port = listener.port();
  }  // closed: nothing listens on `port` now
  const std::string target = "control connection to 127.0.0.1:" + std::to_string(port) + ": Connection refused";
  EXPECT_EQ(errorOf<TransportError>([&] { ControlChannel::connect("127.0.0.1", port, kLong); }),
            target + " (is `fabcheck gen --server` running there?)");
  EXPECT_EQ(errorOf<TransportError>(
                [&] { ControlChannel::connect("127.0.0.1", port, kLong, "is `fabcheck agent` running there?"); }),
            target + " (is `fabcheck agent` running there?)");
  EXPECT_EQ(errorOf<TransportError>([&] { ControlChannel::connect("127.0.0.1", port, kLong, ""); }), target);
}

TEST(ControlChannel, ConnectByNameShowsTheNameAndTheAddress) {
  uint16_t port = 0;
  {
    ControlListener listener = ControlListener::listen("127.0.0.1", 0);
    port = listener.port();
  }
  const std::string what = errorOf<TransportError>([&] { ControlChannel::connect("localhost", port, kLong); });
  EXPECT_EQ(what.rfind("control connection to localhost (", 0), 0u) << what;
  EXPECT_NE(what.find(std::to_string(port) + "): Connection refused"), std::string::npos) << what;
}

TEST(ControlChannel, UnresolvableHost) {
  const std::string what =
      errorOf<TransportError>([] { ControlChannel::connect(fabcheck::testing::kUnresolvableHost, kDefaultControlPort, kLong); });
  EXPECT_EQ(what.rfind("cannot resolve host '" + std::string(fabcheck::testing::kUnresolvableHost) + "': ", 0), 0u) << what;
  EXPECT_GT(what.size(), ("cannot resolve host '" + std::string(fabcheck::testing::kUnresolvableHost) + "': ").size()) << "no reason given";
}

TEST(ControlListener, PortInUse) {
  ControlListener first = ControlListener::listen("127.0.0.1", 0);
  const uint16_t port = first.port();
  EXPECT_NE(port, 0);
  EXPECT_EQ(errorOf<TransportError>([&] { ControlListener::listen("127.0.0.1", port); }),
            "control port " + std::to_string(port) + " on 127.0.0.1 is in use");
}

TEST(ControlListener, BadAddress) {
  EXPECT_EQ(errorOf<TransportError>([] { ControlListener::listen("not an address", 0); })
                .rfind("cannot resolve listen address 'not an address': ", 0),
            0u);
}

// ---- messages ----------------------------------------------------------------------------------

TEST(ControlMessages, MakeAndExpect) {
  const json hello = makeMessage("hello");
  EXPECT_EQ(hello, (json{{"type", "hello"}, {"version", kProtocolVersion}}));
  EXPECT_NO_THROW(expectMessage(hello, "hello", "127.0.0.1:5555", "handshake"));
}

TEST(ControlMessages, WrongTypeNamesBoth) {
  EXPECT_EQ(errorOf<ProtocolError>(
                [] { expectMessage(makeMessage("hello"), "results", "127.0.0.1:5555", "collecting results"); }),
            "expected message 'results' from 127.0.0.1:5555 while collecting results, got 'hello'");
}

TEST(ControlMessages, VersionMismatch) {
  json msg = makeMessage("results");
  msg["version"] = 2;
  EXPECT_EQ(errorOf<ProtocolError>([&] { expectMessage(msg, "results", "127.0.0.1:5555", "collecting results"); }),
            "protocol version 2 from 127.0.0.1:5555 does not match ours (1)");
  msg.erase("version");
  EXPECT_EQ(errorOf<ProtocolError>([&] { expectMessage(msg, "results", "127.0.0.1:5555", "collecting results"); }),
            "message 'results' from 127.0.0.1:5555 while collecting results has no protocol version (ours is 1)");
}

TEST(ControlMessages, NotAMessage) {
  const std::string expected =
      "expected message 'hello' from 127.0.0.1:5555 while handshake, got something without a \"type\" field";
  EXPECT_EQ(errorOf<ProtocolError>([] { expectMessage(json::array({1, 2}), "hello", "127.0.0.1:5555", "handshake"); }),
            expected);
  EXPECT_EQ(errorOf<ProtocolError>([] { expectMessage(json{{"type", 3}}, "hello", "127.0.0.1:5555", "handshake"); }),
            expected);
}

TEST(ControlMessages, ErrorMessagesSurfaceVerbatimAsPlainErrors) {
  const json error = makeErrorMessage("cannot open device mlx5_0: No such device");
  try {
    expectMessage(error, "results", "10.0.0.9:18515", "collecting results");
    FAIL() << "no exception";
  } catch (const ProtocolError& e) {
    FAIL() << "a remote error must not be a ProtocolError: " << e.what();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "10.0.0.9:18515: cannot open device mlx5_0: No such device");
  }
  // Even from a peer of another version: its error is more useful than a version complaint.
  json other = error;
  other["version"] = 7;
  EXPECT_EQ(errorOf<Error>([&] { expectMessage(other, "results", "10.0.0.9:18515", "collecting results"); }),
            "10.0.0.9:18515: cannot open device mlx5_0: No such device");
}

TEST(ControlMessages, RemoteErrorTravelsOverTheChannel) {
  Connected c = connectLoopback();
  c.server.send(makeErrorMessage("suite step 3: rate 400G exceeds line rate 100G"), kLong);
  const json got = c.client.receive(kLong, "waiting for results");
  EXPECT_EQ(errorOf<Error>([&] { expectMessage(got, "results", c.client.peer(), "waiting for results"); }),
            c.client.peer() + ": suite step 3: rate 400G exceeds line rate 100G");
}

}  // namespace
}  // namespace fabcheck::protocol
