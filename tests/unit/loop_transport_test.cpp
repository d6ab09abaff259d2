// The in-process "loop" transport: ordering, back-pressure, fault injection, threads.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/transport/loop/loop_connection.h"
#include "generators/transport/transport.h"

namespace fabcheck::transport {
namespace {

constexpr int64_t kWait = 5 * kNsPerSec;

struct Pair {
  std::unique_ptr<Transport> t;
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Connection> server;
  std::unique_ptr<Connection> client;
};

Pair makePair(const std::map<std::string, std::string>& extra = {}, int dscp = 0) {
  TransportOptions o;
  o.extra = extra;
  o.dscp = dscp;
  Pair p;
  p.t = createTransport("loop", o);
  p.listener = p.t->listen({});
  p.client = p.t->connect(EndpointDesc::fromJson(p.listener->endpoint().toJson()), {});
  p.server = p.listener->accept(kWait);
  return p;
}

loop::LoopConnection& asLoop(Connection& c) { return dynamic_cast<loop::LoopConnection&>(c); }

// Messages are 4-byte sequence numbers.
struct Sender {
  std::vector<uint32_t> values;
  std::vector<SendOp> ops;
  explicit Sender(uint32_t n) : values(n) {
    for (uint32_t i = 0; i < n; ++i) values[i] = i;
    for (uint32_t i = 0; i < n; ++i) ops.push_back({i, reinterpret_cast<const std::byte*>(&values[i]), 4});
  }
};

struct Receiver {
  std::vector<uint32_t> slots;
  std::vector<RecvOp> ops;
  explicit Receiver(size_t n) : slots(n) {
    for (size_t i = 0; i < n; ++i) ops.push_back({i, reinterpret_cast<std::byte*>(&slots[i]), 4});
  }
};

// Receives until `want` receive completions or a quiet poll; returns the values in arrival order.
std::vector<uint32_t> drain(Connection& c, Receiver& r, size_t want) {
  std::vector<uint32_t> seen;
  std::vector<Completion> out(64);
  const int64_t deadline = monoNowNs() + kWait;
  while (seen.size() < want && monoNowNs() < deadline) {
    size_t n = c.poll(out, 10 * kNsPerMs);
    if (n == 0) break;
    for (size_t k = 0; k < n; ++k) {
      if (out[k].is_send) continue;
      EXPECT_EQ(out[k].status, OpStatus::kOk);
      seen.push_back(r.slots[out[k].id]);
    }
  }
  return seen;
}

TEST(LoopTransport, DeliversInOrder) {
  Pair p = makePair();
  Receiver r(100);
  ASSERT_EQ(p.server->postRecv(r.ops), 100u);
  Sender s(100);
  ASSERT_EQ(p.client->postSend(s.ops), 100u);
  std::vector<uint32_t> seen = drain(*p.server, r, 100);
  ASSERT_EQ(seen.size(), 100u);
  for (uint32_t i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
}

TEST(LoopTransport, SendsBeforeReceivesArePostedWaitInOrder) {
  Pair p = makePair();
  Sender s(5);
  ASSERT_EQ(p.client->postSend(s.ops), 5u);
  Receiver r(5);
  ASSERT_EQ(p.server->postRecv(r.ops), 5u);
  EXPECT_EQ(drain(*p.server, r, 5), (std::vector<uint32_t>{0, 1, 2, 3, 4}));
}

// As on an RDMA NIC: a receive still posted into memory that was deregistered completes with an
// error when a message lands on it, and the memory is not written (it may have been freed).
TEST(LoopTransport, AMessageLandingInDeregisteredMemoryIsAnErrorAndWritesNothing) {
  Pair p = makePair();
  Receiver r(2);
  MemoryRegion first = p.server->registerMemory(reinterpret_cast<std::byte*>(&r.slots[0]), 4);
  r.ops[0].region = &first;
  ASSERT_EQ(p.server->postRecv(r.ops), 2u);
  p.server->deregisterMemory(first);
  r.slots[0] = 0xdeadbeef;
  Sender s(2);
  s.values = {7, 8};
  ASSERT_EQ(p.client->postSend(s.ops), 2u);
  std::vector<Completion> out(8);
  std::vector<Completion> recvs;
  const int64_t deadline = monoNowNs() + kWait;
  while (recvs.size() < 2 && monoNowNs() < deadline) {
    const size_t n = p.server->poll(out, 10 * kNsPerMs);
    for (size_t k = 0; k < n; ++k) recvs.push_back(out[k]);
  }
  ASSERT_EQ(recvs.size(), 2u);
  EXPECT_EQ(recvs[0].status, OpStatus::kError);
  EXPECT_EQ(recvs[0].error, EFAULT);
  EXPECT_EQ(r.slots[0], 0xdeadbeefu);
  EXPECT_EQ(recvs[1].status, OpStatus::kOk);
  EXPECT_EQ(r.slots[1], 8u);
}

TEST(LoopTransport, BothDirectionsAndSendCompletions) {
  Pair p = makePair();
  Receiver rc(3);
  p.client->postRecv(rc.ops);
  Sender s(3);
  ASSERT_EQ(p.server->postSend(s.ops), 3u);
  std::vector<Completion> out(8);
  EXPECT_EQ(drain(*p.client, rc, 3), (std::vector<uint32_t>{0, 1, 2}));
  size_t n = p.server->poll(out, 0);
  ASSERT_EQ(n, 3u);
  for (size_t k = 0; k < n; ++k) {
    EXPECT_TRUE(out[k].is_send);
    EXPECT_EQ(out[k].id, k);
    EXPECT_EQ(out[k].bytes, 4u);
  }
}

TEST(LoopTransport, BackPressureWhenPeerQueueIsFull) {
  Pair p = makePair({{"queue_depth", "8"}});
  Sender s(10);
  EXPECT_EQ(p.client->postSend(s.ops), 8u);
  EXPECT_EQ(p.client->stats().send_backpressure, 1u);
  EXPECT_EQ(p.client->postSend(std::span(s.ops).subspan(8)), 0u);
  Receiver r(10);
  ASSERT_EQ(p.server->postRecv(r.ops), 10u);  // 8 land, 2 buffers stay posted
  EXPECT_EQ(p.client->postSend(std::span(s.ops).subspan(8)), 2u);
  std::vector<uint32_t> seen = drain(*p.server, r, 10);
  ASSERT_EQ(seen.size(), 10u);
  for (uint32_t i = 0; i < 10; ++i) EXPECT_EQ(seen[i], i);
}

TEST(LoopTransport, DropEveryNth) {
  Pair p = makePair({{"drop_every", "10"}});
  EXPECT_FALSE(p.t->properties().reliable);
  Receiver r(100);
  p.server->postRecv(r.ops);
  Sender s(100);
  ASSERT_EQ(p.client->postSend(s.ops), 100u);
  std::vector<uint32_t> seen = drain(*p.server, r, 100);
  ASSERT_EQ(seen.size(), 90u);
  for (uint32_t v : seen) EXPECT_NE(v % 10, 9u) << v;
  EXPECT_EQ(asLoop(*p.client).faultCounts().dropped, 10u);
}

TEST(LoopTransport, ReorderEveryNthSwapsPairs) {
  Pair p = makePair({{"reorder_every", "2"}});
  Receiver r(7);
  p.server->postRecv(r.ops);
  Sender s(7);
  ASSERT_EQ(p.client->postSend(s.ops), 7u);
  EXPECT_EQ(drain(*p.server, r, 7), (std::vector<uint32_t>{0, 2, 1, 4, 3, 6, 5}));
  EXPECT_EQ(asLoop(*p.client).faultCounts().reordered, 3u);
}

TEST(LoopTransport, HeldMessageIsFlushedWhenSenderCloses) {
  Pair p = makePair({{"reorder_every", "2"}});
  Receiver r(2);
  p.server->postRecv(r.ops);
  Sender s(2);
  ASSERT_EQ(p.client->postSend(s.ops), 2u);  // the second waits for a successor
  p.client.reset();
  EXPECT_EQ(drain(*p.server, r, 2), (std::vector<uint32_t>{0, 1}));
}

TEST(LoopTransport, DuplicateEveryNth) {
  Pair p = makePair({{"duplicate_every", "5"}});
  Receiver r(200);
  p.server->postRecv(r.ops);
  Sender s(100);
  ASSERT_EQ(p.client->postSend(s.ops), 100u);
  std::vector<uint32_t> seen = drain(*p.server, r, 120);
  ASSERT_EQ(seen.size(), 120u);
  size_t fours = 0;
  for (uint32_t v : seen) fours += v == 4;
  EXPECT_EQ(fours, 2u);
  EXPECT_EQ(asLoop(*p.client).faultCounts().duplicated, 20u);
}

TEST(LoopTransport, SegmentedSendIsOneMessagePerSegment) {
  Pair p = makePair();
  Receiver r(3);
  p.server->postRecv(r.ops);
  uint32_t data[3] = {10, 11, 12};
  SendOp op{1, reinterpret_cast<const std::byte*>(data), 12, 4};
  ASSERT_EQ(p.client->postSend({&op, 1}), 1u);
  EXPECT_EQ(drain(*p.server, r, 3), (std::vector<uint32_t>{10, 11, 12}));
}

TEST(LoopTransport, TruncationTosAndTimestamps) {
  Pair p = makePair({}, 46);
  std::vector<std::byte> small(2);
  RecvOp rop{1, small.data(), 2};
  p.server->postRecv({&rop, 1});
  uint32_t v = 0x01020304;
  SendOp op{1, reinterpret_cast<const std::byte*>(&v), 4};
  const int64_t before = wallNowNs();
  p.client->postSend({&op, 1});
  std::vector<Completion> out(2);
  ASSERT_EQ(p.server->poll(out, kWait), 1u);
  EXPECT_EQ(out[0].status, OpStatus::kTruncated);
  EXPECT_EQ(out[0].bytes, 2u);
  EXPECT_EQ(p.server->stats().recv_truncated, 1u);
  EXPECT_TRUE(out[0].tos_valid);
  EXPECT_EQ(out[0].tos >> 2, 46);
  EXPECT_EQ(out[0].ts_source, TimestampSource::kUserSpace);
  EXPECT_GE(out[0].rx_timestamp_ns, before);
  EXPECT_LE(out[0].rx_timestamp_ns, wallNowNs());
}

TEST(LoopTransport, UnsupportedOpcodeAndClosedPeer) {
  Pair p = makePair();
  uint32_t v = 1;
  SendOp write{7, reinterpret_cast<const std::byte*>(&v), 4};
  write.opcode = Opcode::kRead;
  ASSERT_EQ(p.client->postSend({&write, 1}), 1u);
  std::vector<Completion> out(2);
  ASSERT_EQ(p.client->poll(out, 0), 1u);
  EXPECT_EQ(out[0].status, OpStatus::kUnsupported);
  p.server.reset();
  SendOp send{8, reinterpret_cast<const std::byte*>(&v), 4};
  ASSERT_EQ(p.client->postSend({&send, 1}), 1u);
  ASSERT_EQ(p.client->poll(out, 0), 1u);
  EXPECT_EQ(out[0].status, OpStatus::kError);
  EXPECT_EQ(out[0].error, ECONNREFUSED);
  EXPECT_EQ(p.client->stats().send_errors, 1u);
}

TEST(LoopTransport, ConnectAndAcceptErrors) {
  auto t = createTransport("loop", {});
  EXPECT_THROW(t->connect({"loop", {{"id", "999999"}}}, {}), TransportError);
  EXPECT_THROW(t->connect({"loop", {{"id", "x"}}}, {}), ConfigError);
  EXPECT_THROW(t->connect({"udp", {{"id", "1"}}}, {}), ConfigError);
  auto l = t->listen({});
  EXPECT_THROW(l->accept(kNsPerMs), TimeoutError);
  const std::string id = l->endpoint().at("id");
  l.reset();
  EXPECT_THROW(t->connect({"loop", {{"id", id}}}, {}), TransportError);
}

TEST(LoopTransport, BadExtraOptions) {
  TransportOptions o;
  o.extra["drop_every"] = "often";
  EXPECT_THROW(createTransport("loop", o), ConfigError);
  o.extra = {{"jitter", "1"}};
  EXPECT_THROW(createTransport("loop", o), ConfigError);
  o.extra = {{"queue_depth", "0"}};
  EXPECT_THROW(createTransport("loop", o), ConfigError);
}

TEST(LoopTransport, TwoThreadsWithBackPressure) {
  Pair p = makePair({{"queue_depth", "16"}});
  constexpr uint32_t kN = 20000;
  Sender s(kN);
  std::thread sender([&] {
    size_t next = 0;
    std::vector<Completion> out(64);
    const int64_t deadline = monoNowNs() + kWait;
    while (next < kN && monoNowNs() < deadline) {
      next += p.client->postSend(std::span(s.ops).subspan(next, std::min<size_t>(64, kN - next)));
      p.client->poll(out, 0);
    }
  });
  Receiver r(64);
  std::vector<uint32_t> seen;
  std::vector<Completion> out(64);
  p.server->postRecv(r.ops);
  const int64_t deadline = monoNowNs() + kWait;
  while (seen.size() < kN && monoNowNs() < deadline) {
    size_t n = p.server->poll(out, 10 * kNsPerMs);
    for (size_t k = 0; k < n; ++k) {
      seen.push_back(r.slots[out[k].id]);
      p.server->postRecv({&r.ops[out[k].id], 1});
    }
  }
  sender.join();
  ASSERT_EQ(seen.size(), kN);
  for (uint32_t i = 0; i < kN; ++i) ASSERT_EQ(seen[i], i);
}

}  // namespace
}  // namespace fabcheck::transport
