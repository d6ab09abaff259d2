#include "generators/engine/stream_sender.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "generators/core/clock.h"
#include "generators/engine/message_buffer.h"
#include "generators/engine/start_gate.h"
#include "generators/measure/payload_check.h"
#include "generators/measure/wire_header.h"
#include "generators/pacing/pacer.h"
#include "generators/pacing/wait.h"

namespace fabcheck::engine {
namespace {

using transport::Completion;
using transport::OpStatus;
using transport::SendOp;

constexpr uint32_t kMaxSegmentsPerOp = 64;     // UDP GSO limit
constexpr uint32_t kGsoBytesLimit = 65000;     // stay under the 64 KiB datagram limit
constexpr uint32_t kMaxOpsPerBatch = 64;
constexpr uint32_t kTargetMessagesPerBatch = 256;

constexpr double kQuantumNs = 100'000;       // pace in steps of ~100 us of traffic
constexpr double kBucketNs = 5e6;            // sender's token bucket: 5 ms of its rate

// Time between two messages at the plan's rate (the tighter of bit and packet rate); 0 = unpaced.
double messageGapNs(const SendPlan& plan, uint32_t size) {
  double gap = 0;
  if (plan.rate_bps > 0) gap = std::max(gap, size * 8e9 / plan.rate_bps);
  if (plan.rate_pps > 0) gap = std::max(gap, 1e9 / plan.rate_pps);
  return gap;
}

// How many messages go in one post, and how many posts in one batch.
struct BatchShape {
  uint32_t per_op;
  uint32_t ops;
};

BatchShape shapeFor(const transport::TransportProperties& props, uint32_t size) {
  uint32_t per_op = 1;
  if (props.supports_segmentation) {
    uint32_t limit = std::min(kGsoBytesLimit, props.max_post_bytes ? props.max_post_bytes : kGsoBytesLimit);
    per_op = std::clamp<uint32_t>(limit / size, 1, kMaxSegmentsPerOp);
  }
  uint32_t ops = std::clamp<uint32_t>(kTargetMessagesPerBatch / per_op, 1, kMaxOpsPerBatch);
  return {per_op, ops};
}

// Keeps the count of posted-but-uncompleted sends and reaps completions.
class CompletionReaper {
 public:
  CompletionReaper(transport::Connection& conn, SenderResult& result) : conn_(conn), result_(result) {}

  void posted(size_t n) noexcept { outstanding_ += n; }

  void reap(int64_t timeout_ns) noexcept {
    size_t n = conn_.poll(completions_, timeout_ns);
    for (size_t i = 0; i < n; ++i) {
      const Completion& c = completions_[i];
      if (!c.is_send) continue;
      if (outstanding_ > 0) --outstanding_;
      if (c.status != OpStatus::kOk) {
        ++result_.send_errors;
        failed_.push_back({c.id, c.bytes});
        if (result_.error.empty()) {
          result_.error = "send failed: " + conn_.errorText(c);
        }
      }
    }
  }

  // The sends of the current batch that completed with an error: the op's id (its first slot)
  // and the bytes of it that went out before the error. Cleared by the caller.
  struct Failed {
    uint64_t id;
    uint32_t bytes_sent;
  };
  std::vector<Failed>& failed() noexcept { return failed_; }

  // Waits until every posted send completed (the buffer may then be rewritten).
  bool drain(int64_t timeout_ns, const std::atomic<bool>& abort) noexcept {
    const int64_t deadline = monoNowNs() + timeout_ns;
    while (outstanding_ > 0) {
      if (abort.load(std::memory_order_relaxed) || monoNowNs() > deadline) return false;
      reap(1'000'000);
    }
    return true;
  }

 private:
  transport::Connection& conn_;
  SenderResult& result_;
  size_t outstanding_ = 0;
  std::array<Completion, 128> completions_{};
  std::vector<Failed> failed_;
};

// Messages per wake-up: at high rates waking for every message costs more than the gap
// between messages, so wait until ~kQuantumNs worth is eligible and send those together.
uint32_t quantumFor(double gap_ns, uint32_t batch_msgs) {
  return gap_ns > 0 ? std::clamp<uint32_t>(static_cast<uint32_t>(kQuantumNs / gap_ns), 1, batch_msgs) : 1;
}

pacing::PacerConfig pacerConfigFor(const SendPlan& plan, int64_t start, uint64_t msgs_per_burst, uint32_t quantum) {
  pacing::PacerConfig pc;
  pc.rate_bps = plan.rate_bps;
  pc.rate_pps = plan.rate_pps;
  if (msgs_per_burst > 0) {
    pc.burst_bytes = msgs_per_burst * plan.size;
    pc.burst_interval_ns = plan.burst_interval_ns;
  }
  pc.start_ns = start;
  // A bucket of kBucketNs of the rate: a sender preempted for less than that catches up, so the
  // long-run rate holds on a busy host; the catch-up burst is bounded by the bucket.
  if (plan.rate_bps > 0) {
    pc.bucket_bytes = std::max<uint64_t>({64 * 1024, static_cast<uint64_t>(plan.rate_bps / 8 * kBucketNs / 1e9),
                                          2ull * quantum * plan.size});
  } else if (plan.rate_pps > 0) {
    pc.bucket_bytes = std::max<uint64_t>(64, static_cast<uint64_t>(plan.rate_pps * kBucketNs / 1e9)) * plan.size;
  }
  return pc;
}

// One flow's send loop. Each pass asks the pacer how many messages may go, waits when that is
// less than a quantum, else stamps that many slots, posts them and waits for their completions
// (the slots are rewritten on the next pass).
class StreamSender {
 public:
  StreamSender(transport::Connection& conn, const transport::TransportProperties& props, const SendPlan& plan,
               const std::atomic<bool>& abort)
      : conn_(conn),
        plan_(plan),
        abort_(abort),
        shape_(shapeFor(props, plan.size)),
        batch_msgs_(shape_.per_op * shape_.ops),
        buf_(conn, plan.size, batch_msgs_),
        base_flags_(plan.payload_check ? measure::kFlagPayloadCheck : 0),
        bursts_(plan.burst_bytes > 0 && plan.burst_interval_ns > 0),
        msgs_per_burst_(bursts_ ? std::max<uint64_t>(1, plan.burst_bytes / plan.size) : 0),
        start_(plan.start_mono_ns > 0 ? plan.start_mono_ns : monoNowNs()),
        gap_ns_(messageGapNs(plan, plan.size)),
        quantum_(quantumFor(gap_ns_, batch_msgs_)),
        pacer_(pacerConfigFor(plan, start_, msgs_per_burst_, quantum_)),
        measured_start_(start_ + plan.warmup_ns),
        end_(plan.duration_ns > 0 ? measured_start_ + plan.duration_ns : INT64_MAX),
        reaper_(conn, result_),
        ops_(shape_.ops) {
    result_.flow_id = plan.flow_id;
    result_.target_bps = plan.rate_bps;
    result_.target_pps = plan.rate_pps;
    for (uint32_t i = 0; i < batch_msgs_; ++i) {
      measure::encodeWireHeader(measure::WireHeader{.flags = base_flags_, .flow_id = plan.flow_id}, buf_.slot(i));
    }
  }

  SenderResult run() {
    gate_.waitFor(start_, plan_.flow_id);
    int64_t stopped_at = 0;
    while (!abort_.load(std::memory_order_relaxed)) {
      const int64_t now = monoNowNs();
      if (now >= end_) { stopped_at = end_; break; }
      const bool warm = now < measured_start_;
      if (plan_.iterations > 0 && !warm && measured_posted_ >= plan_.iterations) { stopped_at = now; break; }
      uint64_t burst = 0;
      const uint32_t n = allowance(now, warm, burst);
      if (waitedForMore(n, now, warm)) continue;
      if (!sendBatch(n, now, warm, burst)) break;
    }
    finish(stopped_at);
    return std::move(result_);
  }

 private:
  // How many messages may go now: the pacer's allowance, cut to what is left of the current
  // burst (`burst` is set to its index) and of the iterations, and to one batch in warm-up.
  uint32_t allowance(int64_t now, bool warm, uint64_t& burst) {
    uint32_t n = pacer_.allowance(plan_.size, batch_msgs_, now);
    if (bursts_) {
      burst = pacer_.burstIndex(now);
      if (burst != last_burst_) {
        last_burst_ = burst;
        sent_in_burst_ = 0;
        ++result_.bursts;
      }
      n = static_cast<uint32_t>(std::min<uint64_t>(n, msgs_per_burst_ - std::min(msgs_per_burst_, sent_in_burst_)));
    }
    if (!warm && plan_.iterations > 0) {
      n = static_cast<uint32_t>(std::min<uint64_t>(n, plan_.iterations - measured_posted_));
    }
    if (warm) {  // do not let a batch straddle the start of the measured phase by much
      n = std::min<uint32_t>(n, batch_msgs_);
    }
    return n;
  }

  // When `n` is too few to send now, sleeps until more are eligible (reaping completions
  // meanwhile) and returns true.
  bool waitedForMore(uint32_t n, int64_t now, bool warm) {
    if (n < quantum_ && !bursts_ &&
        !(plan_.iterations > 0 && !warm && plan_.iterations - measured_posted_ < quantum_)) {
      // Wait for a whole quantum (the schedule keeps the long-run rate exact either way).
      int64_t next = pacer_.eligibleAt(plan_.size, now) + static_cast<int64_t>((quantum_ - 1 - std::min(n, quantum_ - 1)) * gap_ns_);
      if (n > 0) next = now + static_cast<int64_t>((quantum_ - n) * gap_ns_);
      pacing::waitUntil(std::min(next, end_));
      reaper_.reap(0);
      return true;
    }
    if (n == 0) {
      int64_t next = pacer_.eligibleAt(plan_.size, now);
      if (bursts_ && next <= now) next = now + 1'000;  // burst already full: wait for the next period
      pacing::waitUntil(std::min(next, end_));
      reaper_.reap(0);
      return true;
    }
    return false;
  }

  // Sends `n` messages: stamps, posts, counts them and waits for their completions. False when
  // the sender stalled (the error is set) or was aborted mid-post: the loop ends.
  bool sendBatch(uint32_t n, int64_t now, bool warm, uint64_t burst) {
    stamp(n, warm, burst);
    const uint32_t nops = groupIntoPosts(n);
    const uint32_t done = postAll(nops);
    countPosted(done, warm, now);
    gate_.release();
    // Before the slots are rewritten, every send from them must have completed.
    const bool drained = reaper_.drain(plan_.stall_timeout_ns, abort_);
    uncountFailed(warm);
    if (!drained || done < nops) {
      // An abort (stop or interrupt) ends the loop too, but it is not a stall.
      if (result_.error.empty() && !abort_.load(std::memory_order_relaxed)) {
        result_.error = "sender stalled: no send progress for " +
                        std::to_string(plan_.stall_timeout_ns / 1'000'000) + " ms on " + conn_.describe();
      }
      return false;
    }
    return true;
  }

  // Rewrites the per-message fields of the first n slots (payload and CRC too when checked).
  void stamp(uint32_t n, bool warm, uint64_t burst) {
    const uint32_t seq = seq_;  // locals: the byte stores below may alias any member
    const uint64_t sent_in_burst = sent_in_burst_;
    const int64_t ts = wallNowNs();
    if (result_.first_send_wall_ns == 0) result_.first_send_wall_ns = ts;
    const uint8_t flags = static_cast<uint8_t>(base_flags_ | (warm ? measure::kFlagWarmup : 0));
    for (uint32_t i = 0; i < n; ++i) {
      std::byte* m = buf_.slot(i);
      uint8_t f = flags;
      if (bursts_ && sent_in_burst + i + 1 == msgs_per_burst_) f |= measure::kFlagLastInBurst;
      measure::patchWireFlags(m, f);
      measure::patchWireSeq(m, seq + i);
      measure::patchWireTag(m, static_cast<uint32_t>(burst));
      measure::patchWireTimestamp(m, ts);
      if (plan_.payload_check) {
        auto payload = std::span<std::byte>(m + measure::kWireHeaderSize, plan_.size - measure::kWireHeaderSize);
        measure::fillPayload(payload, plan_.flow_id, seq + i);
        measure::WireHeader h{.flags = f, .flow_id = plan_.flow_id, .seq = seq + i,
                              .tag = static_cast<uint32_t>(burst), .check = measure::crc32c(payload), .send_ts_ns = ts};
        measure::encodeWireHeader(h, m);
      }
    }
  }

  // Groups the first n slots into posts of up to shape_.per_op messages; returns the count.
  uint32_t groupIntoPosts(uint32_t n) {
    uint32_t nops = 0;
    for (uint32_t first = 0; first < n; first += shape_.per_op) {
      uint32_t count = std::min(shape_.per_op, n - first);
      SendOp& op = ops_[nops++];
      op.id = first;
      op.data = buf_.slot(first);
      op.length = count * plan_.size;
      op.segment_size = count > 1 ? plan_.size : 0;
      op.region = &buf_.region();
    }
    return nops;
  }

  // Posts ops_[0, nops), reaping completions on back-pressure; gives up on abort or after
  // stall_timeout_ns without progress. Returns how many posts went out.
  uint32_t postAll(uint32_t nops) {
    uint32_t done = 0;
    // The stall clock starts with this batch: at low rates the last post can be seconds old.
    last_progress_ = monoNowNs();
    while (done < nops) {
      size_t k = conn_.postSend(std::span<const SendOp>(ops_.data() + done, nops - done));
      reaper_.posted(k);
      done += static_cast<uint32_t>(k);
      if (done < nops) {
        ++result_.backpressure;
        reaper_.reap(100'000);
        if (abort_.load(std::memory_order_relaxed)) break;
        if (monoNowNs() - last_progress_ > plan_.stall_timeout_ns) break;
      }
      if (k > 0) last_progress_ = monoNowNs();
    }
    return done;
  }

  // Counts the messages of the first `done` posts as sent, and charges them to the pacer.
  void countPosted(uint32_t done, bool warm, int64_t now) {
    uint32_t posted_msgs = 0;
    for (uint32_t i = 0; i < done; ++i) posted_msgs += ops_[i].segment_size ? ops_[i].length / plan_.size : 1;
    seq_ += posted_msgs;
    sent_in_burst_ += posted_msgs;
    result_.packets += posted_msgs;
    result_.bytes += static_cast<uint64_t>(posted_msgs) * plan_.size;
    if (!warm) {
      measured_posted_ += posted_msgs;
      result_.measured_packets += posted_msgs;
      result_.measured_bytes += static_cast<uint64_t>(posted_msgs) * plan_.size;
    }
    pacer_.consume(plan_.size, posted_msgs, now);
  }

  // Takes the messages of this batch's failed sends back out of the sent counts (countPosted
  // counted them when posted): they are send_error_packets, not sent (issue 19).
  void uncountFailed(bool warm) {
    for (const auto& f : reaper_.failed()) {
      const size_t op = static_cast<size_t>(f.id / shape_.per_op);
      if (op >= ops_.size()) continue;
      const uint32_t length = ops_[op].length;
      const uint64_t unsent = (length - std::min(f.bytes_sent, length) + plan_.size - 1) / plan_.size;
      const uint64_t msgs = std::min<uint64_t>(unsent, result_.packets);
      result_.send_error_packets += msgs;
      result_.packets -= msgs;
      result_.bytes -= std::min<uint64_t>(result_.bytes, msgs * plan_.size);
      if (!warm) {
        result_.measured_packets -= std::min(result_.measured_packets, msgs);
        result_.measured_bytes -= std::min<uint64_t>(result_.measured_bytes, msgs * plan_.size);
      }
    }
    reaper_.failed().clear();
  }

  void finish(int64_t stopped_at) {
    if (stopped_at == 0) stopped_at = monoNowNs();
    result_.measured_ns = std::max<int64_t>(0, stopped_at - measured_start_);
    if (result_.measured_ns > 0) {
      result_.achieved_bps = static_cast<double>(result_.measured_bytes) * 8e9 / static_cast<double>(result_.measured_ns);
      result_.achieved_pps = static_cast<double>(result_.measured_packets) * 1e9 / static_cast<double>(result_.measured_ns);
    }
  }

  transport::Connection& conn_;
  const SendPlan& plan_;
  const std::atomic<bool>& abort_;
  SenderResult result_;
  const BatchShape shape_;
  const uint32_t batch_msgs_;
  MessageBuffer buf_;
  const uint8_t base_flags_;
  const bool bursts_;
  const uint64_t msgs_per_burst_;  // 0 unless bursts_
  const int64_t start_;
  const double gap_ns_;
  const uint32_t quantum_;
  pacing::Pacer pacer_;
  const int64_t measured_start_;
  const int64_t end_;
  StartGate gate_;
  CompletionReaper reaper_;
  std::vector<SendOp> ops_;
  uint32_t seq_ = 0;
  uint64_t last_burst_ = UINT64_MAX;
  uint64_t sent_in_burst_ = 0;
  uint64_t measured_posted_ = 0;  // measured-phase messages posted, failed ones too: `iterations` counts these
  int64_t last_progress_ = 0;
};

}  // namespace

SenderResult runSender(transport::Connection& conn, const transport::TransportProperties& props,
                       const SendPlan& plan, const std::atomic<bool>& abort) {
  SenderResult r = StreamSender(conn, props, plan, abort).run();
  r.tcp = conn.tcpInfo();
  return r;
}

}  // namespace fabcheck::engine
