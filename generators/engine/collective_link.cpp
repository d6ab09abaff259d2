#include "generators/engine/collective_link.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "generators/core/clock.h"
#include "generators/measure/payload_check.h"
#include "generators/measure/wire_header.h"

namespace fabcheck::engine {
namespace {

using transport::Completion;
using transport::OpStatus;
using transport::RecvOp;
using transport::SendOp;

constexpr uint8_t kTypeData = 1;
constexpr uint8_t kTypeAck = 2;
constexpr uint32_t kAckRecvSlots = 8;
constexpr uint32_t kDataRecvSlots = 16;
constexpr uint32_t kAckSendSlots = 4;
constexpr uint32_t kAckBytes = kCollectiveHeaderBytes;
constexpr size_t kBatch = 32;

// Ack flags (byte 1 of an ack's collective header).
constexpr uint8_t kAckGap = 1;  // a segment beyond a gap arrived since the last ack: a loss signal

struct SubHeader {
  uint8_t type = 0;
  uint8_t flags = 0;
  uint32_t step = 0;
  uint64_t offset = 0;
};

void encodeSub(const SubHeader& h, std::byte* msg) noexcept {
  std::byte* p = msg + measure::kWireHeaderSize;
  measure::detail::storeLe<uint8_t>(p, h.type);
  measure::detail::storeLe<uint8_t>(p + 1, h.flags);
  measure::detail::storeLe<uint16_t>(p + 2, 0);
  measure::detail::storeLe<uint32_t>(p + 4, h.step);
  measure::detail::storeLe<uint64_t>(p + 8, h.offset);
}

SubHeader decodeSub(const std::byte* msg) noexcept {
  const std::byte* p = msg + measure::kWireHeaderSize;
  return {measure::detail::loadLe<uint8_t>(p), measure::detail::loadLe<uint8_t>(p + 1),
          measure::detail::loadLe<uint32_t>(p + 4), measure::detail::loadLe<uint64_t>(p + 8)};
}

// Calls f(msg, len) for every message of a receive completion (GRO batches hold several).
template <typename F>
void forEachMessage(const Completion& c, std::byte* buf, F&& f) {
  const uint32_t stride = c.segment_size ? c.segment_size : c.bytes;
  if (stride == 0) return;
  for (uint32_t at = 0; at < c.bytes; at += stride) f(buf + at, std::min(stride, c.bytes - at));
}

void postRecvSlot(transport::Connection& conn, MessageBuffer& buf, uint32_t slot) noexcept {
  const RecvOp op{.id = slot, .data = buf.slot(slot), .capacity = buf.slotBytes(), .region = &buf.region()};
  conn.postRecv(std::span(&op, 1));
}

}  // namespace

// ---- sender ---------------------------------------------------------------------------

CollectiveSendLink::CollectiveSendLink(transport::Connection& conn, const CollectiveLinkConfig& config)
    : conn_(conn),
      cfg_(config),
      data_(conn, config.message_bytes, config.window_segments),
      acks_(conn, std::max<uint32_t>(config.recv_capacity, kAckBytes + 1), kAckRecvSlots),
      seg_len_(config.window_segments, 0),
      sent_ns_(config.window_segments, 0),
      resent_(config.window_segments, false),
      done_(config.window_segments, false),
      cwnd_(config.window_segments),
      ssthresh_(config.window_segments),
      rto_ns_(config.rto_ns) {
  stats_.peer = cfg_.peer;
  stats_.channel = cfg_.channel;
  stats_.outgoing = true;
  stats_.flow_id = cfg_.flow_id;
  for (uint32_t i = 0; i < kAckRecvSlots; ++i) postRecvSlot(conn_, acks_, i);
}

void CollectiveSendLink::enqueue(uint32_t iteration, uint32_t step, uint64_t offset, uint64_t bytes) {
  if (bytes == 0) return;
  if (idle()) busy_since_ns_ = monoNowNs();
  pending_.push_back({iteration, step, offset, bytes});
}

void CollectiveSendLink::makeSegment(uint64_t seq) noexcept {
  Pending& p = pending_.front();
  const uint32_t room = cfg_.message_bytes - kCollectiveHeaderBytes;
  const uint32_t len = static_cast<uint32_t>(std::min<uint64_t>(room, p.bytes));
  const uint32_t slot = static_cast<uint32_t>(seq % cfg_.window_segments);
  std::byte* m = data_.slot(slot);
  measure::WireHeader h{.flags = 0, .flow_id = cfg_.flow_id, .seq = static_cast<uint32_t>(seq), .tag = p.iteration};
  std::span<std::byte> payload(m + kCollectiveHeaderBytes, len);
  if (cfg_.payload_check) {
    measure::fillPayload(payload, cfg_.flow_id, seq);
    h.flags = measure::kFlagPayloadCheck;
    h.check = measure::crc32c(payload);
  }
  h.send_ts_ns = wallNowNs();
  measure::encodeWireHeader(h, m);
  encodeSub({kTypeData, 0, p.step, p.offset}, m);
  seg_len_[slot] = len;
  p.offset += len;
  p.bytes -= len;
  if (p.bytes == 0) pending_.pop_front();
}

// Reliable transport: the send of segment `first_seq` completed; the oldest run of completed
// segments is done (completions of different QPs may come out of order).
void CollectiveSendLink::delivered(uint64_t first_seq, uint64_t segments) noexcept {
  for (uint64_t s = first_seq; s < first_seq + segments; ++s) {
    if (s >= base_ && s < max_sent_) done_[s % cfg_.window_segments] = true;
  }
  while (base_ < max_sent_ && done_[base_ % cfg_.window_segments]) {
    const uint64_t slot = base_ % cfg_.window_segments;
    done_[slot] = false;
    stats_.bytes += seg_len_[slot];
    ++stats_.segments;
    ++base_;
  }
  send_ptr_ = std::max(send_ptr_, base_);
}

void CollectiveSendLink::sampleRtt(int64_t rtt_ns) noexcept {
  const double r = static_cast<double>(std::max<int64_t>(rtt_ns, 1));
  if (srtt_ns_ == 0) {
    srtt_ns_ = r;
    rttvar_ns_ = r / 2;
  } else {
    rttvar_ns_ = 0.75 * rttvar_ns_ + 0.25 * std::abs(srtt_ns_ - r);
    srtt_ns_ = 0.875 * srtt_ns_ + 0.125 * r;
  }
}

int64_t CollectiveSendLink::rtoFromEstimate() const noexcept {
  const auto est = static_cast<int64_t>(srtt_ns_ + 4 * rttvar_ns_);
  return std::clamp(est, cfg_.rto_ns, cfg_.max_rto_ns);
}

bool CollectiveSendLink::handleAcks(int64_t now_ns, int64_t poll_timeout_ns) noexcept {
  std::array<Completion, kBatch> comps{};
  const size_t n = conn_.poll(comps, poll_timeout_ns);
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    const Completion& c = comps[i];
    if (c.is_send) {  // data left; its slot is reused only once acknowledged
      if (c.status != OpStatus::kOk) {
        ++stats_.send_errors;
        if (error_.empty() && (c.status == OpStatus::kError || c.status == OpStatus::kFlushed)) error_ = conn_.errorText(c);
      } else if (cfg_.reliable_transport) {
        // A segmented post (a run of whole messages, tcp) completes once for all its segments.
        delivered(c.id, std::max<uint64_t>(1, (uint64_t{c.bytes} + cfg_.message_bytes - 1) / cfg_.message_bytes));
        any = true;
      }
      continue;
    }
    any = true;
    const uint32_t slot = static_cast<uint32_t>(c.id);
    if (c.status == OpStatus::kError || c.status == OpStatus::kFlushed) {  // the connection failed
      if (error_.empty()) error_ = conn_.errorText(c);
      continue;
    }
    if (c.status == OpStatus::kOk) {
      forEachMessage(c, acks_.slot(slot), [&](const std::byte* m, uint32_t len) {
        measure::WireHeader h;
        const SubHeader sub = decodeSub(m);
        if (measure::decodeWireHeader(std::span(m, len), h) != measure::WireStatus::kOk || len < kAckBytes ||
            h.flow_id != cfg_.flow_id || sub.type != kTypeAck) {
          ++stats_.malformed;
          return;
        }
        const auto ahead = static_cast<int32_t>(h.seq - static_cast<uint32_t>(base_));
        if (ahead < 0 || base_ + static_cast<uint64_t>(ahead) > max_sent_) return;  // stale or bogus
        if (ahead == 0) {
          // Only an ack for a segment beyond a gap says something was lost; one for a duplicate
          // (after a retransmission) says nothing, and counting it would resend the window again.
          if ((sub.flags & kAckGap) == 0) return;
          if (base_ < max_sent_ && !in_recovery_ && ++dup_acks_ >= 3) {
            ++stats_.fast_retransmits;
            ssthresh_ = std::max(2.0, cwnd_ / 2);
            cwnd_ = ssthresh_;
            resend_base_ = true;
            dup_acks_ = 0;
            in_recovery_ = true;
            recover_ = max_sent_;
            rto_start_ns_ = now_ns;
          }
          return;
        }
        for (uint64_t s = base_; s < base_ + static_cast<uint64_t>(ahead); ++s) {
          stats_.bytes += seg_len_[s % cfg_.window_segments];
          ++stats_.segments;
        }
        // RTT sample from the newest segment acknowledged, unless it was sent twice (Karn).
        const uint64_t newest = (base_ + static_cast<uint64_t>(ahead) - 1) % cfg_.window_segments;
        if (!resent_[newest] && sent_ns_[newest] > 0) sampleRtt(now_ns - sent_ns_[newest]);
        base_ += static_cast<uint64_t>(ahead);
        // Slow start below ssthresh, then about one segment more per window acknowledged.
        cwnd_ += cwnd_ < ssthresh_ ? static_cast<double>(ahead) : static_cast<double>(ahead) / cwnd_;
        cwnd_ = std::min<double>(cfg_.window_segments, cwnd_);
        send_ptr_ = std::max(send_ptr_, base_);
        dup_acks_ = 0;
        // NewReno: an ack that ends below what was out when recovery began points at the next
        // hole of the same loss burst; resend it now instead of waiting for the timer.
        if (in_recovery_ && base_ < recover_) {
          resend_base_ = true;
        } else {
          in_recovery_ = false;
        }
        rto_ns_ = rtoFromEstimate();
        rto_start_ns_ = now_ns;
      });
    } else {
      ++stats_.malformed;
    }
    postRecvSlot(conn_, acks_, slot);
  }
  return any;
}

int CollectiveSendLink::resendBase() noexcept {
  if (!resend_base_ || base_ >= max_sent_) {
    resend_base_ = false;
    return 0;
  }
  const uint32_t slot = static_cast<uint32_t>(base_ % cfg_.window_segments);
  const SendOp op{.id = base_, .data = data_.slot(slot), .length = kCollectiveHeaderBytes + seg_len_[slot],
                  .region = &data_.region()};
  if (conn_.postSend(std::span(&op, 1)) != 1) return -1;  // back-pressure: try again on the next call
  ++stats_.retransmissions;
  resent_[slot] = true;
  resend_base_ = false;
  return 1;
}

bool CollectiveSendLink::transmit(int64_t now_ns) noexcept {
  const int resent = resendBase();
  if (resent < 0) return false;
  bool any = resent > 0;
  const uint32_t room = cfg_.message_bytes - kCollectiveHeaderBytes;
  // The bucket's credit is for a link that waited on its pacer (woken late, it catches up); a
  // link that waited for data starts strictly at the rate, or each step would begin with a burst.
  const int64_t pace_floor = pace_blocked_ ? now_ns - kPaceBucketNs : now_ns;
  for (;;) {
    std::array<SendOp, kBatch> ops{};
    std::array<uint32_t, kBatch> segs{};   // segments in each op
    std::array<bool, kBatch> closed{};     // op ends with a short segment: nothing may join it
    size_t count = 0;
    uint64_t ptr = send_ptr_;
    int64_t pace = pace_next_ns_;
    while (count < kBatch) {
      if (cfg_.rate_bps > 0 && pace > now_ns) {
        pace_blocked_ = true;
        break;
      }
      if (ptr == next_) {
        if (pending_.empty() || next_ - base_ >= static_cast<uint64_t>(cwnd_)) {
          pace_blocked_ = false;
          break;
        }
        makeSegment(next_++);
      }
      const uint32_t slot = static_cast<uint32_t>(ptr % cfg_.window_segments);
      const uint32_t len = kCollectiveHeaderBytes + seg_len_[slot];
      // With segmentation, a run of full segments in consecutive slots (and a last one of any
      // length) is one GSO post: the slots are contiguous, so the run is one buffer.
      SendOp* prev = count > 0 ? &ops[count - 1] : nullptr;
      const bool joins = prev && !closed[count - 1] && segs[count - 1] < cfg_.max_segments_per_post &&
                         prev->length == segs[count - 1] * cfg_.message_bytes && slot != 0 &&
                         prev->data + prev->length == data_.slot(slot) && prev->id + segs[count - 1] == ptr &&
                         (prev->length + len) <= cfg_.max_post_bytes;
      if (joins) {
        prev->length += len;
        prev->segment_size = cfg_.message_bytes;
        ++segs[count - 1];
      } else {
        ops[count] = SendOp{.id = ptr, .data = data_.slot(slot), .length = len, .region = &data_.region()};
        segs[count++] = 1;
      }
      if (cfg_.rate_bps > 0) pace = std::max(pace, pace_floor) + static_cast<int64_t>(len * 8e9 / cfg_.rate_bps);
      ++ptr;
      // A short segment ends its run (GSO: only the last segment may be shorter).
      if (seg_len_[slot] < room) closed[count - 1] = true;
    }
    if (count == 0) return any;
    const size_t accepted = conn_.postSend(std::span(ops.data(), count));
    uint64_t sent_segments = 0;
    for (size_t i = 0; i < accepted; ++i) {
      const uint64_t first = ops[i].id;
      const uint64_t n = ops[i].segment_size ? (ops[i].length + ops[i].segment_size - 1) / ops[i].segment_size : 1;
      for (uint64_t seq = first; seq < first + n; ++seq) {
        const size_t slot = seq % cfg_.window_segments;
        if (seq < max_sent_) {
          ++stats_.retransmissions;
          resent_[slot] = true;
        } else {
          max_sent_ = seq + 1;
          sent_ns_[slot] = now_ns;
          resent_[slot] = false;
        }
      }
      sent_segments += n;
      if (rto_start_ns_ == 0) rto_start_ns_ = now_ns;  // the timer runs while anything is unacknowledged
      if (cfg_.rate_bps > 0) {
        pace_next_ns_ = std::max(pace_next_ns_, pace_floor) + static_cast<int64_t>(ops[i].length * 8e9 / cfg_.rate_bps);
      }
    }
    send_ptr_ += sent_segments;
    if (accepted > 0) any = true;
    if (accepted < count) return any;  // back-pressure: the rest goes on the next call
  }
}

int64_t CollectiveSendLink::paceWaitNs(int64_t now_ns) const noexcept {
  if (cfg_.rate_bps <= 0 || pace_next_ns_ <= now_ns) return 0;
  const bool queued = send_ptr_ < next_ || (!pending_.empty() && next_ - base_ < static_cast<uint64_t>(cwnd_));
  return queued ? pace_next_ns_ - now_ns : 0;
}

bool CollectiveSendLink::progress(int64_t now_ns, int64_t poll_timeout_ns) noexcept {
  const bool was_idle = idle();
  bool any = handleAcks(now_ns, poll_timeout_ns);
  if (!cfg_.reliable_transport && base_ < max_sent_ && rto_start_ns_ != 0 && now_ns - rto_start_ns_ >= rto_ns_) {
    ++stats_.timeouts;
    ssthresh_ = std::max(2.0, cwnd_ / 2);
    cwnd_ = 2;  // restart small after a timer expiry (the receiver or the path is overrun)
    send_ptr_ = base_;
    rto_ns_ = std::min(rto_ns_ * 2, cfg_.max_rto_ns);
    rto_start_ns_ = now_ns;
    in_recovery_ = true;
    recover_ = max_sent_;
    dup_acks_ = 0;
    any = true;
  }
  if (base_ == max_sent_ && base_ == next_) rto_start_ns_ = 0;
  if (transmit(now_ns)) any = true;
  if (!was_idle && idle() && busy_since_ns_ >= 0) {
    stats_.busy_ns += monoNowNs() - busy_since_ns_;
    busy_since_ns_ = -1;
  }
  return any;
}

// ---- receiver -------------------------------------------------------------------------

CollectiveRecvLink::CollectiveRecvLink(transport::Connection& conn, const CollectiveLinkConfig& config)
    : conn_(conn),
      cfg_(config),
      slots_(conn, std::max(config.recv_capacity, config.message_bytes + 1), kDataRecvSlots),
      ack_buf_(conn, 64, kAckSendSlots) {
  stats_.peer = cfg_.peer;
  stats_.channel = cfg_.channel;
  stats_.outgoing = false;
  stats_.flow_id = cfg_.flow_id;
  if (cfg_.payload_check) scratch_.resize(cfg_.message_bytes);
  held_len_.assign(std::max<uint32_t>(cfg_.window_segments, 2), 0);
  for (uint32_t i = 0; i < kDataRecvSlots; ++i) postRecvSlot(conn_, slots_, i);
}

void CollectiveRecvLink::accept(const std::byte* m, uint32_t len) noexcept {
  measure::WireHeader h;
  if (measure::decodeWireHeader(std::span(m, len), h) != measure::WireStatus::kOk || len < kCollectiveHeaderBytes ||
      h.flow_id != cfg_.flow_id || decodeSub(m).type != kTypeData) {
    ++stats_.malformed;
    return;
  }
  const auto ahead = static_cast<int32_t>(h.seq - static_cast<uint32_t>(expected_));
  const uint64_t window = held_len_.size();
  const uint64_t seq = expected_ + static_cast<uint64_t>(std::max<int32_t>(ahead, 0));
  if (ahead < 0 || (ahead > 0 && static_cast<uint64_t>(ahead) < window && held_len_[seq % window] != 0)) {
    ++stats_.duplicates;
    ack_due_ = true;
    return;
  }
  if (ahead > 0 && static_cast<uint64_t>(ahead) >= window) {  // beyond what the sender may have out: drop
    ++stats_.out_of_order;
    ack_due_ = true;
    gap_seen_ = true;
    return;
  }
  const uint32_t plen = len - kCollectiveHeaderBytes;
  if ((h.flags & measure::kFlagPayloadCheck) && cfg_.payload_check) {
    std::span<const std::byte> payload(m + kCollectiveHeaderBytes, plen);
    if (measure::crc32c(payload) != h.check && plen <= scratch_.size()) {
      measure::fillPayload(std::span(scratch_.data(), plen), cfg_.flow_id, seq);
      for (uint32_t i = 0; i < plen; ++i) stats_.corrupted_bytes += payload[i] != scratch_[i] ? 1 : 0;
    }
  }
  ack_due_ = true;
  if (ahead > 0) {
    // Ahead of a gap (lost, or only reordered: veth and multi-path fabrics reorder): held by
    // its length until the gap fills, so a reordered segment is not sent twice.
    ++stats_.out_of_order;
    gap_seen_ = true;
    held_len_[seq % window] = plen + 1;  // + 1: an empty segment is still held
    return;
  }
  ++expected_;
  ++stats_.segments;
  stats_.bytes += plen;
  while (held_len_[expected_ % window] != 0) {
    stats_.bytes += held_len_[expected_ % window] - 1;
    held_len_[expected_ % window] = 0;
    ++stats_.segments;
    ++expected_;
  }
}

bool CollectiveRecvLink::sendAck() noexcept {
  std::byte* m = ack_buf_.slot(ack_slot_);
  measure::encodeWireHeader(measure::WireHeader{.flags = measure::kFlagReply,
                                                .flow_id = cfg_.flow_id,
                                                .seq = static_cast<uint32_t>(expected_),
                                                .send_ts_ns = wallNowNs()},
                            m);
  encodeSub({kTypeAck, gap_seen_ ? kAckGap : uint8_t{0}, 0, 0}, m);
  const SendOp op{.id = ack_slot_, .data = m, .length = kAckBytes, .region = &ack_buf_.region()};
  if (conn_.postSend(std::span(&op, 1)) != 1) return false;
  ack_slot_ = (ack_slot_ + 1) % kAckSendSlots;
  return true;
}

bool CollectiveRecvLink::progress(int64_t /*now_ns*/, int64_t poll_timeout_ns) noexcept {
  std::array<Completion, kBatch> comps{};
  const size_t n = conn_.poll(comps, poll_timeout_ns);
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    const Completion& c = comps[i];
    if (c.is_send) {
      if (c.status != OpStatus::kOk) ++stats_.send_errors;
      if (error_.empty() && (c.status == OpStatus::kError || c.status == OpStatus::kFlushed)) error_ = conn_.errorText(c);
      continue;
    }
    any = true;
    const uint32_t slot = static_cast<uint32_t>(c.id);
    if (c.status == OpStatus::kError || c.status == OpStatus::kFlushed) {  // the connection failed
      if (error_.empty()) error_ = conn_.errorText(c);
      continue;
    }
    if (c.status == OpStatus::kOk) {
      forEachMessage(c, slots_.slot(slot), [&](const std::byte* m, uint32_t len) { accept(m, len); });
    } else {
      ++stats_.malformed;
    }
    postRecvSlot(conn_, slots_, slot);
  }
  if (cfg_.reliable_transport) ack_due_ = gap_seen_ = false;  // the transport acknowledges
  if (ack_due_ && sendAck()) ack_due_ = gap_seen_ = false;
  return any;
}

}  // namespace fabcheck::engine
