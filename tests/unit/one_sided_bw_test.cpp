// runOneSidedBw (generators/engine/one_sided_bw.h) over a fake Connection that plays a NIC with
// a remote region: every op lands inside the region, never more than `depth` are in flight, an
// error completion ends the run with its text, and a missing region is refused up front.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <deque>
#include <vector>

#include "generators/engine/one_sided_bw.h"
#include "generators/transport/transport.h"

namespace fabcheck::engine {
namespace {

using transport::Completion;
using transport::MemoryRegion;
using transport::OpStatus;
using transport::SendOp;

// Accepts posts up to its own queue limit, completes at most `per_poll` ops per poll, in order;
// checks each op against the remote region and records what it saw.
class FakeRdmaConnection : public transport::Connection {
 public:
  std::optional<MemoryRegion> remote;
  size_t queue_limit = 1000;       // a send queue larger than the caller's depth unless set lower
  size_t per_poll = 3;
  uint64_t fail_op = UINT64_MAX;   // this op completes with a remote access error
  std::deque<SendOp> queue;
  size_t max_queued = 0;
  std::vector<uint64_t> addresses;
  std::vector<transport::Opcode> opcodes;
  std::vector<std::string> violations;  // ops that would leave the region or use a wrong key

  MemoryRegion registerMemory(std::byte* data, size_t size) override { return {data, size, 1, 2, nullptr}; }
  void deregisterMemory(MemoryRegion&) noexcept override {}
  size_t postSend(std::span<const SendOp> ops) noexcept override {
    size_t n = 0;
    for (const auto& op : ops) {
      if (queue.size() >= queue_limit) break;
      const uint64_t lo = reinterpret_cast<uint64_t>(remote->data);
      if (op.remote_addr < lo || op.remote_addr + op.length > lo + remote->size || op.remote_key != remote->remote_key ||
          op.region == nullptr || op.data < op.region->data || op.data + op.length > op.region->data + op.region->size) {
        violations.push_back("op " + std::to_string(op.id));
      }
      addresses.push_back(op.remote_addr);
      opcodes.push_back(op.opcode);
      queue.push_back(op);
      ++n;
    }
    max_queued = std::max(max_queued, queue.size());
    return n;
  }
  size_t postRecv(std::span<const transport::RecvOp>) noexcept override { return 0; }
  size_t poll(std::span<Completion> out, int64_t) noexcept override {
    size_t n = 0;
    while (n < out.size() && n < per_poll && !queue.empty()) {
      const SendOp op = queue.front();
      queue.pop_front();
      Completion c;
      c.id = op.id;
      c.is_send = true;
      c.bytes = op.length;
      if (op.id == fail_op) {
        c.status = OpStatus::kError;
        c.error = EACCES;
      }
      out[n++] = c;
    }
    return n;
  }
  transport::ConnectionStats stats() const noexcept override { return {}; }
  std::optional<MemoryRegion> remoteRegion() const noexcept override { return remote; }
  std::string describe() const override { return "fake rc qp 7 -> peer"; }
};

struct Fixture {
  std::vector<std::byte> local_buf = std::vector<std::byte>(4096);
  MemoryRegion local{local_buf.data(), local_buf.size(), 11, 12, nullptr};
  FakeRdmaConnection conn;
  std::atomic<bool> abort{false};

  Fixture() {
    // 10 000 bytes: three whole 3000-byte slots (1000 bytes unused), ten 1000-byte slots.
    conn.remote = MemoryRegion{reinterpret_cast<std::byte*>(uintptr_t{0x10000}), 10000, 0, 0xabc, nullptr};
  }
};

TEST(OneSidedBw, EveryOpStaysInsideTheRemoteRegionRoundRobin) {
  Fixture f;
  const OneSidedPlan plan{.opcode = transport::Opcode::kWrite, .size = 3000, .depth = 4, .iterations = 10};
  f.local_buf.resize(6000);
  f.local = {f.local_buf.data(), f.local_buf.size(), 11, 12, nullptr};
  const OneSidedResult r = runOneSidedBw(f.conn, f.local, plan, f.abort);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.ops, 10u);
  EXPECT_EQ(r.bytes, 30000u);
  EXPECT_TRUE(f.conn.violations.empty()) << f.conn.violations.front();
  ASSERT_EQ(f.conn.addresses.size(), 10u);
  const uint64_t base = 0x10000;
  const std::vector<uint64_t> slots = {0, 3000, 6000};  // 3 whole slots of 3000 in 10000 bytes
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(f.conn.addresses[i], base + slots[i % 3]) << i;
  EXPECT_TRUE(std::all_of(f.conn.opcodes.begin(), f.conn.opcodes.end(),
                          [](auto o) { return o == transport::Opcode::kWrite; }));
}

TEST(OneSidedBw, NeverMoreThanDepthInFlight) {
  Fixture f;
  f.conn.per_poll = 1;  // completions trickle: the caller must wait rather than overfill
  const OneSidedPlan plan{.opcode = transport::Opcode::kRead, .size = 1000, .depth = 5, .iterations = 200};
  const OneSidedResult r = runOneSidedBw(f.conn, f.local, plan, f.abort);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.ops, 200u);
  EXPECT_EQ(f.conn.max_queued, 5u);
  EXPECT_EQ(r.max_in_flight, 5u);
  EXPECT_EQ(f.conn.opcodes.front(), transport::Opcode::kRead);
}

TEST(OneSidedBw, BackPressureFromTheSendQueueIsRetried) {
  Fixture f;
  f.conn.queue_limit = 2;
  const OneSidedPlan plan{.size = 1000, .depth = 64, .iterations = 50};
  const OneSidedResult r = runOneSidedBw(f.conn, f.local, plan, f.abort);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.ops, 50u);
  EXPECT_EQ(f.conn.addresses.size(), 50u);  // each op posted once
}

TEST(OneSidedBw, AnErrorCompletionEndsTheRunWithItsText) {
  Fixture f;
  f.conn.fail_op = 7;
  const OneSidedPlan plan{.size = 1000, .depth = 4, .iterations = 1000};
  const OneSidedResult r = runOneSidedBw(f.conn, f.local, plan, f.abort);
  EXPECT_EQ(r.error, "fake rc qp 7 -> peer: op 7 completed with status error (Permission denied)");
  EXPECT_EQ(r.ops, 7u);  // ops 0..6 completed before it
  EXPECT_LT(f.conn.addresses.size(), 1000u);  // posting stopped
  EXPECT_TRUE(f.conn.queue.empty());          // the ops behind it were reaped before returning
}

TEST(OneSidedBw, WithoutARemoteRegionNothingIsPosted) {
  Fixture f;
  f.conn.remote.reset();
  const OneSidedResult r = runOneSidedBw(f.conn, f.local, {.size = 1000, .iterations = 5}, f.abort);
  EXPECT_EQ(r.error, "fake rc qp 7 -> peer: the peer exposed no memory for one-sided ops (remoteRegion is empty)");
  EXPECT_TRUE(f.conn.addresses.empty());
}

TEST(OneSidedBw, ARegionSmallerThanOneOpIsRefused) {
  Fixture f;
  const OneSidedResult r = runOneSidedBw(f.conn, f.local, {.size = 20000, .iterations = 5}, f.abort);
  EXPECT_EQ(r.error, "fake rc qp 7 -> peer: remote region of 10000 bytes cannot hold a 20000-byte op");
  EXPECT_TRUE(f.conn.addresses.empty());
}

TEST(OneSidedBw, AbortStopsPostingAndDrains) {
  Fixture f;
  f.abort = true;
  const OneSidedResult r = runOneSidedBw(f.conn, f.local, {.size = 1000, .iterations = 100}, f.abort);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.ops, 0u);
  EXPECT_TRUE(f.conn.queue.empty());
}

}  // namespace
}  // namespace fabcheck::engine
