// The "udp" transport on real loopback sockets (127.0.0.1 and ::1).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <future>
#include <set>
#include <string>
#include <vector>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/measure/wire_header.h"
#include "generators/transport/transport.h"
#include "generators/transport/udp/udp_connection.h"
#include "generators/transport/udp/udp_handshake.h"
#include "generators/transport/udp/udp_socket.h"
#include "tests/support/ports.h"

namespace fabcheck::transport {
namespace {

using measure::WireHeader;

constexpr int64_t kWait = 5 * kNsPerSec;  // generous bound on every wait; tests never sleep

struct Pair {
  std::unique_ptr<Transport> server_t;
  std::unique_ptr<Transport> client_t;
  std::unique_ptr<Connection> server;
  std::unique_ptr<Connection> client;
};

Pair makePair(const TransportOptions& server_opts, const TransportOptions& client_opts,
              const std::string& address = "127.0.0.1") {
  Pair p;
  p.server_t = createTransport("udp", server_opts);
  p.client_t = createTransport("udp", client_opts);
  auto listener = p.server_t->listen({address, 0});
  auto accepted = std::async(std::launch::async, [&] { return listener->accept(kWait); });
  ConnectOptions co;
  co.timeout_ns = kWait;
  p.client = p.client_t->connect(EndpointDesc::fromJson(listener->endpoint().toJson()), co);
  p.server = accepted.get();
  return p;
}

bool ipv6LoopbackWorks() {
  int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

udp::UdpConnection& asUdp(Connection& c) { return dynamic_cast<udp::UdpConnection&>(c); }

// Polls until `want` completions were gathered or kWait passed.
std::vector<Completion> collect(Connection& c, size_t want) {
  std::vector<Completion> got;
  std::vector<Completion> out(256);
  const int64_t deadline = monoNowNs() + kWait;
  while (got.size() < want && monoNowNs() < deadline) {
    size_t n = c.poll(out, 10 * kNsPerMs);
    got.insert(got.end(), out.begin(), out.begin() + static_cast<long>(n));
  }
  return got;
}

// Fills `buf` with `count` messages of `size` bytes: wire header (seq i) + payload byte (i + j).
void fillMessages(std::vector<std::byte>& buf, uint32_t count, uint32_t size) {
  buf.assign(static_cast<size_t>(count) * size, std::byte{0});
  for (uint32_t i = 0; i < count; ++i) {
    std::byte* m = buf.data() + static_cast<size_t>(i) * size;
    WireHeader h;
    h.flow_id = 7;
    h.seq = i;
    h.send_ts_ns = wallNowNs();
    measure::encodeWireHeader(h, m);
    for (uint32_t j = measure::kWireHeaderSize; j < size; ++j) m[j] = static_cast<std::byte>((i + j) & 0xff);
  }
}

// Checks one received message: returns its seq, or -1 when damaged.
long checkMessage(const std::byte* m, uint32_t len, uint32_t size) {
  WireHeader h;
  if (len != size || measure::decodeWireHeader({m, len}, h) != measure::WireStatus::kOk || h.flow_id != 7) return -1;
  for (uint32_t j = measure::kWireHeaderSize; j < size; ++j) {
    if (m[j] != static_cast<std::byte>((h.seq + j) & 0xff)) return -1;
  }
  return h.seq;
}

struct RecvBuffers {
  std::vector<std::byte> storage;
  std::vector<RecvOp> ops;
  RecvBuffers(size_t count, uint32_t capacity) : storage(count * capacity) {
    for (size_t i = 0; i < count; ++i) ops.push_back({i, storage.data() + i * capacity, capacity, nullptr});
  }
  std::byte* data(uint64_t id) { return ops[id].data; }
};

// Sends `count` messages of `size` bytes one op each and checks they all arrive intact.
void sendAndVerify(Pair& p, uint32_t count, uint32_t size) {
  RecvBuffers rb(count, 2048);
  ASSERT_EQ(p.server->postRecv(rb.ops), count);
  std::vector<std::byte> msgs;
  fillMessages(msgs, count, size);
  std::vector<SendOp> ops;
  for (uint32_t i = 0; i < count; ++i) ops.push_back({i, msgs.data() + static_cast<size_t>(i) * size, size});
  ASSERT_EQ(p.client->postSend(ops), count);
  std::vector<Completion> sent = collect(*p.client, count);
  ASSERT_EQ(sent.size(), count);
  for (const auto& c : sent) {
    EXPECT_TRUE(c.is_send);
    EXPECT_EQ(c.status, OpStatus::kOk);
    EXPECT_EQ(c.bytes, size);
  }
  std::vector<Completion> got = collect(*p.server, count);
  ASSERT_EQ(got.size(), count);
  std::set<long> seqs;
  for (const auto& c : got) {
    EXPECT_FALSE(c.is_send);
    EXPECT_EQ(c.status, OpStatus::kOk);
    seqs.insert(checkMessage(rb.data(c.id), c.bytes, size));
  }
  EXPECT_EQ(seqs.size(), count);
  EXPECT_EQ(*seqs.begin(), 0);
  EXPECT_EQ(*seqs.rbegin(), static_cast<long>(count) - 1);
}

TEST(UdpTransport, MessagesArriveIntactIPv4) {
  Pair p = makePair({}, {});
  sendAndVerify(p, 200, 1400);
  EXPECT_NE(p.client->describe().find("udp 127.0.0.1:"), std::string::npos) << p.client->describe();
  EXPECT_LE(p.client->stats().send_calls, 2u) << "200 datagrams should go out in one sendmmsg batch";
}

TEST(UdpTransport, MessagesArriveIntactIPv6) {
  if (!ipv6LoopbackWorks()) GTEST_SKIP() << "::1 is not configured on this host (bind to [::1] failed)";
  Pair p = makePair({}, {}, "::1");
  sendAndVerify(p, 100, 1400);
  EXPECT_NE(p.client->describe().find("[::1]:"), std::string::npos) << p.client->describe();
}

TEST(UdpTransport, EndpointDescribesBoundSocket) {
  auto t = createTransport("udp", {});
  auto l = t->listen({"127.0.0.1", 0});
  const EndpointDesc& d = l->endpoint();
  EXPECT_EQ(d.transport, "udp");
  EXPECT_EQ(d.at("address"), "127.0.0.1");
  EXPECT_EQ(d.at("family"), "inet");
  EXPECT_GT(std::stoi(d.at("port")), 0);
}

TEST(UdpTransport, GsoSendGroReceiveCoalesces) {
  const auto& caps = udp::hostCaps();
  if (!caps.gso || !caps.gro) GTEST_SKIP() << "kernel lacks UDP_SEGMENT or UDP_GRO";
  Pair p = makePair({}, {});
  ASSERT_TRUE(asUdp(*p.client).gsoEnabled());
  RecvBuffers rb(8, 65536);
  ASSERT_EQ(p.server->postRecv(rb.ops), 8u);
  ASSERT_TRUE(asUdp(*p.server).groEnabled());
  std::vector<std::byte> msgs;
  fillMessages(msgs, 40, 1400);
  SendOp op{99, msgs.data(), 40 * 1400, 1400};
  ASSERT_EQ(p.client->postSend({&op, 1}), 1u);
  EXPECT_EQ(p.client->stats().send_calls, 1u);
  auto sent = collect(*p.client, 1);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].id, 99u);
  EXPECT_EQ(sent[0].bytes, 40u * 1400);

  auto got = collect(*p.server, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, 40u * 1400);
  EXPECT_EQ(got[0].segment_size, 1400u);
  const std::byte* buf = rb.data(got[0].id);
  for (uint32_t i = 0; i < 40; ++i) {
    EXPECT_EQ(checkMessage(buf + i * 1400, 1400, 1400), static_cast<long>(i)) << "segment " << i;
  }
}

TEST(UdpTransport, LargeSegmentedOpIsSplitIntoSeveralSuperDatagrams) {
  // 200 segments > 64 per GSO call and > 65507 bytes: several datagrams, all segments arrive.
  Pair p = makePair({}, {});
  RecvBuffers rb(64, 65536);
  ASSERT_EQ(p.server->postRecv(rb.ops), 64u);
  std::vector<std::byte> msgs;
  fillMessages(msgs, 200, 1400);
  SendOp op{1, msgs.data(), 200 * 1400, 1400};
  ASSERT_EQ(p.client->postSend({&op, 1}), 1u);
  std::set<long> seqs;
  const int64_t deadline = monoNowNs() + kWait;
  std::vector<Completion> out(64);
  while (seqs.size() < 200 && monoNowNs() < deadline) {
    size_t n = p.server->poll(out, 10 * kNsPerMs);
    for (size_t k = 0; k < n; ++k) {
      ASSERT_EQ(out[k].status, OpStatus::kOk);
      ASSERT_EQ(out[k].bytes % 1400, 0u);
      for (uint32_t off = 0; off < out[k].bytes; off += out[k].segment_size) {
        seqs.insert(checkMessage(rb.data(out[k].id) + off, 1400, 1400));
      }
      p.server->postRecv({&rb.ops[out[k].id], 1});
    }
  }
  EXPECT_EQ(seqs.size(), 200u);
  EXPECT_EQ(*seqs.begin(), 0);
}

TEST(UdpTransport, SegmentedOpWithoutGsoOrGroIsOneBatchOfDatagrams) {
  TransportOptions o;
  o.segmentation = false;
  o.coalescing = false;
  Pair p = makePair(o, o);
  EXPECT_FALSE(p.client_t->properties().supports_segmentation);
  EXPECT_FALSE(asUdp(*p.client).gsoEnabled());
  EXPECT_FALSE(asUdp(*p.server).groEnabled());
  RecvBuffers rb(40, 65536);
  ASSERT_EQ(p.server->postRecv(rb.ops), 40u);
  std::vector<std::byte> msgs;
  fillMessages(msgs, 40, 1400);
  SendOp op{5, msgs.data(), 40 * 1400, 1400};
  ASSERT_EQ(p.client->postSend({&op, 1}), 1u);
  EXPECT_EQ(p.client->stats().send_calls, 1u) << "40 datagrams in one sendmmsg";
  auto got = collect(*p.server, 40);
  ASSERT_EQ(got.size(), 40u);
  std::set<long> seqs;
  for (const auto& c : got) {
    EXPECT_EQ(c.bytes, 1400u);
    EXPECT_EQ(c.segment_size, 1400u);
    seqs.insert(checkMessage(rb.data(c.id), c.bytes, 1400));
  }
  EXPECT_EQ(seqs.size(), 40u);
  EXPECT_EQ(seqs.count(-1), 0u);
}

TEST(UdpTransport, SmallBuffersSwitchGroOff) {
  Pair p = makePair({}, {});
  RecvBuffers rb(4, 2048);
  p.server->postRecv(rb.ops);
  EXPECT_FALSE(asUdp(*p.server).groEnabled());
}

void expectTos(const std::string& address, int dscp, int ecn) {
  TransportOptions o;
  o.dscp = dscp;
  o.ecn = ecn;
  o.coalescing = false;
  Pair p = makePair(o, o, address);
  int tos = 0;
  socklen_t len = sizeof tos;
  const bool v6 = address.find(':') != std::string::npos;
  ASSERT_EQ(getsockopt(asUdp(*p.client).nativeHandle(), v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_TCLASS : IP_TOS,
                       &tos, &len),
            0);
  EXPECT_EQ(tos, (dscp << 2) | ecn);
  RecvBuffers rb(1, 2048);
  p.server->postRecv(rb.ops);
  std::vector<std::byte> msg(64, std::byte{1});
  SendOp op{1, msg.data(), 64};
  ASSERT_EQ(p.client->postSend({&op, 1}), 1u);
  auto got = collect(*p.server, 1);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].tos_valid);
  EXPECT_EQ(got[0].tos >> 2, dscp);
  EXPECT_EQ(got[0].tos & 3, ecn);
}

TEST(UdpTransport, DscpIsSetAndSeenOnReceive) { expectTos("127.0.0.1", 46, 0); }
TEST(UdpTransport, EcnCongestionExperiencedSeenOnReceive) { expectTos("127.0.0.1", 26, 3); }
TEST(UdpTransport, TrafficClassIPv6) {
  if (!ipv6LoopbackWorks()) GTEST_SKIP() << "::1 is not configured on this host (bind to [::1] failed)";
  expectTos("::1", 10, 2);
}

TEST(UdpTransport, BadDscpEcnAndOptionsAreConfigErrors) {
  TransportOptions o;
  o.dscp = 64;
  EXPECT_THROW(createTransport("udp", o), ConfigError);
  o.dscp = 0;
  o.ecn = 4;
  EXPECT_THROW(createTransport("udp", o), ConfigError);
  o.ecn = 0;
  o.bind_interface = "nosuchif0";
  try {
    createTransport("udp", o);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'nosuchif0'"), std::string::npos) << e.what();
  }
  o.bind_interface.clear();
  o.extra["gid_index"] = "3";
  EXPECT_THROW(createTransport("udp", o), ConfigError);
}

TEST(UdpTransport, BindInterfaceLoopback) {
  TransportOptions o;
  o.bind_interface = "lo";
  Pair p = makePair(o, o);
  sendAndVerify(p, 10, 500);
  EXPECT_FALSE(p.client_t->properties().line_rate_gbps.has_value()) << "lo has no speed";
}

TEST(UdpTransport, BidirectionalEcho) {
  Pair p = makePair({}, {});
  constexpr uint32_t kN = 50;
  RecvBuffers srv(kN, 2048);
  RecvBuffers cli(kN, 2048);
  ASSERT_EQ(p.server->postRecv(srv.ops), kN);
  ASSERT_EQ(p.client->postRecv(cli.ops), kN);
  std::vector<std::byte> msgs;
  fillMessages(msgs, kN, 300);
  std::vector<SendOp> ops;
  for (uint32_t i = 0; i < kN; ++i) ops.push_back({i, msgs.data() + i * 300, 300});
  ASSERT_EQ(p.client->postSend(ops), kN);
  // The server echoes what it receives, from the receive buffers themselves.
  size_t echoed = 0;
  std::vector<Completion> out(64);
  const int64_t deadline = monoNowNs() + kWait;
  while (echoed < kN && monoNowNs() < deadline) {
    size_t n = p.server->poll(out, 10 * kNsPerMs);
    for (size_t k = 0; k < n; ++k) {
      if (out[k].is_send) continue;
      SendOp back{1000 + out[k].id, srv.data(out[k].id), out[k].bytes};
      ASSERT_EQ(p.server->postSend({&back, 1}), 1u);
      ++echoed;
    }
  }
  ASSERT_EQ(echoed, kN);
  std::set<long> seqs;
  const int64_t deadline2 = monoNowNs() + kWait;
  while (seqs.size() < kN && monoNowNs() < deadline2) {
    size_t n = p.client->poll(out, 10 * kNsPerMs);
    for (size_t k = 0; k < n; ++k) {
      if (!out[k].is_send) seqs.insert(checkMessage(cli.data(out[k].id), out[k].bytes, 300));
    }
  }
  EXPECT_EQ(seqs.size(), kN);
  EXPECT_EQ(seqs.count(-1), 0u);
}

TEST(UdpTransport, PortInUse) {
  auto t = createTransport("udp", {});
  auto first = t->listen({"127.0.0.1", 0});
  const std::string port = first->endpoint().at("port");
  try {
    t->listen({"127.0.0.1", static_cast<uint16_t>(std::stoi(port))});
    FAIL() << "second bind succeeded";
  } catch (const TransportError& e) {
    EXPECT_EQ(std::string(e.what()), "udp: cannot bind 127.0.0.1:" + port + ": Address already in use");
  }
}

uint16_t unusedPort() { return fabcheck::testing::unusedLoopbackPort(SOCK_DGRAM); }

TEST(UdpTransport, ConnectToClosedPortFails) {
  auto t = createTransport("udp", {});
  const std::string port = std::to_string(unusedPort());
  EndpointDesc d{"udp", {{"address", "127.0.0.1"}, {"port", port}, {"family", "inet"}}};
  ConnectOptions co;
  co.timeout_ns = 300 * kNsPerMs;
  try {
    t->connect(d, co);
    FAIL() << "connected to nobody";
  } catch (const TransportError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("udp: connection refused by 127.0.0.1:" + port, 0), 0u) << e.what();
  } catch (const TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + port), std::string::npos) << e.what();
  }
}

TEST(UdpTransport, ConnectTimesOutWhenNobodyAccepts) {
  auto t = createTransport("udp", {});
  auto l = t->listen({"127.0.0.1", 0});  // bound but never accepting: HELLOs go unanswered
  ConnectOptions co;
  co.timeout_ns = 120 * kNsPerMs;
  try {
    t->connect(l->endpoint(), co);
    FAIL() << "connected without accept";
  } catch (const TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + l->endpoint().at("port")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("0.12 s"), std::string::npos) << e.what();
  }
}

TEST(UdpTransport, AcceptTimesOut) {
  auto t = createTransport("udp", {});
  auto l = t->listen({"127.0.0.1", 0});
  try {
    l->accept(20 * kNsPerMs);
    FAIL() << "accepted nobody";
  } catch (const TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("no peer connected"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(l->endpoint().at("port")), std::string::npos) << e.what();
  }
}

TEST(UdpTransport, ListenerAcceptsOnce) {
  Pair p;
  p.server_t = createTransport("udp", {});
  auto l = p.server_t->listen({"127.0.0.1", 0});
  auto accepted = std::async(std::launch::async, [&] { return l->accept(kWait); });
  p.client = p.server_t->connect(l->endpoint(), {});
  p.server = accepted.get();
  EXPECT_THROW(l->accept(kNsPerMs), TransportError);
}

TEST(UdpTransport, TruncatedReceive) {
  Pair p = makePair({}, {});
  RecvBuffers rb(1, 100);
  p.server->postRecv(rb.ops);
  std::vector<std::byte> msg(1000, std::byte{7});
  SendOp op{1, msg.data(), 1000};
  ASSERT_EQ(p.client->postSend({&op, 1}), 1u);
  auto got = collect(*p.server, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, OpStatus::kTruncated);
  EXPECT_EQ(got[0].bytes, 100u);
  EXPECT_EQ(p.server->stats().recv_truncated, 1u);
}

TEST(UdpTransport, ReceiveTimestampsAreCloseToNow) {
  Pair p = makePair({}, {});
  EXPECT_NE(p.server_t->properties().rx_timestamps, TimestampSource::kNone);
  RecvBuffers rb(1, 2048);
  p.server->postRecv(rb.ops);
  std::vector<std::byte> msg(200, std::byte{1});
  SendOp op{1, msg.data(), 200};
  const int64_t before = wallNowNs();
  ASSERT_EQ(p.client->postSend({&op, 1}), 1u);
  auto got = collect(*p.server, 1);
  const int64_t after = wallNowNs();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].ts_source, TimestampSource::kNone);
  EXPECT_EQ(got[0].ts_source, asUdp(*p.server).timestampMode()) << toString(got[0].ts_source);
  EXPECT_GE(got[0].rx_timestamp_ns, before);
  EXPECT_LE(got[0].rx_timestamp_ns, after);
}

TEST(UdpTransport, NoTimestampsWhenNotAsked) {
  TransportOptions o;
  o.rx_timestamps = false;
  Pair p = makePair(o, o);
  EXPECT_EQ(p.server_t->properties().rx_timestamps, TimestampSource::kNone);
  RecvBuffers rb(1, 2048);
  p.server->postRecv(rb.ops);
  std::vector<std::byte> msg(200, std::byte{1});
  SendOp op{1, msg.data(), 200};
  p.client->postSend({&op, 1});
  auto got = collect(*p.server, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ts_source, TimestampSource::kNone);
}

TEST(UdpTransport, LateHandshakeDatagramsAreNotData) {
  Pair p = makePair({}, {});
  RecvBuffers rb(4, 2048);
  p.server->postRecv(rb.ops);
  // A repeated HELLO (as if sent before the ACK landed) and an ACK-lookalike, then real data.
  ASSERT_TRUE(udp::sendHandshake(asUdp(*p.client).nativeHandle(), udp::HandshakeType::kHello, 12345));
  ASSERT_TRUE(udp::sendHandshake(asUdp(*p.client).nativeHandle(), udp::HandshakeType::kAck, 12345));
  std::vector<std::byte> msgs;
  fillMessages(msgs, 1, 100);
  SendOp op{1, msgs.data(), 100};
  ASSERT_EQ(p.client->postSend({&op, 1}), 1u);
  auto got = collect(*p.server, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, 100u);
  EXPECT_EQ(checkMessage(rb.data(got[0].id), got[0].bytes, 100), 0);
  std::vector<Completion> out(4);
  EXPECT_EQ(p.server->poll(out, 20 * kNsPerMs), 0u) << "a handshake datagram came out as data";
  // The three buffers not used for data are still posted: three more messages land.
  std::vector<SendOp> more(3, op);
  ASSERT_EQ(p.client->postSend(more), 3u);
  EXPECT_EQ(collect(*p.server, 3).size(), 3u);
}

TEST(UdpTransport, UnsupportedAndOversizeOpsComplete) {
  Pair p = makePair({}, {});
  EXPECT_FALSE(p.client_t->properties().supports_rdma_ops);
  std::vector<std::byte> big(70000);
  SendOp write{1, big.data(), 100};
  write.opcode = Opcode::kWrite;
  SendOp oversize{2, big.data(), 70000};
  SendOp fine{3, big.data(), 100};
  std::vector<SendOp> ops{write, oversize, fine};
  ASSERT_EQ(p.client->postSend(ops), 3u);
  auto got = collect(*p.client, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].id, 1u);
  EXPECT_EQ(got[0].status, OpStatus::kUnsupported);
  EXPECT_EQ(got[1].id, 2u);
  EXPECT_EQ(got[1].status, OpStatus::kError);
  EXPECT_EQ(got[1].error, EMSGSIZE);
  EXPECT_EQ(got[2].id, 3u);
  EXPECT_EQ(got[2].status, OpStatus::kOk);
  EXPECT_EQ(p.client->stats().send_errors, 1u);
}

TEST(UdpTransport, SendsAfterPeerLeftReportRefused) {
  Pair p = makePair({}, {});
  p.server.reset();  // closes the socket: the port answers ICMP unreachable
  std::vector<std::byte> msg(100);
  SendOp op{1, msg.data(), 100};
  bool refused = false;
  std::vector<Completion> out(8);
  for (int i = 0; i < 20 && !refused; ++i) {
    p.client->postSend({&op, 1});
    size_t n = p.client->poll(out, 0);
    for (size_t k = 0; k < n; ++k) refused |= out[k].status == OpStatus::kError && out[k].error == ECONNREFUSED;
  }
  EXPECT_TRUE(refused);
  EXPECT_GE(p.client->stats().send_errors, 1u);
}

TEST(UdpTransport, PollWithNothingPendingReturnsAtOnce) {
  Pair p = makePair({}, {});
  std::vector<Completion> out(4);
  EXPECT_EQ(p.client->poll(out, 10 * kNsPerSec), 0u);  // no receive posted, nothing sent
}

TEST(UdpTransport, Properties) {
  TransportOptions o;
  auto t = createTransport("udp", o);
  TransportProperties pr = t->properties();
  EXPECT_EQ(pr.name, "udp");
  EXPECT_EQ(pr.max_message_bytes, 65507u);
  EXPECT_GE(pr.max_post_bytes, pr.max_message_bytes);
  EXPECT_FALSE(pr.reliable);
  EXPECT_FALSE(pr.supports_rdma_ops);
  EXPECT_EQ(pr.supports_segmentation, udp::hostCaps().gso);
  EXPECT_EQ(pr.supports_coalescing, udp::hostCaps().gro);
  o.segmentation = false;
  o.coalescing = false;
  pr = createTransport("udp", o)->properties();
  EXPECT_FALSE(pr.supports_segmentation);
  EXPECT_FALSE(pr.supports_coalescing);
}

}  // namespace
}  // namespace fabcheck::transport
