#include "generators/engine/stream_receiver.h"

#include <algorithm>
#include <array>
#include <vector>

#include "generators/core/clock.h"
#include "generators/engine/message_buffer.h"
#include "generators/measure/payload_check.h"
#include "generators/measure/wire_header.h"

namespace fabcheck::engine {
namespace {

using transport::Completion;
using transport::OpStatus;
using transport::RecvOp;

constexpr uint32_t kCoalescedBufferBytes = 65536;
constexpr int64_t kPollTimeoutNs = 5'000'000;       // once `stop` may come: how soon it is seen
constexpr int64_t kIdlePollTimeoutNs = 100'000'000;  // before that (only `abort`), and the backoff's cap

// Per-burst timing at the receiver (microburst).
class BurstAccounting {
 public:
  BurstAccounting(ReceiverResult& r, uint64_t msgs_per_burst, bool same_clock)
      : r_(r), per_burst_(msgs_per_burst), same_clock_(same_clock) {
    r_.burst_spread_ns.emplace();
    if (same_clock_) r_.burst_completion_ns.emplace();
  }

  void onMessage(uint32_t tag, int64_t rx_wall_ns, int64_t send_ts_ns) noexcept {
    if (!open_ || tag != tag_) {
      if (open_ && tag < tag_) return;  // a straggler from an older burst: already closed
      close();
      open_ = true;
      tag_ = tag;
      first_rx_ = last_rx_ = rx_wall_ns;
      first_send_ = send_ts_ns;
      count_ = 0;
    }
    first_rx_ = std::min(first_rx_, rx_wall_ns);
    last_rx_ = std::max(last_rx_, rx_wall_ns);
    first_send_ = std::min(first_send_, send_ts_ns);
    ++count_;
  }

  void close() noexcept {
    if (!open_) return;
    open_ = false;
    ++r_.bursts_seen;
    if (count_ < per_burst_) ++r_.bursts_incomplete;
    r_.burst_spread_ns->record(std::max<int64_t>(1, last_rx_ - first_rx_));
    if (same_clock_) r_.burst_completion_ns->record(std::max<int64_t>(1, last_rx_ - first_send_));
  }

 private:
  ReceiverResult& r_;
  uint64_t per_burst_;
  bool same_clock_;
  bool open_ = false;
  uint32_t tag_ = 0;
  int64_t first_rx_ = 0, last_rx_ = 0, first_send_ = 0;
  uint64_t count_ = 0;
};

// One flow's receive loop: polls, walks each completion's messages, posts the buffers again
// and decides when the flow is drained.
class StreamReceiver {
 public:
  StreamReceiver(transport::Connection& conn, const transport::TransportProperties& props, const ReceivePlan& plan,
                 ReceiveControl& control)
      : conn_(conn),
        plan_(plan),
        control_(control),
        tracker_(plan.reorder_window),
        // A buffer one byte larger than a message tells an oversize message from a fitting one.
        capacity_(props.supports_coalescing ? std::max(kCoalescedBufferBytes, plan.size + 1) : plan.size + 1),
        buf_(conn, capacity_, plan.buffers),
        ops_(plan.buffers) {
    r_.flow_id = plan.flow_id;
    r_.series = measure::IntervalSeries(plan.interval_ns);
    if (plan.same_clock) r_.one_way_ns.emplace();
    if (plan.msgs_per_burst > 0) bursts_.emplace(r_, plan.msgs_per_burst, plan.same_clock);
    for (uint32_t i = 0; i < plan.buffers; ++i) {
      ops_[i] = RecvOp{.id = i, .data = buf_.slot(i), .capacity = capacity_, .region = &buf_.region()};
    }
    size_t taken = conn.postRecv(ops_);
    pending_.assign(ops_.begin() + static_cast<long>(taken), ops_.end());
    control_.posted.store(true, std::memory_order_release);
  }

  ReceiverResult run() {
    last_activity_ = monoNowNs();
    int64_t backoff = kPollTimeoutNs;
    for (;;) {
      const int64_t before = monoNowNs();
      const int64_t expected = control_.stop_expected_mono_ns.load(std::memory_order_relaxed);
      const int64_t wait = before < expected ? std::min(kIdlePollTimeoutNs, expected - before) : backoff;
      size_t n = conn_.poll(comps_, wait);
      const int64_t now = monoNowNs();
      if (n > 0) {
        backoff = kPollTimeoutNs;
      } else if (now >= expected) {
        backoff = std::min(2 * backoff, kIdlePollTimeoutNs);
      }
      int64_t wall_now = 0;
      for (size_t c = 0; c < n; ++c) onCompletion(comps_[c], now, wall_now);
      repostPending();
      if (finished(now)) break;
    }
    return finish();
  }

 private:
  // One completion: its buffer is queued to be posted again, and a good receive's messages are
  // accounted. `wall_now` is read once per poll, for the receives without a timestamp.
  void onCompletion(const Completion& comp, int64_t now, int64_t& wall_now) {
    if (comp.is_send) return;
    if (comp.status == OpStatus::kError || comp.status == OpStatus::kFlushed) {  // the connection failed:
      if (r_.error.empty()) r_.error = conn_.errorText(comp);                     // no posting again
      return;
    }
    pending_.push_back(ops_[comp.id]);
    if (comp.status == OpStatus::kTruncated) { ++r_.truncated; return; }
    if (comp.status != OpStatus::kOk) return;
    last_activity_ = now;
    if (comp.ts_source != transport::TimestampSource::kNone) {
      r_.ts_source = std::max(r_.ts_source, comp.ts_source);
    }
    int64_t rx_wall = comp.rx_timestamp_ns;
    if (comp.ts_source == transport::TimestampSource::kNone) {
      if (wall_now == 0) wall_now = wallNowNs();
      rx_wall = wall_now;
      r_.ts_source = std::max(r_.ts_source, transport::TimestampSource::kUserSpace);
    }
    if (comp.tos_valid) r_.dscp_seen = comp.tos >> 2;
    // A coalesced buffer holds several messages of segment_size bytes (the last may be shorter).
    const uint32_t stride = comp.segment_size ? comp.segment_size : comp.bytes;
    const std::byte* base = buf_.slot(static_cast<uint32_t>(comp.id));
    bool first_in_buffer = true;
    for (uint32_t off = 0; off < comp.bytes && stride > 0; off += stride) {
      const uint32_t len = std::min(stride, comp.bytes - off);
      if (onMessage(std::span<const std::byte>(base + off, len), comp, now, rx_wall, first_in_buffer)) {
        first_in_buffer = false;
      }
    }
  }

  // One message: validated (malformed and corrupted ones are only counted), then fed to the
  // sequence, burst, series and latency accounting. Returns whether it counted as measured.
  bool onMessage(std::span<const std::byte> msg, const Completion& comp, int64_t now, int64_t rx_wall,
                 bool first_in_buffer) {
    const uint32_t len = static_cast<uint32_t>(msg.size());
    measure::WireHeader h;
    if (measure::decodeWireHeader(msg, h) != measure::WireStatus::kOk || h.flow_id != plan_.flow_id ||
        len != plan_.size) {
      ++r_.malformed;
      return false;
    }
    if (comp.tos_valid && (comp.tos & 3) == 3) ++r_.ce_marked;
    if ((h.flags & measure::kFlagPayloadCheck) &&
        measure::crc32c(msg.subspan(measure::kWireHeaderSize)) != h.check) {
      ++r_.corrupted;
      return false;
    }
    tracker_.onSequence(h.seq);
    r_.bytes += len;
    if (bursts_) bursts_->onMessage(h.tag, rx_wall, h.send_ts_ns + plan_.clock_correction_ns);  // on our clock
    if (h.flags & measure::kFlagWarmup) return false;
    ++r_.measured_packets;
    r_.measured_bytes += len;
    if (!series_started_) {
      r_.series.start(now);
      r_.first_rx_mono_ns = now;
      series_started_ = true;
    }
    r_.last_rx_mono_ns = now;
    r_.series.add(now, len, 1);
    // In a coalesced buffer all messages share the first one's arrival time; only the
    // first gives a true one-way latency.
    if (first_in_buffer && r_.one_way_ns) r_.one_way_ns->record(std::max<int64_t>(1, rx_wall - h.send_ts_ns - plan_.clock_correction_ns));
    return true;
  }

  // Buffers the transport did not take are posted again as completions free room.
  void repostPending() {
    if (pending_.empty()) return;
    size_t k = conn_.postRecv(pending_);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(k));
  }

  // The stopping rule of the header: abort at once; after stop, when every sent message is
  // accounted for, after quiet_ns without arrivals or drain_max_ns after the stop.
  bool finished(int64_t now) {
    if (control_.abort.load(std::memory_order_relaxed)) return true;
    if (!control_.stop.load(std::memory_order_acquire)) return false;
    if (stop_seen_ == 0) stop_seen_ = now;
    const uint64_t sent = control_.sender_sent.load(std::memory_order_acquire);
    if (sent != UINT64_MAX && tracker_.counts().received >= sent) return true;
    return now - last_activity_ >= control_.quiet_ns || now - stop_seen_ >= control_.drain_max_ns;
  }

  ReceiverResult finish() {
    if (bursts_) bursts_->close();
    const uint64_t sent = control_.sender_sent.load(std::memory_order_acquire);
    tracker_.finish(sent == UINT64_MAX ? std::nullopt : std::optional<uint64_t>(sent));
    r_.sequence = tracker_.counts();
    if (series_started_) r_.series.finish(r_.last_rx_mono_ns);
    return std::move(r_);
  }

  transport::Connection& conn_;
  const ReceivePlan& plan_;
  ReceiveControl& control_;
  ReceiverResult r_;
  measure::SequenceTracker tracker_;
  std::optional<BurstAccounting> bursts_;
  const uint32_t capacity_;
  MessageBuffer buf_;
  std::vector<RecvOp> ops_;
  std::vector<RecvOp> pending_;
  std::array<Completion, 64> comps_{};
  bool series_started_ = false;
  int64_t last_activity_ = 0;
  int64_t stop_seen_ = 0;
};

}  // namespace

ReceiverResult runReceiver(transport::Connection& conn, const transport::TransportProperties& props,
                           const ReceivePlan& plan, ReceiveControl& control) {
  return StreamReceiver(conn, props, plan, control).run();
}

}  // namespace fabcheck::engine
