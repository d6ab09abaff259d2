#include "generators/engine/pingpong.h"

#include <algorithm>
#include <array>
#include <vector>

#include "generators/core/clock.h"
#include "generators/engine/message_buffer.h"
#include "generators/measure/wire_header.h"
#include "generators/pacing/wait.h"

namespace fabcheck::engine {
namespace {

using transport::Completion;
using transport::OpStatus;
using transport::RecvOp;
using transport::SendOp;

constexpr uint32_t kRecvBuffers = 16;
constexpr int64_t kResponderPollNs = 10'000'000;

int64_t arrivalWallNs(const Completion& c) noexcept {
  return c.ts_source != transport::TimestampSource::kNone ? c.rx_timestamp_ns : wallNowNs();
}

// Slot layout shared by both roles: slot 0 is the send message, slots 1.. receive buffers.
RecvOp recvOpFor(MessageBuffer& buf, uint32_t slot) {
  return RecvOp{.id = slot, .data = buf.slot(slot), .capacity = buf.slotBytes(), .region = &buf.region()};
}

void postAllReceives(transport::Connection& conn, MessageBuffer& buf, uint32_t first, uint32_t count) {
  std::vector<RecvOp> ops;
  for (uint32_t i = first; i < first + count; ++i) ops.push_back(recvOpFor(buf, i));
  conn.postRecv(ops);
}

}  // namespace

PingpongResult runPingpongInitiator(transport::Connection& conn, const PingPlan& plan,
                                    const std::atomic<bool>& abort) {
  PingpongResult r;
  r.flow_id = plan.flow_id;
  if (plan.same_clock) r.one_way_ns.emplace();
  // Receive buffers one byte larger than a message, so an oversize reply shows as truncated.
  MessageBuffer buf(conn, plan.size + 1, 1 + kRecvBuffers);
  postAllReceives(conn, buf, 1, kRecvBuffers);
  measure::encodeWireHeader(measure::WireHeader{.flow_id = plan.flow_id}, buf.slot(0));
  const SendOp ping{.id = 0, .data = buf.slot(0), .length = plan.size, .region = &buf.region()};

  while (plan.start_mono_ns > 0 && !abort.load(std::memory_order_relaxed)) {
    const int64_t now = monoNowNs();
    if (now >= plan.start_mono_ns) break;
    // Slices of at most 50 ms, so an abort ends the wait promptly.
    pacing::waitUntil(std::min(plan.start_mono_ns, now + 50'000'000));
  }
  std::array<Completion, 32> comps{};
  int64_t measured_start = 0;
  uint32_t seq = 0;
  uint32_t consecutive_timeouts = 0;
  for (;;) {
    if (abort.load(std::memory_order_relaxed)) break;
    const bool warm = r.sent < plan.warmup_iterations;
    if (!warm) {
      if (measured_start == 0) measured_start = monoNowNs();
      if (plan.iterations > 0 && r.measured >= plan.iterations) break;
      if (plan.iterations == 0 && monoNowNs() - measured_start >= plan.duration_ns) break;
      // Lost pings count toward iterations too, so a dead peer cannot stall a run forever.
      if (plan.iterations > 0 && r.measured + r.timeouts >= plan.iterations) break;
    }
    measure::patchWireSeq(buf.slot(0), seq);
    measure::patchWireFlags(buf.slot(0), warm ? measure::kFlagWarmup : 0);
    const int64_t t0 = monoNowNs();
    measure::patchWireTimestamp(buf.slot(0), wallNowNs());
    if (conn.postSend(std::span(&ping, 1)) != 1) {
      // Back-pressure on one message: wait for room and retry within the reply timeout.
      conn.poll(comps, 1'000'000);
      if (monoNowNs() - t0 > plan.reply_timeout_ns) ++r.timeouts;
      continue;
    }
    ++r.sent;
    bool send_done = false, got_reply = false;
    const int64_t deadline = t0 + plan.reply_timeout_ns;
    while (!(send_done && got_reply)) {
      int64_t now = monoNowNs();
      if (now >= deadline) break;
      size_t n = conn.poll(comps, plan.busy_poll ? 0 : deadline - now);
      const int64_t t1 = monoNowNs();
      for (size_t i = 0; i < n; ++i) {
        const Completion& c = comps[i];
        if (c.is_send) { send_done = true; continue; }
        RecvOp again = recvOpFor(buf, static_cast<uint32_t>(c.id));
        measure::WireHeader h;
        const bool ok = c.status == OpStatus::kOk &&
                        measure::decodeWireHeader(std::span(buf.slot(static_cast<uint32_t>(c.id)), c.bytes), h) ==
                            measure::WireStatus::kOk &&
                        h.flow_id == plan.flow_id && (h.flags & measure::kFlagReply) && c.bytes == plan.size;
        if (ok && h.seq == seq && !got_reply) {
          got_reply = true;
          if (!warm) {
            r.rtt_ns.record(std::max<int64_t>(1, t1 - t0));
            ++r.measured;
            if (r.one_way_ns) r.one_way_ns->record(std::max<int64_t>(1, arrivalWallNs(c) - h.send_ts_ns - plan.clock_correction_ns));
          }
          ++r.replies;
        } else {
          ++r.stray;
        }
        conn.postRecv(std::span(&again, 1));
      }
    }
    if (!got_reply) {
      ++r.timeouts;
      if (++consecutive_timeouts >= plan.max_consecutive_timeouts) {
        r.error = "no reply from " + conn.describe() + " to " + std::to_string(consecutive_timeouts) +
                  " pings in a row (reply timeout " + std::to_string(plan.reply_timeout_ns / 1'000'000) +
                  " ms): the peer stopped answering";
        break;
      }
    } else {
      consecutive_timeouts = 0;
    }
    if (!send_done) {  // a send that never completes would let us overwrite its buffer
      int64_t wait_until = monoNowNs() + plan.reply_timeout_ns;
      while (!send_done && monoNowNs() < wait_until) {
        size_t n = conn.poll(comps, 1'000'000);
        for (size_t i = 0; i < n; ++i) {
          if (comps[i].is_send) send_done = true;
          else {
            ++r.stray;
            RecvOp again = recvOpFor(buf, static_cast<uint32_t>(comps[i].id));
            conn.postRecv(std::span(&again, 1));
          }
        }
      }
      if (!send_done) break;
    }
    ++seq;
  }
  r.measured_ns = measured_start ? monoNowNs() - measured_start : 0;
  return r;
}

ResponderResult runPingpongResponder(transport::Connection& conn, const RespondPlan& plan,
                                     const std::atomic<bool>& stop) {
  ResponderResult r;
  r.flow_id = plan.flow_id;
  if (plan.same_clock) r.one_way_ns.emplace();
  MessageBuffer buf(conn, plan.size + 1, kRecvBuffers);
  postAllReceives(conn, buf, 0, kRecvBuffers);
  std::array<Completion, 32> comps{};
  while (!stop.load(std::memory_order_relaxed)) {
    size_t n = conn.poll(comps, plan.busy_poll ? 0 : kResponderPollNs);
    for (size_t i = 0; i < n; ++i) {
      const Completion& c = comps[i];
      const uint32_t slot = static_cast<uint32_t>(c.id);
      RecvOp again = recvOpFor(buf, slot);
      if (c.is_send) {  // the echo left: its buffer may receive again
        conn.postRecv(std::span(&again, 1));
        continue;
      }
      std::byte* m = buf.slot(slot);
      measure::WireHeader h;
      if (c.status != OpStatus::kOk || c.bytes != plan.size ||
          measure::decodeWireHeader(std::span(m, c.bytes), h) != measure::WireStatus::kOk ||
          h.flow_id != plan.flow_id || (h.flags & measure::kFlagReply)) {
        ++r.malformed;
        conn.postRecv(std::span(&again, 1));
        continue;
      }
      if (c.tos_valid) r.dscp_seen = c.tos >> 2;
      if (r.one_way_ns && !(h.flags & measure::kFlagWarmup)) {
        r.one_way_ns->record(std::max<int64_t>(1, arrivalWallNs(c) - h.send_ts_ns - plan.clock_correction_ns));
      }
      measure::patchWireFlags(m, static_cast<uint8_t>(h.flags | measure::kFlagReply));
      measure::patchWireTimestamp(m, wallNowNs());
      const SendOp echo{.id = slot, .data = m, .length = c.bytes, .region = &buf.region()};
      if (conn.postSend(std::span(&echo, 1)) == 1) {
        ++r.echoed;
      } else {
        conn.postRecv(std::span(&again, 1));  // could not echo now: the initiator will time out
      }
    }
  }
  return r;
}

}  // namespace fabcheck::engine
