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
constexpr int64_t kPollTimeoutNs = 5'000'000;

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

}  // namespace

ReceiverResult runReceiver(transport::Connection& conn, const transport::TransportProperties& props,
                           const ReceivePlan& plan, ReceiveControl& control) {
  ReceiverResult r;
  r.flow_id = plan.flow_id;
  r.series = measure::IntervalSeries(plan.interval_ns);
  if (plan.same_clock) r.one_way_ns.emplace();
  measure::SequenceTracker tracker(plan.reorder_window);
  std::optional<BurstAccounting> bursts;
  if (plan.msgs_per_burst > 0) bursts.emplace(r, plan.msgs_per_burst, plan.same_clock);

  // A buffer one byte larger than a message tells an oversize message from a fitting one.
  const uint32_t capacity = props.supports_coalescing ? std::max(kCoalescedBufferBytes, plan.size + 1) : plan.size + 1;
  MessageBuffer buf(conn, capacity, plan.buffers);
  std::vector<RecvOp> ops(plan.buffers);
  for (uint32_t i = 0; i < plan.buffers; ++i) {
    ops[i] = RecvOp{.id = i, .data = buf.slot(i), .capacity = capacity, .region = &buf.region()};
  }
  // Buffers the transport did not take now are posted again as completions free room.
  std::vector<RecvOp> pending;
  size_t taken = conn.postRecv(ops);
  pending.assign(ops.begin() + static_cast<long>(taken), ops.end());

  std::array<Completion, 64> comps{};
  bool series_started = false;
  int64_t last_activity = monoNowNs();
  int64_t stop_seen = 0;

  for (;;) {
    size_t n = conn.poll(comps, kPollTimeoutNs);
    const int64_t now = monoNowNs();
    int64_t wall_now = 0;
    for (size_t c = 0; c < n; ++c) {
      const Completion& comp = comps[c];
      if (comp.is_send) continue;
      pending.push_back(ops[comp.id]);
      if (comp.status == OpStatus::kTruncated) { ++r.truncated; continue; }
      if (comp.status != OpStatus::kOk) continue;
      last_activity = now;
      if (comp.ts_source != transport::TimestampSource::kNone) {
        r.ts_source = std::max(r.ts_source, comp.ts_source);
      }
      int64_t rx_wall = comp.rx_timestamp_ns;
      if (comp.ts_source == transport::TimestampSource::kNone) {
        if (wall_now == 0) wall_now = wallNowNs();
        rx_wall = wall_now;
        r.ts_source = std::max(r.ts_source, transport::TimestampSource::kUserSpace);
      }
      if (comp.tos_valid) r.dscp_seen = comp.tos >> 2;
      const uint32_t stride = comp.segment_size ? comp.segment_size : comp.bytes;
      const std::byte* base = buf.slot(static_cast<uint32_t>(comp.id));
      bool first_in_buffer = true;
      for (uint32_t off = 0; off < comp.bytes && stride > 0; off += stride) {
        const uint32_t len = std::min(stride, comp.bytes - off);
        std::span<const std::byte> msg(base + off, len);
        measure::WireHeader h;
        if (measure::decodeWireHeader(msg, h) != measure::WireStatus::kOk || h.flow_id != plan.flow_id ||
            len != plan.size) {
          ++r.malformed;
          continue;
        }
        if (comp.tos_valid && (comp.tos & 3) == 3) ++r.ce_marked;
        if ((h.flags & measure::kFlagPayloadCheck) &&
            measure::crc32c(msg.subspan(measure::kWireHeaderSize)) != h.check) {
          ++r.corrupted;
          continue;
        }
        tracker.onSequence(h.seq);
        r.bytes += len;
        if (bursts) bursts->onMessage(h.tag, rx_wall, h.send_ts_ns + plan.clock_correction_ns);  // on our clock
        if (h.flags & measure::kFlagWarmup) continue;
        ++r.measured_packets;
        r.measured_bytes += len;
        if (!series_started) {
          r.series.start(now);
          r.first_rx_mono_ns = now;
          series_started = true;
        }
        r.last_rx_mono_ns = now;
        r.series.add(now, len, 1);
        // In a coalesced buffer all messages share the first one's arrival time; only the
        // first gives a true one-way latency.
        if (first_in_buffer && r.one_way_ns) r.one_way_ns->record(std::max<int64_t>(1, rx_wall - h.send_ts_ns - plan.clock_correction_ns));
        first_in_buffer = false;
      }
    }
    if (!pending.empty()) {
      size_t k = conn.postRecv(pending);
      pending.erase(pending.begin(), pending.begin() + static_cast<long>(k));
    }
    if (control.abort.load(std::memory_order_relaxed)) break;
    if (control.stop.load(std::memory_order_acquire)) {
      if (stop_seen == 0) stop_seen = now;
      const uint64_t sent = control.sender_sent.load(std::memory_order_acquire);
      if (sent != UINT64_MAX && tracker.counts().received >= sent) break;
      if (now - last_activity >= control.quiet_ns || now - stop_seen >= control.drain_max_ns) break;
    }
  }
  if (bursts) bursts->close();
  const uint64_t sent = control.sender_sent.load(std::memory_order_acquire);
  tracker.finish(sent == UINT64_MAX ? std::nullopt : std::optional<uint64_t>(sent));
  r.sequence = tracker.counts();
  if (series_started) r.series.finish(r.last_rx_mono_ns);
  return r;
}

}  // namespace fabcheck::engine
