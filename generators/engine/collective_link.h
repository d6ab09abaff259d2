// Reliable, flow-controlled byte streams over one transport::Connection, for the collective
// executor: a CollectiveSendLink on the sender's end, a CollectiveRecvLink on the receiver's.
//
// Wire (every message): the 32-byte WireHeader (flow_id; seq = segment sequence number;
// tag = iteration; check = CRC-32C of the payload when kFlagPayloadCheck) then a 16-byte
// collective header:  0 u8 type (1 data, 2 ack)  1 u8 flags (ack: 1 = a segment beyond a gap
// arrived since the previous ack; data: 0)  2 u16 0  4 u32 step  8 u64 offset.
// An ack is a message from the receiver back over the same connection (kFlagReply, type 2)
// whose WireHeader.seq is the next segment it expects (cumulative).
//
// Flow control: at most `window_segments` segments unacknowledged (so a receiver's socket
// buffer cannot overflow when window × message <= the buffer), and within that a congestion
// window that halves on duplicate-ack recovery, restarts at 2 segments after a timer expiry, grows
// by the segments acknowledged below half its last size and by about one segment per window
// above it (slow start + AIMD, as TCP Reno), so an overrun receiver or path is
// not hit again with a whole window. Loss recovery: the receiver holds segments that arrive
// ahead of a gap (up to window_segments ahead; only their lengths: the collective needs no
// payload), so reordering (veth, multi-path fabrics) costs nothing, and its cumulative ack jumps
// when the gap fills; it re-acks duplicates at once and flags an ack sent after a segment
// beyond a gap (one ack per batch). The sender resends the oldest unacknowledged segment alone
// after 3 flagged duplicate acks (once per recovery; an unflagged re-ack is no loss signal),
// and each next hole at once on an ack that advances but ends short of what was out when the
// recovery began (NewReno, RFC 6582: a burst of losses is repaired in round trips, not timeouts),
// and goes back to it (resending what follows too) when the retransmission timer expires:
// srtt + 4 rttvar from the acks (RFC 6298, Karn's rule), at least rto_ns, doubled per expiry up
// to max_rto_ns. // Retransmissions, timer expiries,
// duplicates and out-of-order segments are counted, never hidden (as RoCE's counters).
//
// Data path: no exceptions after construction (which may throw TransportError when memory
// registration fails). One thread uses a link (and its connection) at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "generators/engine/collective_results.h"
#include "generators/engine/message_buffer.h"
#include "generators/transport/transport.h"

namespace fabcheck::engine {

constexpr uint32_t kCollectiveHeaderBytes = 48;  // WireHeader + collective header
constexpr int64_t kPaceBucketNs = 1'000'000;      // a paced link's burst: 1 ms of its rate

struct CollectiveLinkConfig {
  uint32_t flow_id = 0;
  int peer = 0;
  uint32_t channel = 0;
  uint32_t message_bytes = 8192;     // whole message, headers included (> kCollectiveHeaderBytes)
  uint32_t window_segments = 32;
  uint32_t recv_capacity = 65536;    // receive buffer per slot (>= 64 KiB when the transport coalesces)
  int64_t rto_ns = 20'000'000;
  int64_t max_rto_ns = 1'000'000'000;
  // Pace this link's data (payload+headers) to this rate; 0 = no limit. The pacer is a token
  // bucket of kPaceBucketNs of the rate while the link is backlogged: woken late, it catches up
  // to the rate, and a run of segments the bucket covers goes out as one post. A link that waited
  // for data (a collective step) starts strictly at the rate: no burst above it.
  double rate_bps = 0;
  // Segmentation (GSO): a run of up to this many consecutive full messages goes out in one post
  // of at most max_post_bytes (1 = one message per post; set it only when the transport
  // supports segmentation).
  uint32_t max_segments_per_post = 1;
  uint32_t max_post_bytes = 65000;
  bool payload_check = false;
  // The transport delivers every message or fails the connection (verbs RC; loop without
  // faults): no acks, no retransmissions of our own. A segment is done when its send completes
  // (RC: the peer's NIC acknowledged it); the receiver only counts.
  bool reliable_transport = false;
};

class CollectiveSendLink {
 public:
  CollectiveSendLink(transport::Connection& conn, const CollectiveLinkConfig& config);

  // Queues `bytes` of payload for (iteration, step) at buffer `offset`; sent as segments.
  void enqueue(uint32_t iteration, uint32_t step, uint64_t offset, uint64_t bytes);
  // Polls for acks (waiting up to poll_timeout_ns), recovers losses and sends what the window
  // and pacing allow. Returns whether anything happened.
  bool progress(int64_t now_ns, int64_t poll_timeout_ns) noexcept;
  // Everything queued has been acknowledged.
  bool idle() const noexcept { return pending_.empty() && base_ == next_; }
  // How long until the pacer lets the next segment go, when that is all the link waits for
  // (data queued, window open); 0 otherwise (unpaced, nothing to send, or it may send now).
  int64_t paceWaitNs(int64_t now_ns) const noexcept;
  const CollectiveLinkStats& stats() const noexcept { return stats_; }
  const CollectiveLinkConfig& config() const noexcept { return cfg_; }
  transport::Connection& connection() noexcept { return conn_; }
  // The first failed completion in the transport's words ("" while none): the link is dead.
  const std::string& error() const noexcept { return error_; }

 private:
  struct Pending {
    uint32_t iteration, step;
    uint64_t offset, bytes;
  };
  bool handleAcks(int64_t now_ns, int64_t poll_timeout_ns) noexcept;
  bool transmit(int64_t now_ns) noexcept;
  // Fast retransmit of the oldest unacknowledged segment when asked: 1 sent, 0 nothing to do,
  // -1 back-pressure (resend_base_ stays set for the next call).
  int resendBase() noexcept;
  void makeSegment(uint64_t seq) noexcept;  // fills slot seq % window from the pending queue
  void sampleRtt(int64_t rtt_ns) noexcept;
  void delivered(uint64_t first_seq, uint64_t segments) noexcept;  // reliable transport: sends completed
  int64_t rtoFromEstimate() const noexcept;

  transport::Connection& conn_;
  CollectiveLinkConfig cfg_;
  MessageBuffer data_;   // window_segments slots of message_bytes
  MessageBuffer acks_;   // receive slots for acks
  std::vector<uint32_t> seg_len_;  // payload length of the segment in each slot
  std::vector<int64_t> sent_ns_;   // first transmission of the segment in each slot
  std::vector<bool> resent_;       // ... and whether it was transmitted again
  std::vector<bool> done_;         // reliable transport: the segment's send completed
  double srtt_ns_ = 0, rttvar_ns_ = 0;
  std::deque<Pending> pending_;
  uint64_t base_ = 0, next_ = 0, send_ptr_ = 0, max_sent_ = 0;
  uint32_t dup_acks_ = 0;
  bool in_recovery_ = false;
  bool resend_base_ = false;  // fast retransmit: the oldest unacknowledged segment, alone
  uint64_t recover_ = 0;      // max_sent_ when recovery began (NewReno: partial acks resend the next hole)
  double cwnd_;      // congestion window in segments, <= window_segments
  double ssthresh_;  // slow start below this
  int64_t rto_ns_;
  int64_t rto_start_ns_ = 0;
  int64_t pace_next_ns_ = 0;
  bool pace_blocked_ = false;  // the last send stopped at the pacer (not for want of data)
  int64_t busy_since_ns_ = -1;
  CollectiveLinkStats stats_;
  std::string error_;
};

class CollectiveRecvLink {
 public:
  CollectiveRecvLink(transport::Connection& conn, const CollectiveLinkConfig& config);

  // Polls for data (waiting up to poll_timeout_ns), accepts in-order segments, acks.
  // Returns whether anything happened.
  bool progress(int64_t now_ns, int64_t poll_timeout_ns) noexcept;
  uint64_t receivedBytes() const noexcept { return stats_.bytes; }
  const std::string& error() const noexcept { return error_; }
  const CollectiveLinkStats& stats() const noexcept { return stats_; }
  const CollectiveLinkConfig& config() const noexcept { return cfg_; }
  transport::Connection& connection() noexcept { return conn_; }

 private:
  void accept(const std::byte* msg, uint32_t len) noexcept;
  bool sendAck() noexcept;

  transport::Connection& conn_;
  CollectiveLinkConfig cfg_;
  MessageBuffer slots_;    // receive slots
  MessageBuffer ack_buf_;  // a few small slots acks are sent from, in turn
  uint32_t ack_slot_ = 0;
  uint64_t expected_ = 0;
  bool ack_due_ = false;
  bool gap_seen_ = false;  // since the last ack
  std::vector<uint32_t> held_len_;  // by seq % size: 1 + payload length of a segment held ahead of a gap; 0 = none
  std::vector<std::byte> scratch_;  // regenerated pattern for the payload check
  CollectiveLinkStats stats_;
  std::string error_;
};

}  // namespace fabcheck::engine
