// The "tcp" transport on real loopback sockets: message boundaries over a byte stream, runs and
// coalesced receives, truncation, back-pressure, the token handshake, a peer that closes or
// sends garbage, TCP_INFO, and the options it refuses.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <future>
#include <string>
#include <vector>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/transport/inet/stream_socket.h"
#include "generators/transport/transport.h"

namespace fabcheck::transport::tcp_test {
namespace {

constexpr int64_t kTcpWait = 5 * kNsPerSec;  // bound on every wait; the tests never sleep

struct TcpPair {
  std::unique_ptr<Transport> transport;
  std::unique_ptr<Connection> server;
  std::unique_ptr<Connection> client;
};

TcpPair connectedTcpPair(const std::string& address = "127.0.0.1") {
  TcpPair p;
  p.transport = createTransport("tcp", {});
  auto listener = p.transport->listen({address, 0});
  auto accepted = std::async(std::launch::async, [&] { return listener->accept(kTcpWait); });
  ConnectOptions co;
  co.timeout_ns = kTcpWait;
  p.client = p.transport->connect(EndpointDesc::fromJson(listener->endpoint().toJson()), co);
  p.server = accepted.get();
  return p;
}

// Polls until `want` completions of the kind asked for arrived, or kTcpWait passed.
std::vector<Completion> gather(Connection& c, size_t want, bool sends) {
  std::vector<Completion> got;
  std::vector<Completion> out(64);
  const int64_t deadline = monoNowNs() + kTcpWait;
  while (got.size() < want && monoNowNs() < deadline) {
    const size_t n = c.poll(out, 10 * kNsPerMs);
    for (size_t i = 0; i < n; ++i) {
      if (out[i].is_send == sends) got.push_back(out[i]);
    }
  }
  return got;
}

std::vector<std::byte> pattern(size_t n, unsigned seed) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 31 + seed) & 0xff);
  return v;
}

// Posts `count` receive buffers of `capacity` bytes carved from `mem`.
void postBuffers(Connection& c, std::vector<std::byte>& mem, uint32_t count, uint32_t capacity) {
  mem.assign(static_cast<size_t>(count) * capacity, std::byte{0});
  std::vector<RecvOp> ops;
  for (uint32_t i = 0; i < count; ++i) ops.push_back({.id = i, .data = mem.data() + size_t{i} * capacity, .capacity = capacity});
  ASSERT_EQ(c.postRecv(ops), count);
}

TEST(TcpTransport, MessagesKeepTheirBoundariesAndContentOverTheStream) {
  TcpPair p = connectedTcpPair();
  const std::vector<uint32_t> sizes = {1, 64, 1400, 20000, 70000, 3};
  std::vector<std::vector<std::byte>> msgs;
  std::vector<SendOp> ops;
  for (size_t i = 0; i < sizes.size(); ++i) msgs.push_back(pattern(sizes[i], static_cast<unsigned>(i)));
  for (size_t i = 0; i < sizes.size(); ++i) ops.push_back({.id = i, .data = msgs[i].data(), .length = sizes[i]});
  std::vector<std::byte> mem;
  postBuffers(*p.server, mem, 8, 80000);
  size_t posted = 0;
  const int64_t deadline = monoNowNs() + kTcpWait;
  while (posted < ops.size() && monoNowNs() < deadline) {
    posted += p.client->postSend(std::span(ops).subspan(posted));
    gather(*p.client, 0, true);
  }
  const auto sent = gather(*p.client, sizes.size() - (sizes.size() - posted), true);
  const auto got = gather(*p.server, sizes.size(), false);
  ASSERT_EQ(got.size(), sizes.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].status, OpStatus::kOk);
    ASSERT_EQ(got[i].bytes, sizes[i]) << "message " << i << " kept its own length";
    EXPECT_EQ(got[i].segment_size, sizes[i]);
    EXPECT_EQ(std::memcmp(mem.data() + got[i].id * 80000, msgs[i].data(), sizes[i]), 0) << "message " << i;
    EXPECT_EQ(got[i].ts_source, TimestampSource::kUserSpace);
  }
  EXPECT_EQ(sent.size(), sizes.size());
}

TEST(TcpTransport, ARunOfMessagesArrivesCoalescedAtItsStrideAndSplitAtWholeMessages) {
  TcpPair p = connectedTcpPair();
  const uint32_t msg = 1000, count = 10;
  const auto data = pattern(size_t{msg} * count - 300, 7);  // the last message is 700 bytes
  const SendOp op{.id = 1, .data = data.data(), .length = static_cast<uint32_t>(data.size()), .segment_size = msg};
  std::vector<std::byte> mem;
  postBuffers(*p.server, mem, 4, 4500);  // four whole messages fit in a buffer
  ASSERT_EQ(p.client->postSend(std::span(&op, 1)), 1u);
  const auto got = gather(*p.server, 3, false);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].bytes, 4000u);
  EXPECT_EQ(got[1].bytes, 4000u);
  EXPECT_EQ(got[2].bytes, 1700u) << "the short last message ends the run";
  for (const auto& c : got) EXPECT_EQ(c.segment_size, msg);
  std::vector<std::byte> joined;
  for (const auto& c : got) joined.insert(joined.end(), mem.begin() + static_cast<long>(c.id * 4500), mem.begin() + static_cast<long>(c.id * 4500 + c.bytes));
  EXPECT_EQ(joined, data);
}

TEST(TcpTransport, AMessageLargerThanTheBufferIsTruncatedAndTheNextArrivesWhole) {
  TcpPair p = connectedTcpPair();
  const auto big = pattern(5000, 1), small = pattern(100, 2);
  const SendOp ops[] = {{.id = 1, .data = big.data(), .length = 5000}, {.id = 2, .data = small.data(), .length = 100}};
  std::vector<std::byte> mem;
  postBuffers(*p.server, mem, 2, 1000);
  ASSERT_EQ(p.client->postSend(ops), 2u);
  const auto got = gather(*p.server, 2, false);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].status, OpStatus::kTruncated);
  EXPECT_EQ(got[0].bytes, 1000u);
  EXPECT_EQ(std::memcmp(mem.data(), big.data(), 1000), 0);
  EXPECT_EQ(got[1].status, OpStatus::kOk);
  EXPECT_EQ(got[1].bytes, 100u);
  EXPECT_EQ(std::memcmp(mem.data() + 1000, small.data(), 100), 0);
  EXPECT_EQ(p.server->stats().recv_truncated, 1u);
}

TEST(TcpTransport, AFullSocketPushesBackAndEverythingArrivesInOrderOnceRead) {
  TcpPair p = connectedTcpPair();
  const uint32_t size = 1 << 20;
  const auto data = pattern(size, 3);
  std::vector<SendOp> ops;
  for (uint64_t i = 0; i < 64; ++i) ops.push_back({.id = i, .data = data.data(), .length = size});
  const size_t accepted = p.client->postSend(ops);
  EXPECT_LT(accepted, ops.size()) << "64 MiB cannot fit into the socket buffers of an unread connection";
  EXPECT_GE(p.client->stats().send_backpressure, 1u);
  std::vector<std::byte> mem;
  postBuffers(*p.server, mem, 4, size);
  size_t posted = accepted, received = 0, sent = 0;
  std::vector<Completion> out(16);
  const int64_t deadline = monoNowNs() + 4 * kTcpWait;
  while ((received < ops.size() || sent < ops.size()) && monoNowNs() < deadline) {
    if (posted < ops.size()) posted += p.client->postSend(std::span(ops).subspan(posted));
    sent += gather(*p.client, 0, true).size();
    const size_t n = p.server->poll(out, kNsPerMs);
    for (size_t i = 0; i < n; ++i) {
      if (out[i].is_send) continue;
      ASSERT_EQ(out[i].bytes, size);
      ++received;
      const RecvOp again{.id = out[i].id, .data = mem.data() + out[i].id * size, .capacity = size};
      p.server->postRecv(std::span(&again, 1));
    }
    const size_t m = p.client->poll(out, 0);
    for (size_t i = 0; i < m; ++i) sent += out[i].is_send ? 1 : 0;
  }
  EXPECT_EQ(received, ops.size());
  EXPECT_EQ(sent, ops.size()) << "every accepted send completes once its bytes are in the kernel";
}

TEST(TcpTransport, ReportsTheKernelsTcpFacts) {
  TcpPair p = connectedTcpPair();
  const auto data = pattern(10000, 4);
  const SendOp op{.id = 1, .data = data.data(), .length = 10000};
  std::vector<std::byte> mem;
  postBuffers(*p.server, mem, 1, 10000);
  ASSERT_EQ(p.client->postSend(std::span(&op, 1)), 1u);
  ASSERT_EQ(gather(*p.server, 1, false).size(), 1u);
  const auto info = p.client->tcpInfo();
  ASSERT_TRUE(info.has_value());
  EXPECT_GE(info->segments_sent, 1u);
  EXPECT_GE(info->bytes_sent, 10000u);
  EXPECT_GT(info->mss_bytes, 0u);
  EXPECT_GT(info->cwnd_segments, 0u);
  EXPECT_EQ(createTransport("udp", {})->properties().reliable, false);
  EXPECT_TRUE(p.transport->properties().reliable) << "collectives rely on TCP's own reliability";
}

// A raw TCP client: connects to the listener's port and writes what it is given.
inet::Fd rawClient(const EndpointDesc& ep) {
  const inet::SockAddr to = inet::resolveAddress("test", ep.at("address"), static_cast<uint16_t>(std::stoi(ep.at("port"))), "address");
  return inet::streamConnect("test", to, nullptr, kTcpWait);
}

std::vector<unsigned char> greetingFor(const EndpointDesc& ep) {
  std::vector<unsigned char> g = {'F', 'C', 'T', 'C', 'P', '1', 'H', 0};
  const uint64_t token = std::stoull(ep.at("token"), nullptr, 16);
  for (int i = 0; i < 8; ++i) g.push_back(static_cast<unsigned char>(token >> (8 * i)));
  return g;
}

TEST(TcpTransport, AStrangerIsDroppedAndThePeerWithTheTokenIsAccepted) {
  auto t = createTransport("tcp", {});
  auto listener = t->listen({"127.0.0.1", 0});
  const EndpointDesc ep = listener->endpoint();
  auto accepted = std::async(std::launch::async, [&] { return listener->accept(kTcpWait); });
  inet::Fd stranger = rawClient(ep);
  const char junk[16] = "GET / HTTP/1.0\n";
  ASSERT_EQ(::send(stranger.get(), junk, sizeof junk, MSG_NOSIGNAL), static_cast<ssize_t>(sizeof junk));
  EndpointDesc wrong = ep;
  wrong.fields["token"] = "1234";
  ConnectOptions co;
  co.timeout_ns = kTcpWait;
  EXPECT_THROW(t->connect(wrong, co), TransportError) << "a wrong token gets no answer: the listener closes it";
  auto client = t->connect(ep, co);
  auto server = accepted.get();
  ASSERT_NE(server, nullptr);
  EXPECT_NE(client->describe().find("tcp 127.0.0.1:"), std::string::npos);
}

TEST(TcpTransport, APeerClosingMidMessageOrSendingGarbageBreaksTheConnection) {
  for (const bool garbage : {false, true}) {
    auto t = createTransport("tcp", {});
    auto listener = t->listen({"127.0.0.1", 0});
    const EndpointDesc ep = listener->endpoint();
    auto accepted = std::async(std::launch::async, [&] { return listener->accept(kTcpWait); });
    inet::Fd raw = rawClient(ep);
    const auto g = greetingFor(ep);
    inet::sendAll("test", raw.get(), g.data(), g.size(), monoNowNs() + kTcpWait, "greeting");
    char answer[8];
    inet::recvAll("test", raw.get(), answer, sizeof answer, monoNowNs() + kTcpWait, "answer");  // unread data would make close() a reset
    auto server = accepted.get();
    std::vector<std::byte> mem;
    postBuffers(*server, mem, 2, 2000);
    // A header promising 1000 bytes and 10 of them; or a header with an impossible length.
    unsigned char frame[18] = {0, 0, 0x03, 0xe8, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    if (garbage) frame[0] = 0x7f;  // 2 GB: no frame is that long
    inet::sendAll("test", raw.get(), frame, sizeof frame, monoNowNs() + kTcpWait, "frame");
    if (!garbage) raw = inet::Fd();  // close in the middle of the message
    const auto got = gather(*server, 2, false);
    ASSERT_EQ(got.size(), 2u) << "every posted receive learns of the break";
    EXPECT_EQ(got[0].status, OpStatus::kError);
    EXPECT_EQ(got[0].error, garbage ? EPROTO : EPIPE);
    const SendOp op{.id = 9, .data = mem.data(), .length = 10};
    ASSERT_EQ(server->postSend(std::span(&op, 1)), 1u);
    const auto failed = gather(*server, 1, true);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].status, OpStatus::kError) << "a broken connection fails later sends too";
  }
}

TEST(TcpTransport, APeerClosingBetweenMessagesIsQuiet) {
  TcpPair p = connectedTcpPair();
  const auto data = pattern(100, 5);
  const SendOp op{.id = 1, .data = data.data(), .length = 100};
  std::vector<std::byte> mem;
  postBuffers(*p.server, mem, 2, 200);
  ASSERT_EQ(p.client->postSend(std::span(&op, 1)), 1u);
  ASSERT_EQ(gather(*p.client, 1, true).size(), 1u);
  const auto got = gather(*p.server, 1, false);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, OpStatus::kOk);
  p.client.reset();  // the FIN is on the server's socket when close() returns (loopback)
  std::vector<Completion> out(4);
  EXPECT_EQ(p.server->poll(out, 100 * kNsPerMs), 0u) << "a close between messages is a finished sender, not an error";
}

TEST(TcpTransport, RefusesOptionsItCannotHonour) {
  TransportOptions ecn;
  ecn.ecn = 2;
  try {
    createTransport("tcp", ecn);
    FAIL() << "ecn on tcp accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("tcp: ecn 2 (transport option ecn) cannot be set on tcp"), std::string::npos) << e.what();
  }
  TransportOptions extra;
  extra.extra["qps"] = "2";
  EXPECT_THROW(createTransport("tcp", extra), ConfigError);
  TransportOptions dscp;
  dscp.dscp = 64;
  EXPECT_THROW(createTransport("tcp", dscp), ConfigError);
  auto t = createTransport("tcp", {});
  const SendOp write{.id = 1, .data = nullptr, .length = 8, .opcode = Opcode::kWrite};
  TcpPair p = connectedTcpPair();
  ASSERT_EQ(p.client->postSend(std::span(&write, 1)), 1u);
  const auto got = gather(*p.client, 1, true);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, OpStatus::kUnsupported);
  EXPECT_EQ(transportKindProperties("tcp").max_message_bytes, 16u << 20);
}

}  // namespace
}  // namespace fabcheck::transport::tcp_test
