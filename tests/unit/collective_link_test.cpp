// One collective link end against hand-made messages over the loop transport: the payload check
// counts exactly the corrupted bytes, gaps and duplicates are counted, and acks are cumulative.
#include <gtest/gtest.h>

#include <array>
#include <future>
#include <vector>

#include "generators/core/clock.h"
#include "generators/engine/collective_link.h"
#include "generators/measure/payload_check.h"
#include "generators/measure/wire_header.h"

namespace fabcheck::engine {
namespace {

struct Pair {
  std::unique_ptr<transport::Transport> t;
  std::unique_ptr<transport::Connection> client, server;
};

Pair makePair() {
  Pair p;
  p.t = transport::createTransport("loop", {});
  auto listener = p.t->listen({});
  auto accepted = std::async(std::launch::async, [&] { return listener->accept(5'000'000'000); });
  p.client = p.t->connect(listener->endpoint(), {});
  p.server = accepted.get();
  return p;
}

// A data segment as CollectiveSendLink writes it (collective_link.h wire layout).
std::vector<std::byte> segment(uint32_t flow, uint32_t seq, uint32_t payload_bytes) {
  std::vector<std::byte> m(kCollectiveHeaderBytes + payload_bytes);
  std::span<std::byte> payload(m.data() + kCollectiveHeaderBytes, payload_bytes);
  measure::fillPayload(payload, flow, seq);
  measure::encodeWireHeader({.flags = measure::kFlagPayloadCheck, .flow_id = flow, .seq = seq, .tag = 0,
                             .check = measure::crc32c(payload)},
                            m.data());
  m[measure::kWireHeaderSize] = std::byte{1};  // type: data
  return m;
}

void send(transport::Connection& c, const std::vector<std::byte>& m) {
  const transport::SendOp op{.id = 0, .data = m.data(), .length = static_cast<uint32_t>(m.size())};
  ASSERT_EQ(c.postSend(std::span(&op, 1)), 1u);
}

// Reads the acks the receiver sends back to the client (buffers stay posted for its lifetime).
class AckReader {
 public:
  explicit AckReader(transport::Connection& client) : client_(client) {
    for (uint64_t i = 0; i < bufs_.size(); ++i) post(i);
  }
  // The last ack that arrived: the next segment the receiver expects (UINT32_MAX: none).
  uint32_t last() {
    for (;;) {
      std::array<transport::Completion, 8> comps{};
      const size_t n = client_.poll(comps, 50'000'000);
      bool got = false;
      for (size_t i = 0; i < n; ++i) {
        if (comps[i].is_send) continue;
        measure::WireHeader h;
        EXPECT_EQ(measure::decodeWireHeader(std::span(bufs_[comps[i].id].data(), comps[i].bytes), h),
                  measure::WireStatus::kOk);
        EXPECT_TRUE(h.flags & measure::kFlagReply);
        ack_ = h.seq;
        got = true;
        post(comps[i].id);
      }
      if (!got) return ack_;
    }
  }

 private:
  void post(uint64_t i) {
    const transport::RecvOp op{.id = i, .data = bufs_[i].data(), .capacity = 256};
    client_.postRecv(std::span(&op, 1));
  }
  transport::Connection& client_;
  std::array<std::array<std::byte, 256>, 16> bufs_{};
  uint32_t ack_ = UINT32_MAX;
};

TEST(CollectiveLink, ReceiverCountsCorruptedBytesGapsAndDuplicates) {
  auto p = makePair();
  CollectiveLinkConfig cfg;
  cfg.flow_id = 9;
  cfg.message_bytes = 1024;
  cfg.payload_check = true;
  CollectiveRecvLink rx(*p.server, cfg);
  AckReader acks(*p.client);
  auto pump = [&] {
    for (int i = 0; i < 20; ++i) rx.progress(monoNowNs(), 1'000'000);
  };

  send(*p.client, segment(9, 0, 500));
  auto bad = segment(9, 1, 500);
  for (int i : {0, 7, 100, 200, 499}) bad[kCollectiveHeaderBytes + static_cast<size_t>(i)] ^= std::byte{0x5a};
  send(*p.client, bad);
  pump();
  EXPECT_EQ(rx.receivedBytes(), 1000u);
  EXPECT_EQ(rx.stats().corrupted_bytes, 5u);
  EXPECT_EQ(acks.last(), 2u);

  send(*p.client, segment(9, 3, 100));  // a gap: 2 is missing, 3 is held until it comes
  send(*p.client, segment(9, 0, 500));  // a duplicate
  send(*p.client, segment(7, 2, 100));  // another flow's message
  pump();
  EXPECT_EQ(rx.receivedBytes(), 1000u);
  EXPECT_EQ(rx.stats().out_of_order, 1u);
  EXPECT_EQ(rx.stats().duplicates, 1u);
  EXPECT_EQ(rx.stats().malformed, 1u);
  EXPECT_EQ(acks.last(), 2u);  // still expecting 2

  send(*p.client, segment(9, 3, 100));  // the held one again: a duplicate
  pump();
  EXPECT_EQ(rx.stats().duplicates, 2u);

  send(*p.client, segment(9, 2, 100));  // the gap fills: 2 and the held 3 count, the ack jumps
  pump();
  EXPECT_EQ(rx.receivedBytes(), 1200u);
  EXPECT_EQ(rx.stats().segments, 4u);
  EXPECT_EQ(acks.last(), 4u);
}

TEST(CollectiveLink, SenderSegmentsWithinTheWindowAndFinishesWhenAcked) {
  auto p = makePair();
  CollectiveLinkConfig cfg;
  cfg.flow_id = 4;
  cfg.message_bytes = 148;  // 100 payload bytes per segment
  cfg.window_segments = 4;
  CollectiveSendLink tx(*p.client, cfg);
  CollectiveRecvLink rx(*p.server, cfg);
  tx.enqueue(0, 0, 0, 1050);  // 11 segments
  EXPECT_FALSE(tx.idle());
  tx.progress(monoNowNs(), 0);
  EXPECT_EQ(tx.stats().bytes, 0u);  // nothing acknowledged yet; at most 4 segments out
  for (int i = 0; i < 1000 && !tx.idle(); ++i) {
    rx.progress(monoNowNs(), 0);
    tx.progress(monoNowNs(), 1'000'000);
  }
  EXPECT_TRUE(tx.idle());
  EXPECT_EQ(tx.stats().bytes, 1050u);
  EXPECT_EQ(tx.stats().segments, 11u);
  EXPECT_EQ(rx.receivedBytes(), 1050u);
  EXPECT_EQ(tx.stats().retransmissions, 0u);
  EXPECT_GT(tx.stats().busy_ns, 0);
}

// Forwards to a real connection and records every send op posted through it.
class RecordingConnection : public transport::Connection {
 public:
  explicit RecordingConnection(transport::Connection& inner) : inner_(inner) {}
  transport::MemoryRegion registerMemory(std::byte* data, size_t size) override { return inner_.registerMemory(data, size); }
  void deregisterMemory(transport::MemoryRegion& region) noexcept override { inner_.deregisterMemory(region); }
  size_t postSend(std::span<const transport::SendOp> ops) noexcept override {
    const size_t n = inner_.postSend(ops);
    for (size_t i = 0; i < n; ++i) posted.push_back(ops[i]);
    return n;
  }
  size_t postRecv(std::span<const transport::RecvOp> ops) noexcept override { return inner_.postRecv(ops); }
  size_t poll(std::span<transport::Completion> out, int64_t timeout_ns) noexcept override { return inner_.poll(out, timeout_ns); }
  transport::ConnectionStats stats() const noexcept override { return inner_.stats(); }
  std::string describe() const override { return inner_.describe(); }
  std::vector<transport::SendOp> posted;

 private:
  transport::Connection& inner_;
};

TEST(CollectiveLink, SegmentationSendsRunsOfFullSegmentsInOnePostAndAShortOneLast) {
  auto p = makePair();
  RecordingConnection rec(*p.client);
  CollectiveLinkConfig cfg;
  cfg.flow_id = 5;
  cfg.message_bytes = 148;  // 100 payload bytes per segment
  cfg.window_segments = 16;
  cfg.max_segments_per_post = 8;
  cfg.max_post_bytes = 65000;
  CollectiveSendLink tx(rec, cfg);
  CollectiveRecvLink rx(*p.server, cfg);
  tx.enqueue(0, 0, 0, 1050);  // 10 full segments and one of 50 bytes
  tx.enqueue(0, 1, 0, 250);   // 2 full and one of 50: a new transfer after a short segment
  for (int i = 0; i < 1000 && !tx.idle(); ++i) {
    rx.progress(monoNowNs(), 0);
    tx.progress(monoNowNs(), 1'000'000);
  }
  ASSERT_TRUE(tx.idle());
  EXPECT_EQ(rx.receivedBytes(), 1300u);
  EXPECT_EQ(tx.stats().segments, 14u);
  EXPECT_EQ(tx.stats().retransmissions, 0u);
  // Posts: 8 full segments; 2 full + the short one; 2 full + the short one.
  ASSERT_EQ(rec.posted.size(), 3u);
  EXPECT_EQ(rec.posted[0].length, 8u * 148);
  EXPECT_EQ(rec.posted[0].segment_size, 148u);
  EXPECT_EQ(rec.posted[1].length, 2u * 148 + 98);
  EXPECT_EQ(rec.posted[1].segment_size, 148u);
  EXPECT_EQ(rec.posted[2].length, 2u * 148 + 98);
  // Without segmentation: one message per post.
  auto q = makePair();
  RecordingConnection rec1(*q.client);
  cfg.max_segments_per_post = 1;
  CollectiveSendLink tx1(rec1, cfg);
  CollectiveRecvLink rx1(*q.server, cfg);
  tx1.enqueue(0, 0, 0, 1050);
  for (int i = 0; i < 1000 && !tx1.idle(); ++i) {
    rx1.progress(monoNowNs(), 0);
    tx1.progress(monoNowNs(), 1'000'000);
  }
  ASSERT_TRUE(tx1.idle());
  EXPECT_EQ(rec1.posted.size(), 11u);
  for (const auto& op : rec1.posted) EXPECT_EQ(op.segment_size, 0u);
}

}  // namespace
}  // namespace fabcheck::engine
