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
constexpr int64_t kResponderIdlePollNs = 100'000'000;

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

// The initiator's loop: one ping in flight; each round sends ping `seq_`, waits for its reply
// (and for the send's completion, so the message may be rewritten) and counts a timeout when
// none came.
class PingInitiator {
 public:
  PingInitiator(transport::Connection& conn, const PingPlan& plan, const std::atomic<bool>& abort)
      : conn_(conn),
        plan_(plan),
        abort_(abort),
        // Receive buffers one byte larger than a message, so an oversize reply shows as truncated.
        buf_(conn, plan.size + 1, 1 + kRecvBuffers),
        ping_{.id = 0, .data = buf_.slot(0), .length = plan.size, .region = &buf_.region()} {
    r_.flow_id = plan.flow_id;
    if (plan.same_clock) r_.one_way_ns.emplace();
    postAllReceives(conn, buf_, 1, kRecvBuffers);
    measure::encodeWireHeader(measure::WireHeader{.flow_id = plan.flow_id}, buf_.slot(0));
  }

  PingpongResult run() {
    waitForStart();
    for (;;) {
      if (abort_.load(std::memory_order_relaxed)) break;
      const bool warm = r_.sent < plan_.warmup_iterations;
      if (!warm && measuredPhaseOver()) break;
      measure::patchWireSeq(buf_.slot(0), seq_);
      measure::patchWireFlags(buf_.slot(0), warm ? measure::kFlagWarmup : 0);
      const int64_t t0 = monoNowNs();
      measure::patchWireTimestamp(buf_.slot(0), wallNowNs());
      if (conn_.postSend(std::span(&ping_, 1)) != 1) {
        // Back-pressure on one message: reap what came meanwhile, then retry.
        if (!reapWhileBlocked()) break;
        continue;
      }
      ++r_.sent;
      const Round round = awaitReply(t0, warm);
      if (!r_.error.empty()) break;
      if (!countTimeout(round.got_reply)) break;
      // A send that never completes would let us overwrite its buffer.
      if (!round.send_done && !awaitSendDone()) break;
      ++seq_;
    }
    r_.measured_ns = measured_start_ ? monoNowNs() - measured_start_ : 0;
    return std::move(r_);
  }

 private:
  struct Round {
    bool send_done = false, got_reply = false;
  };

  // Until plan.start_mono_ns, in slices of at most 50 ms so an abort ends the wait promptly.
  void waitForStart() {
    while (plan_.start_mono_ns > 0 && !abort_.load(std::memory_order_relaxed)) {
      const int64_t now = monoNowNs();
      if (now >= plan_.start_mono_ns) break;
      pacing::waitUntil(std::min(plan_.start_mono_ns, now + 50'000'000));
    }
  }

  // Starts the measured phase's clock on its first round; true once it has run its course.
  bool measuredPhaseOver() {
    if (measured_start_ == 0) measured_start_ = monoNowNs();
    if (plan_.iterations > 0 && r_.measured >= plan_.iterations) return true;
    if (plan_.iterations == 0 && monoNowNs() - measured_start_ >= plan_.duration_ns) return true;
    // Lost pings count toward iterations too, so a dead peer cannot stall a run forever.
    return plan_.iterations > 0 && r_.measured + r_.timeouts >= plan_.iterations;
  }

  // Polls until the ping's send completed and its reply arrived, or the reply timeout; the
  // round trip is t0 to just after the poll that returned the reply.
  Round awaitReply(int64_t t0, bool warm) {
    Round round;
    const int64_t deadline = t0 + plan_.reply_timeout_ns;
    while (!(round.send_done && round.got_reply)) {
      int64_t now = monoNowNs();
      if (now >= deadline) break;
      size_t n = conn_.poll(comps_, plan_.busy_poll ? 0 : deadline - now);
      const int64_t t1 = monoNowNs();
      for (size_t i = 0; i < n; ++i) {
        const Completion& c = comps_[i];
        if (failed(c)) return round;
        if (c.is_send) { round.send_done = true; continue; }
        measure::WireHeader h;
        if (isReply(c, h) && h.seq == seq_ && !round.got_reply) {
          round.got_reply = true;
          recordReply(c, h, t1 - t0, warm);
        } else {
          ++r_.stray;
        }
        repost(static_cast<uint32_t>(c.id));
      }
    }
    return round;
  }

  // A completion that failed ends the run with the transport's account of it (a verbs QP in
  // error flushes everything after it: waiting on would only count timeouts).
  bool failed(const Completion& c) {
    if (c.status != OpStatus::kError && c.status != OpStatus::kFlushed) return false;
    if (r_.error.empty()) r_.error = conn_.errorText(c);
    return true;
  }

  // A well-formed reply of this flow (`h` is its header; the caller checks the sequence).
  bool isReply(const Completion& c, measure::WireHeader& h) {
    return c.status == OpStatus::kOk &&
           measure::decodeWireHeader(std::span(buf_.slot(static_cast<uint32_t>(c.id)), c.bytes), h) ==
               measure::WireStatus::kOk &&
           h.flow_id == plan_.flow_id && (h.flags & measure::kFlagReply) && c.bytes == plan_.size;
  }

  void recordReply(const Completion& c, const measure::WireHeader& h, int64_t rtt_ns, bool warm) {
    if (!warm) {
      r_.rtt_ns.record(std::max<int64_t>(1, rtt_ns));
      ++r_.measured;
      if (r_.one_way_ns) r_.one_way_ns->record(std::max<int64_t>(1, arrivalWallNs(c) - h.send_ts_ns - plan_.clock_correction_ns));
    }
    ++r_.replies;
  }

  // Counts a ping without a reply; false when plan.max_consecutive_timeouts came in a row (the
  // error is set: the peer stopped answering).
  bool countTimeout(bool got_reply) {
    if (got_reply) {
      consecutive_timeouts_ = 0;
      return true;
    }
    ++r_.timeouts;
    if (++consecutive_timeouts_ < plan_.max_consecutive_timeouts) return true;
    r_.error = "no reply from " + conn_.describe() + " to " + std::to_string(consecutive_timeouts_) +
               " pings in a row (reply timeout " + std::to_string(plan_.reply_timeout_ns / 1'000'000) +
               " ms): the peer stopped answering";
    return false;
  }

  // Waits up to the reply timeout for the ping's send to complete (receives meanwhile are
  // strays); false when it did not.
  bool awaitSendDone() {
    const int64_t wait_until = monoNowNs() + plan_.reply_timeout_ns;
    while (monoNowNs() < wait_until) {
      size_t n = conn_.poll(comps_, 1'000'000);
      bool send_done = false;
      for (size_t i = 0; i < n; ++i) {
        if (failed(comps_[i])) return false;
        if (comps_[i].is_send) {
          send_done = true;
        } else {
          ++r_.stray;
          repost(static_cast<uint32_t>(comps_[i].id));
        }
      }
      if (send_done) return true;
    }
    return false;
  }

  // While a ping cannot be posted: up to 1 ms of completions; a late reply is a stray whose
  // buffer is posted again (never lost), a failed completion ends the run (false).
  bool reapWhileBlocked() {
    const size_t n = conn_.poll(comps_, 1'000'000);
    for (size_t i = 0; i < n; ++i) {
      if (failed(comps_[i])) return false;
      if (comps_[i].is_send) continue;
      ++r_.stray;
      repost(static_cast<uint32_t>(comps_[i].id));
    }
    return true;
  }

  void repost(uint32_t slot) {
    RecvOp again = recvOpFor(buf_, slot);
    conn_.postRecv(std::span(&again, 1));
  }

  transport::Connection& conn_;
  const PingPlan& plan_;
  const std::atomic<bool>& abort_;
  PingpongResult r_;
  MessageBuffer buf_;
  const SendOp ping_;
  std::array<Completion, 32> comps_{};
  int64_t measured_start_ = 0;
  uint32_t seq_ = 0;
  uint32_t consecutive_timeouts_ = 0;
};

}  // namespace

PingpongResult runPingpongInitiator(transport::Connection& conn, const PingPlan& plan,
                                    const std::atomic<bool>& abort) {
  PingpongResult r = PingInitiator(conn, plan, abort).run();
  r.tcp = conn.tcpInfo();
  return r;
}

ResponderResult runPingpongResponder(transport::Connection& conn, const RespondPlan& plan,
                                     const std::atomic<bool>& stop) {
  ResponderResult r;
  r.flow_id = plan.flow_id;
  if (plan.same_clock) r.one_way_ns.emplace();
  MessageBuffer buf(conn, plan.size + 1, kRecvBuffers);
  postAllReceives(conn, buf, 0, kRecvBuffers);
  if (plan.posted != nullptr) plan.posted->store(true, std::memory_order_release);
  std::array<Completion, 32> comps{};
  int64_t wait = kResponderPollNs;  // idle: doubles up to kResponderIdlePollNs (pingpong.h)
  while (!stop.load(std::memory_order_relaxed)) {
    size_t n = conn.poll(comps, plan.busy_poll ? 0 : wait);
    wait = n > 0 ? kResponderPollNs : std::min(2 * wait, kResponderIdlePollNs);
    for (size_t i = 0; i < n; ++i) {
      const Completion& c = comps[i];
      const uint32_t slot = static_cast<uint32_t>(c.id);
      RecvOp again = recvOpFor(buf, slot);
      if (c.status == OpStatus::kError || c.status == OpStatus::kFlushed) continue;  // a failed connection
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
  r.tcp = conn.tcpInfo();
  return r;
}

}  // namespace fabcheck::engine
