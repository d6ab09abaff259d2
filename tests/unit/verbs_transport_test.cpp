// The verbs transport over the software device (which enforces what a kernel and a NIC
// enforce): every verb moves the bytes it should, to the end that should see them; several QPs,
// selective signalling, UD with its GRH and MTU, completion timestamps, and errors in words with
// the device, QP and peer named. Not performance: the software device's speed means nothing.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <future>
#include <numeric>
#include <string>
#include <vector>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/transport/verbs/soft/soft_verbs.h"
#include "generators/transport/verbs/verbs_transport.h"
#include "tests/support/temp_dir.h"

namespace fabcheck::transport::verbs {
namespace {

// Two transports on one software fabric, connected: `a` connects, `b` accepts.
struct Pair {
  std::shared_ptr<VerbsApi> api_a, api_b;
  std::unique_ptr<Transport> ta, tb;
  std::unique_ptr<Connection> a, b;
};

Pair connectPair(const std::string& dir, std::map<std::string, std::string> extra, std::map<std::string, std::string> extra_b = {},
                 SoftDeviceConfig cfg = {}) {
  Pair p;
  cfg.fabric_dir = dir;
  cfg.addresses = {"127.0.0.1"};
  p.api_a = createSoftVerbsApi(cfg);
  p.api_b = createSoftVerbsApi(cfg);
  TransportOptions o;
  o.extra = extra;
  p.ta = createVerbsTransport(o, p.api_a);
  o.extra = extra_b.empty() ? extra : extra_b;
  p.tb = createVerbsTransport(o, p.api_b);
  auto l = p.tb->listen({.address = "127.0.0.1", .port = 0});
  auto accepted = std::async(std::launch::async, [&] { return l->accept(5'000'000'000); });
  p.a = p.ta->connect(l->endpoint(), {.timeout_ns = 5'000'000'000});
  p.b = accepted.get();
  return p;
}

// Polls `c` until `n` completions of the wanted direction arrived (or 5 s).
std::vector<Completion> collect(Connection& c, size_t n, bool sends) {
  std::vector<Completion> got;
  std::array<Completion, 32> buf{};
  const int64_t deadline = monoNowNs() + 5'000'000'000;
  while (got.size() < n && monoNowNs() < deadline) {
    const size_t k = c.poll(buf, 10'000'000);
    for (size_t i = 0; i < k; ++i) {
      if (buf[i].is_send == sends) got.push_back(buf[i]);
    }
  }
  return got;
}

struct Buffers {
  std::vector<std::byte> mem;
  MemoryRegion mr;
  Buffers(Connection& c, size_t bytes) : mem(bytes) { mr = c.registerMemory(mem.data(), mem.size()); }
};

// Sends `count` messages of `size` bytes a -> b (each filled with its index) and checks b got
// each one whole, in its posted buffer.
void expectMessagesDelivered(Pair& p, uint32_t count, uint32_t size) {
  Buffers rx(*p.b, size_t{count} * size), tx(*p.a, size_t{count} * size);
  std::vector<RecvOp> recvs;
  for (uint32_t i = 0; i < count; ++i) {
    recvs.push_back(RecvOp{.id = i, .data = rx.mem.data() + size_t{i} * size, .capacity = size, .region = &rx.mr});
  }
  ASSERT_EQ(p.b->postRecv(recvs), count);
  std::vector<SendOp> sends;
  for (uint32_t i = 0; i < count; ++i) {
    std::memset(tx.mem.data() + size_t{i} * size, static_cast<int>(i + 1), size);
    sends.push_back(SendOp{.id = 100 + i, .data = tx.mem.data() + size_t{i} * size, .length = size, .region = &tx.mr});
  }
  size_t posted = 0;
  const int64_t deadline = monoNowNs() + 5'000'000'000;
  std::vector<Completion> send_done;
  while (posted < count && monoNowNs() < deadline) {  // write_imm back-pressures until the CTS entries arrive
    posted += p.a->postSend(std::span(sends).subspan(posted));
    for (auto& c : collect(*p.a, 0, true)) send_done.push_back(c);
    if (posted < count) {
      std::array<Completion, 32> buf{};
      const size_t k = p.a->poll(buf, 1'000'000);
      for (size_t i = 0; i < k; ++i) send_done.push_back(buf[i]);
    }
  }
  ASSERT_EQ(posted, count);
  auto more = collect(*p.a, count - send_done.size(), true);
  send_done.insert(send_done.end(), more.begin(), more.end());
  ASSERT_EQ(send_done.size(), count);
  for (const auto& c : send_done) EXPECT_EQ(c.status, OpStatus::kOk) << p.a->errorText(c);
  auto got = collect(*p.b, count, false);
  ASSERT_EQ(got.size(), count);
  for (const auto& c : got) {
    ASSERT_EQ(c.status, OpStatus::kOk) << p.b->errorText(c);
    EXPECT_EQ(c.bytes, size);
    const std::byte* m = rx.mem.data() + c.id * size;
    EXPECT_EQ(std::to_integer<int>(m[0]), static_cast<int>(c.id + 1)) << "message " << c.id << " in its own buffer";
    EXPECT_EQ(std::to_integer<int>(m[size - 1]), static_cast<int>(c.id + 1));
  }
  p.a->deregisterMemory(tx.mr);
  p.b->deregisterMemory(rx.mr);
}

TEST(VerbsTransport, RcSendDeliversEveryMessageIntoItsPostedBuffer) {
  testing::TempDir dir;
  Pair p = connectPair(dir.path(), {{"verb", "send"}});
  expectMessagesDelivered(p, 40, 3000);
  EXPECT_NE(p.a->describe().find("softroce0"), std::string::npos) << p.a->describe();
  EXPECT_NE(p.ta->properties().caveat.find("not performance"), std::string::npos) << "a software device is never performance";
  EXPECT_GE(p.a->readinessFd(), 0) << "the completion channel's fd";
}

TEST(VerbsTransport, WriteWithImmediateLandsInTheReceiversPostedBuffersAndBothSeeIt) {
  testing::TempDir dir;
  Pair p = connectPair(dir.path(), {{"verb", "write_imm"}, {"qps", "3"}});
  expectMessagesDelivered(p, 50, 2048);
}

TEST(VerbsTransport, WriteImmBackPressuresUntilTheReceiverPostsABuffer) {
  testing::TempDir dir;
  Pair p = connectPair(dir.path(), {{"verb", "write_imm"}});
  Buffers tx(*p.a, 64);
  const SendOp op{.id = 1, .data = tx.mem.data(), .length = 64, .region = &tx.mr};
  EXPECT_EQ(p.a->postSend(std::span(&op, 1)), 0u) << "no clear-to-send entry yet: not accepted";
  p.a->deregisterMemory(tx.mr);
}

TEST(VerbsTransport, SeveralQpsAndSelectiveSignallingStillCompleteEveryOp) {
  testing::TempDir dir;
  Pair p = connectPair(dir.path(), {{"verb", "send"}, {"qps", "4"}, {"cq_mod", "8"}, {"post_list", "4"}});
  expectMessagesDelivered(p, 64, 512);
  EXPECT_NE(p.a->describe().find("4 QPs"), std::string::npos) << p.a->describe();
  EXPECT_LT(p.a->stats().send_calls, 64u) << "post lists: fewer ibv_post_send calls than messages";
}

TEST(VerbsTransport, OneSidedWriteAndReadMoveBytesOnlyTheInitiatorSees) {
  testing::TempDir dir;
  for (const char* verb : {"write", "read"}) {
    SCOPED_TRACE(verb);
    Pair p = connectPair(dir.path(), {{"verb", verb}});
    auto win = p.a->remoteRegion();
    ASSERT_TRUE(win.has_value()) << "the peer's window, exchanged at connection";
    EXPECT_GE(win->size, 1u << 20);
    Buffers local(*p.a, 4096);
    std::memset(local.mem.data(), 0x5a, 4096);
    const bool write = std::string(verb) == "write";
    if (!write) std::memset(win->data, 0x3c, 4096);  // in one process the peer's window is our memory
    const SendOp op{.id = 7, .data = local.mem.data(), .length = 4096, .region = &local.mr,
                    .opcode = write ? Opcode::kWrite : Opcode::kRead,
                    .remote_addr = reinterpret_cast<uint64_t>(win->data), .remote_key = win->remote_key};
    ASSERT_EQ(p.a->postSend(std::span(&op, 1)), 1u);
    auto done = collect(*p.a, 1, true);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].status, OpStatus::kOk) << p.a->errorText(done[0]);
    if (write) {
      EXPECT_EQ(std::to_integer<int>(win->data[4095]), 0x5a) << "the WRITE landed in the peer's window";
    } else {
      EXPECT_EQ(std::to_integer<int>(local.mem[4095]), 0x3c) << "the READ fetched the peer's window";
    }
    std::array<Completion, 4> none{};
    EXPECT_EQ(p.b->poll(none, 20'000'000), 0u) << "the target sees nothing of a one-sided op";
    p.a->deregisterMemory(local.mr);
  }
}

TEST(VerbsTransport, UdCarriesOneMtuAndHidesTheGrhFromTheReceiver) {
  testing::TempDir dir;
  Pair p = connectPair(dir.path(), {{"connection", "ud"}});
  EXPECT_EQ(p.ta->properties().max_message_bytes, 1024u) << "UD: one message per path MTU";
  expectMessagesDelivered(p, 8, 1024);
  Buffers tx(*p.a, 2048);
  const SendOp big{.id = 9, .data = tx.mem.data(), .length = 2048, .region = &tx.mr};
  ASSERT_EQ(p.a->postSend(std::span(&big, 1)), 1u);
  auto done = collect(*p.a, 1, true);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].status, OpStatus::kError);
  EXPECT_NE(p.a->errorText(done[0]).find("local length error"), std::string::npos) << p.a->errorText(done[0]);
  p.a->deregisterMemory(tx.mr);
}

TEST(VerbsTransport, CompletionTimestampsAreHardwareAndOnTheWallClock) {
  testing::TempDir dir;
  Pair p = connectPair(dir.path(), {{"verb", "send"}});
  Buffers rx(*p.b, 256), tx(*p.a, 256);
  const RecvOp r{.id = 0, .data = rx.mem.data(), .capacity = 256, .region = &rx.mr};
  ASSERT_EQ(p.b->postRecv(std::span(&r, 1)), 1u);
  const int64_t before = wallNowNs();
  const SendOp s{.id = 0, .data = tx.mem.data(), .length = 256, .region = &tx.mr};
  ASSERT_EQ(p.a->postSend(std::span(&s, 1)), 1u);
  auto got = collect(*p.b, 1, false);
  const int64_t after = wallNowNs();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ts_source, TimestampSource::kHardware);
  EXPECT_GE(got[0].rx_timestamp_ns, before - 1'000'000);
  EXPECT_LE(got[0].rx_timestamp_ns, after + 1'000'000);
  p.a->deregisterMemory(tx.mr);
  p.b->deregisterMemory(rx.mr);
}

TEST(VerbsTransport, ADeadPathEndsInRetryExceededNamingDeviceQpPeerAndWhatToCheck) {
  testing::TempDir dir;
  Pair p = connectPair(dir.path(), {{"verb", "send"}, {"timeout", "8"}, {"retry_cnt", "2"}});
  setSoftFault(*p.api_a, SoftFault::kPathDead);
  Buffers tx(*p.a, 128);
  std::vector<SendOp> ops(3, SendOp{.id = 0, .data = tx.mem.data(), .length = 128, .region = &tx.mr});
  for (uint64_t i = 0; i < 3; ++i) ops[i].id = i;
  ASSERT_EQ(p.a->postSend(ops), 3u);
  auto done = collect(*p.a, 3, true);
  ASSERT_EQ(done.size(), 3u) << "every op completes, none hangs";
  EXPECT_EQ(done[0].status, OpStatus::kError);
  const std::string why = p.a->errorText(done[0]);
  EXPECT_NE(why.find("transport retry counter exceeded"), std::string::npos) << why;
  EXPECT_NE(why.find("softroce0"), std::string::npos) << why;
  EXPECT_NE(why.find("QP"), std::string::npos) << why;
  EXPECT_NE(why.find("127.0.0.1"), std::string::npos) << "the peer: " << why;
  EXPECT_NE(why.find("GID index"), std::string::npos) << "what to check: " << why;
  p.a->deregisterMemory(tx.mr);
}

TEST(VerbsTransport, ARefusedRemoteAccessIsReportedInWords) {
  testing::TempDir dir;
  Pair p = connectPair(dir.path(), {{"verb", "write"}});
  setSoftFault(*p.api_b, SoftFault::kRemoteAccess);
  auto win = p.a->remoteRegion();
  ASSERT_TRUE(win);
  Buffers local(*p.a, 64);
  const SendOp op{.id = 1, .data = local.mem.data(), .length = 64, .region = &local.mr, .opcode = Opcode::kWrite,
                  .remote_addr = reinterpret_cast<uint64_t>(win->data), .remote_key = win->remote_key};
  ASSERT_EQ(p.a->postSend(std::span(&op, 1)), 1u);
  auto done = collect(*p.a, 1, true);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].status, OpStatus::kError);
  EXPECT_NE(p.a->errorText(done[0]).find("remote access error"), std::string::npos) << p.a->errorText(done[0]);
  p.a->deregisterMemory(local.mr);
}

TEST(VerbsTransport, EndsThatDisagreeOnTheVerbAreRefusedNamingBoth) {
  testing::TempDir dir;
  try {
    connectPair(dir.path(), {{"verb", "send"}}, {{"verb", "write_imm"}});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'send'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'write_imm'"), std::string::npos) << e.what();
  }
}

TEST(VerbsTransport, ABadOptionIsAConfigErrorNamingIt) {
  TransportOptions o;
  o.extra = {{"qps", "0"}};
  try {
    createVerbsTransport(o);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'qps' is '0'"), std::string::npos) << e.what();
  }
}

TEST(VerbsTransport, ThisHostWithoutRdmaSaysWhy) {
  if (std::getenv("FABCHECK_VERBS_SOFTWARE") != nullptr) GTEST_SKIP() << "the software device is selected";
  try {
    createTransport("verbs", {});
    SUCCEED() << "this host has an RDMA device";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("verbs: "), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fabcheck::transport::verbs
