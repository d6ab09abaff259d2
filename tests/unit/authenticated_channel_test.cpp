#include "harness/protocol/authenticated_channel.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/log.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::protocol {
namespace {
using fabcheck::testing::errorOf;


using nlohmann::json;
using Role = AuthenticatedChannel::Role;

// Generous: reached only when something is broken, never in a passing run.
constexpr int64_t kLong = 10 * kNsPerSec;
constexpr int64_t kShort = 50 * kNsPerMs;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const RunSecret kSecret = RunSecret::fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "test");
const RunSecret kOtherSecret =
    RunSecret::fromHex("ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "test");

// An agent (connector) and a controller (acceptor) joined over loopback TCP.
struct Pair {
  ControlListener listener;
  AuthenticatedChannel agent;
  AuthenticatedChannel controller;
};

Pair connectPair(const RunSecret& agent_secret = kSecret, const RunSecret& controller_secret = kSecret) {
  ControlListener listener = ControlListener::listen("127.0.0.1", 0);
  ControlChannel client = ControlChannel::connect("127.0.0.1", listener.port(), kLong);
  ControlChannel server = listener.accept(kLong);
  return {std::move(listener), AuthenticatedChannel(std::move(client), agent_secret, Role::kConnector),
          AuthenticatedChannel(std::move(server), controller_secret, Role::kAcceptor)};
}

json hello(int n) {
  json msg = makeMessage("hello");
  msg["n"] = n;
  return msg;
}

// A plain blocking TCP socket to 127.0.0.1:port, for writing bytes that are not frames.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    const timeval tv{10, 0};  // every wait has a timeout
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  bool write(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  // True when the peer closed the connection (EOF or reset) within the receive timeout.
  bool peerClosed() {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }
  std::string localName() const {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &sa.sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(sa.sin_port));
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::string header(uint32_t length) {
  std::string h;
  for (int shift = 24; shift >= 0; shift -= 8) h += static_cast<char>((length >> shift) & 0xff);
  return h;
}

// The frame payload the contract in authenticated_channel.h describes, computed independently.
std::string documentedFrame(const RunSecret& secret, char direction, uint64_t counter, const std::string& text) {
  std::string input(1, direction);
  for (int shift = 56; shift >= 0; shift -= 8) input += static_cast<char>((counter >> shift) & 0xff);
  input += text;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.bytes.data(), static_cast<int>(secret.bytes.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len);
  EXPECT_EQ(mac_len, 32u);
  return std::string(reinterpret_cast<const char*>(mac), mac_len) + text;
}

TEST(AuthenticatedChannel, RoundTripsSeveralMessagesBothWays) {
  Pair p = connectPair();
  for (int i = 0; i < 3; ++i) p.agent.send(hello(i), kLong);
  for (int i = 0; i < 3; ++i) {
    const json got = p.controller.receive(kLong, "waiting for hello");
    expectMessage(got, "hello", p.controller.peer(), "waiting for hello");
    EXPECT_EQ(got["n"], i);
  }
  for (int i = 0; i < 3; ++i) p.controller.send(hello(10 + i), kLong);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(p.agent.receive(kLong)["n"], 10 + i);
  p.agent.send(makeMessage("bye"), kLong);
  const auto bye = p.controller.tryReceive(kLong);
  ASSERT_TRUE(bye.has_value());
  EXPECT_EQ((*bye)["type"], "bye");
}

TEST(AuthenticatedChannel, WireFormatIsAsDocumented) {
  Pair p = connectPair();
  const std::string text = hello(7).dump();
  // An independent HMAC of 'A' || counter 0 || text is accepted...
  p.agent.raw().sendFrame(documentedFrame(kSecret, 'A', 0, text), kLong);
  EXPECT_EQ(p.controller.receive(kLong)["n"], 7);
  // ...and the channel's own second frame carries counter 1.
  p.agent.send(hello(8), kLong);
  EXPECT_EQ(p.controller.raw().receiveFrame(kLong), documentedFrame(kSecret, 'A', 0, hello(8).dump()))
      << "the raw frame bypasses the agent's counter, so the agent's first send() used counter 0";
  p.controller.send(hello(9), kLong);
  EXPECT_EQ(p.agent.raw().receiveFrame(kLong), documentedFrame(kSecret, 'C', 0, hello(9).dump()));
}

// The channel keys its HMAC context once and re-initialises it per message: every later frame,
// sent or received, interleaved, is still the documented MAC of its own counter and text.
TEST(AuthenticatedChannel, EveryFrameOfAReusedMacContextIsTheDocumentedOne) {
  Pair p = connectPair();
  for (uint64_t i = 0; i < 5; ++i) {
    p.agent.send(hello(static_cast<int>(i)), kLong);
    EXPECT_EQ(p.controller.raw().receiveFrame(kLong), documentedFrame(kSecret, 'A', i, hello(static_cast<int>(i)).dump()))
        << "agent frame " << i;
    p.controller.raw().sendFrame(documentedFrame(kSecret, 'C', i, hello(100 + static_cast<int>(i)).dump()), kLong);
    EXPECT_EQ(p.agent.receive(kLong)["n"], 100 + static_cast<int>(i)) << "controller frame " << i;
  }
}

TEST(AuthenticatedChannel, WrongSecretIsRefusedNamingThePeer) {
  Pair p = connectPair(kOtherSecret, kSecret);
  p.agent.send(hello(1), kLong);
  const std::string what = errorOf<AuthenticationError>([&] { p.controller.receive(kLong, "waiting for hello"); });
  EXPECT_EQ(what, "message from " + p.controller.peer() +
                      " while waiting for hello failed authentication (wrong run secret, or tampered)");
  EXPECT_FALSE(p.controller.isOpen());
  // The agent sees the controller hang up.
  EXPECT_NE(errorOf<TransportError>([&] { p.agent.receive(kLong); }), "<no exception>");
}

TEST(AuthenticatedChannel, AnyTamperedByteIsRefused) {
  const std::string text = hello(1).dump();
  for (const size_t position : {size_t{0}, size_t{31}, size_t{32}, size_t{32} + text.size() - 1}) {
    Pair p = connectPair();
    p.agent.send(hello(1), kLong);
    std::string frame = p.controller.raw().receiveFrame(kLong);
    ASSERT_EQ(frame.size(), 32 + text.size());
    frame[position] = static_cast<char>(frame[position] ^ 0x01);
    p.agent.raw().sendFrame(frame, kLong);
    EXPECT_TRUE(contains(errorOf<AuthenticationError>([&] { p.controller.receive(kLong); }), "failed authentication"))
        << "byte " << position;
  }
}

TEST(AuthenticatedChannel, ReplayedFrameIsRefused) {
  Pair p = connectPair();
  p.agent.send(hello(1), kLong);
  const std::string frame = p.controller.raw().receiveFrame(kLong);
  p.agent.raw().sendFrame(frame, kLong);
  p.agent.raw().sendFrame(frame, kLong);
  EXPECT_EQ(p.controller.receive(kLong)["n"], 1);
  EXPECT_TRUE(contains(errorOf<AuthenticationError>([&] { p.controller.receive(kLong); }), "failed authentication"));
}

TEST(AuthenticatedChannel, ReorderedFramesAreRefused) {
  Pair p = connectPair();
  p.agent.send(hello(0), kLong);
  p.agent.send(hello(1), kLong);
  const std::string first = p.controller.raw().receiveFrame(kLong);
  const std::string second = p.controller.raw().receiveFrame(kLong);
  p.agent.raw().sendFrame(second, kLong);
  p.agent.raw().sendFrame(first, kLong);
  EXPECT_TRUE(contains(errorOf<AuthenticationError>([&] { p.controller.receive(kLong); }), "failed authentication"));
}

TEST(AuthenticatedChannel, ReflectedFrameIsRefused) {
  Pair p = connectPair();
  p.controller.send(hello(1), kLong);  // direction 'C', counter 0
  const std::string frame = p.agent.raw().receiveFrame(kLong);
  p.agent.raw().sendFrame(frame, kLong);  // the controller expects direction 'A', counter 0
  EXPECT_TRUE(contains(errorOf<AuthenticationError>([&] { p.controller.receive(kLong); }), "failed authentication"));
}

TEST(AuthenticatedChannel, FrameTooShortForAMacIsRefusedAndCloses) {
  Pair p = connectPair();
  p.agent.raw().sendFrame("{}", kLong);
  const std::string what = errorOf<ProtocolError>([&] { p.controller.receive(kLong); });
  EXPECT_EQ(what, "message of 2 bytes from " + p.controller.peer() +
                      " is too short to carry its 32-byte authentication code");
  EXPECT_FALSE(p.controller.isOpen());
}

TEST(AuthenticatedChannel, OversizeFrameIsRefusedBothWays) {
  // The MAC counts toward the limit: a text that alone would fit is refused on the sending side.
  Pair p = connectPair();
  const json big = std::string(kMaxMessageBytes - 20, 'x');
  EXPECT_TRUE(contains(errorOf<ProtocolError>([&] { p.agent.send(big, kLong); }), "exceeds the 16 MiB limit"));
  EXPECT_TRUE(p.agent.isOpen());
  p.agent.send(hello(2), kLong);  // nothing was sent and the counter did not move
  EXPECT_EQ(p.controller.receive(kLong)["n"], 2);
  // Once the agent has authenticated, a frame header beyond 16 MiB is refused on receipt.
  ASSERT_TRUE(p.agent.raw().isOpen());
  const int fd = p.agent.raw().fd();
  const std::string h = header(kMaxMessageBytes + 1);
  ASSERT_EQ(::send(fd, h.data(), h.size(), MSG_NOSIGNAL), 4);
  const std::string what = errorOf<ProtocolError>([&] { p.controller.receive(kLong); });
  EXPECT_TRUE(contains(what, "message of 16777217 bytes from " + p.controller.peer() + " exceeds the 16 MiB limit"))
      << what;
  EXPECT_FALSE(contains(what, "before authentication")) << what;
  EXPECT_FALSE(p.controller.isOpen());
}

// Bytes the allocator hands out now (glibc), to see what a receive allocated.
size_t heapInUse() { return mallinfo2().uordblks; }

TEST(AuthenticatedChannel, BeforeAuthenticationAHugeLengthIsRefusedAtOnceNamingItAndTheLimit) {
  ControlListener listener = ControlListener::listen("127.0.0.1", 0);
  RawClient raw(listener.port());
  ASSERT_TRUE(raw.connected());
  AuthenticatedChannel controller(listener.accept(kLong), kSecret, Role::kAcceptor);
  const size_t before = heapInUse();
  ASSERT_TRUE(raw.write(header(0xffffffffu)));
  const int64_t t0 = monoNowNs();
  const std::string what = errorOf<ProtocolError>([&] { controller.receive(kLong, "registration"); });
  EXPECT_LT(monoNowNs() - t0, kLong / 2) << "refused on the header, not after waiting for the payload";
  EXPECT_EQ(what, "message of 4294967295 bytes from " + raw.localName() +
                      " exceeds the 256 KiB limit before authentication while registration");
  EXPECT_FALSE(controller.isOpen());
  EXPECT_TRUE(raw.peerClosed());
  EXPECT_LT(heapInUse(), before + (64u << 10)) << "nothing of the announced 4 GiB was allocated";

  // Just over the pre-authentication limit: refused the same way (a real first frame is a few KiB).
  RawClient raw2(listener.port());
  ASSERT_TRUE(raw2.connected());
  AuthenticatedChannel controller2(listener.accept(kLong), kSecret, Role::kAcceptor);
  ASSERT_TRUE(raw2.write(header(kMaxPreAuthFrameBytes + 1)));
  EXPECT_TRUE(contains(errorOf<ProtocolError>([&] { controller2.receive(kLong); }),
                       "message of 262145 bytes from " + raw2.localName() + " exceeds the 256 KiB limit before authentication"));
}

TEST(AuthenticatedChannel, AfterAuthenticationLargeMessagesPassAndAnAnnouncedFrameCostsOnlyWhatArrived) {
  Pair p = connectPair();
  p.agent.send(hello(1), kLong);
  EXPECT_EQ(p.controller.receive(kLong)["n"], 1);
  json big = hello(2);
  big["blob"] = std::string(1u << 20, 'y');  // 1 MiB: beyond the first frame's limit, within the full one
  auto sender = std::async(std::launch::async, [&] { p.agent.send(big, kLong); });
  EXPECT_EQ(p.controller.receive(kLong)["blob"].get<std::string>().size(), 1u << 20);
  sender.get();

  // A header announcing 16 MiB followed by 100 bytes: the receiver holds about 100 bytes, not 16 MiB.
  const size_t before = heapInUse();
  const std::string partial = header(kMaxMessageBytes) + std::string(100, 'z');
  ASSERT_EQ(::send(p.agent.raw().fd(), partial.data(), partial.size(), MSG_NOSIGNAL), 104);
  EXPECT_FALSE(p.controller.tryReceive(kShort).has_value());
  EXPECT_LT(heapInUse(), before + (1u << 20)) << "the buffer grows with the bytes, not the announced length";
}

TEST(AuthenticatedChannel, WrongVersionNamesBothVersionsAndTheChannelGoesOn) {
  Pair p = connectPair();
  json msg = makeMessage("hello");
  msg["version"] = 2;
  p.agent.send(msg, kLong);
  EXPECT_EQ(errorOf<ProtocolError>([&] { p.controller.receive(kLong); }),
            "protocol version 2 from " + p.controller.peer() + " does not match ours (1)");
  p.agent.send(hello(3), kLong);
  EXPECT_EQ(p.controller.receive(kLong)["n"], 3);
}

TEST(AuthenticatedChannel, AuthenticatedButMalformedMessagesAreRefused) {
  Pair p = connectPair();
  p.agent.send(json{{"type", "hello"}}, kLong);
  EXPECT_TRUE(contains(errorOf<ProtocolError>([&] { p.controller.receive(kLong); }), "has no integer \"version\""));
  p.agent.send(json::array({1, 2}), kLong);
  EXPECT_TRUE(contains(errorOf<ProtocolError>([&] { p.controller.receive(kLong); }), "is a JSON array, expected an object"));
  p.agent.raw().sendFrame(documentedFrame(kSecret, 'A', 2, "{not json"), kLong);
  EXPECT_EQ(errorOf<ProtocolError>([&] { p.controller.receive(kLong, "waiting for hello"); }),
            "message of 9 bytes from " + p.controller.peer() + " while waiting for hello is not valid JSON (error at byte 3)");
  EXPECT_TRUE(p.controller.isOpen());
  // A number beyond double's range: nlohmann throws out_of_range, not parse_error (fuzzing).
  p.agent.raw().sendFrame(documentedFrame(kSecret, 'A', 3, "[1e400]"), kLong);
  EXPECT_EQ(errorOf<ProtocolError>([&] { p.controller.receive(kLong); }),
            "message of 7 bytes from " + p.controller.peer() + " is not valid JSON (a number out of range)");
  EXPECT_TRUE(p.controller.isOpen());
}

TEST(AuthenticatedChannel, TimeoutsBehaveAsTheChannel) {
  Pair p = connectPair();
  EXPECT_FALSE(p.controller.tryReceive(0).has_value());
  EXPECT_EQ(errorOf<TimeoutError>([&] { p.controller.receive(kShort, "waiting for hello"); }),
            "no message from " + p.controller.peer() + " within 50 ms while waiting for hello");
  p.agent.send(hello(4), kLong);
  EXPECT_EQ(p.controller.receive(kLong)["n"], 4);
}

TEST(AuthenticatedChannel, RefusalsAreLoggedWithThePeer) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  spdlog::logger& logger = log::get();
  const auto old_level = logger.level();
  logger.set_level(spdlog::level::warn);
  logger.sinks().push_back(sink);
  Pair p = connectPair(kOtherSecret, kSecret);
  p.agent.send(hello(1), kLong);
  EXPECT_THROW(p.controller.receive(kLong), AuthenticationError);
  logger.sinks().pop_back();
  logger.set_level(old_level);
  EXPECT_TRUE(contains(captured.str(), "refused: message from " + p.controller.peer() + " failed authentication"))
      << captured.str();
}

// A controller-style accept loop keeps serving good agents after bad ones.
TEST(AuthenticatedChannel, ServerLoopKeepsServingAfterBadClients) {
  ControlListener listener = ControlListener::listen("127.0.0.1", 0);
  auto server = std::async(std::launch::async, [&listener] {
    std::vector<std::string> refusals;
    for (int i = 0; i < 3; ++i) {
      AuthenticatedChannel channel(listener.accept(kLong), kSecret, Role::kAcceptor);
      try {
        const json msg = channel.receive(kLong, "waiting for hello");
        expectMessage(msg, "hello", channel.peer(), "waiting for hello");
        json welcome = makeMessage("welcome");
        welcome["n"] = msg["n"];
        channel.send(welcome, kLong);
      } catch (const ProtocolError& e) {
        refusals.push_back(e.what());
      }
    }
    return refusals;
  });

  // 1. Not a fabcheck peer at all.
  RawClient garbage(listener.port());
  ASSERT_TRUE(garbage.connected());
  const std::string garbage_name = garbage.localName();
  ASSERT_TRUE(garbage.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(garbage.peerClosed());
  // 2. A fabcheck agent with the wrong secret.
  AuthenticatedChannel impostor(ControlChannel::connect("127.0.0.1", listener.port(), kLong), kOtherSecret,
                                Role::kConnector);
  impostor.send(hello(1), kLong);
  EXPECT_NE(errorOf<TransportError>([&] { impostor.receive(kLong); }), "<no exception>");
  // 3. A good agent is still served.
  AuthenticatedChannel agent(ControlChannel::connect("127.0.0.1", listener.port(), kLong), kSecret, Role::kConnector);
  agent.send(hello(42), kLong);
  const json welcome = agent.receive(kLong, "waiting for welcome");
  expectMessage(welcome, "welcome", agent.peer(), "waiting for welcome");
  EXPECT_EQ(welcome["n"], 42);

  ASSERT_EQ(server.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const std::vector<std::string> refusals = server.get();
  ASSERT_EQ(refusals.size(), 2u);
  EXPECT_TRUE(contains(refusals[0], "from " + garbage_name + " exceeds the 256 KiB limit before authentication (not a fabcheck peer?"))
      << refusals[0];
  EXPECT_TRUE(contains(refusals[1], "failed authentication")) << refusals[1];
}

}  // namespace
}  // namespace fabcheck::protocol
