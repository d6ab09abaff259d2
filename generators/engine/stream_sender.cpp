#include "generators/engine/stream_sender.h"

#include <sched.h>
#include <sys/prctl.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "generators/core/clock.h"
#include "generators/engine/message_buffer.h"
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
constexpr int64_t kStartSpinNs = 1'000'000;

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
        if (result_.error.empty()) {
          result_.error = c.status == OpStatus::kError ? std::string("send failed: ") + std::strerror(c.error)
                                                       : "send completed with status " + std::to_string(static_cast<int>(c.status));
        }
      }
    }
  }

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
};

}  // namespace

SenderResult runSender(transport::Connection& conn, const transport::TransportProperties& props,
                       const SendPlan& plan, const std::atomic<bool>& abort) {
  SenderResult result;
  result.flow_id = plan.flow_id;
  result.target_bps = plan.rate_bps;
  result.target_pps = plan.rate_pps;

  const BatchShape shape = shapeFor(props, plan.size);
  const uint32_t batch_msgs = shape.per_op * shape.ops;
  MessageBuffer buf(conn, plan.size, batch_msgs);
  const uint8_t base_flags = plan.payload_check ? measure::kFlagPayloadCheck : 0;
  for (uint32_t i = 0; i < batch_msgs; ++i) {
    measure::encodeWireHeader(measure::WireHeader{.flags = base_flags, .flow_id = plan.flow_id}, buf.slot(i));
  }

  const bool bursts = plan.burst_bytes > 0 && plan.burst_interval_ns > 0;
  const uint64_t msgs_per_burst = bursts ? std::max<uint64_t>(1, plan.burst_bytes / plan.size) : 0;
  const int64_t start = plan.start_mono_ns > 0 ? plan.start_mono_ns : monoNowNs();
  pacing::PacerConfig pc;
  pc.rate_bps = plan.rate_bps;
  pc.rate_pps = plan.rate_pps;
  if (bursts) {
    pc.burst_bytes = msgs_per_burst * plan.size;
    pc.burst_interval_ns = plan.burst_interval_ns;
  }
  pc.start_ns = start;
  // Messages per wake-up: at high rates waking for every message costs more than the gap
  // between messages, so wait until ~kQuantumNs worth is eligible and send those together.
  const double gap_ns = messageGapNs(plan, plan.size);
  const uint32_t quantum = gap_ns > 0 ? std::clamp<uint32_t>(static_cast<uint32_t>(kQuantumNs / gap_ns), 1, batch_msgs) : 1;
  // A bucket of kBucketNs of the rate: a sender preempted for less than that catches up, so the
  // long-run rate holds on a busy host; the catch-up burst is bounded by the bucket.
  if (plan.rate_bps > 0) {
    pc.bucket_bytes = std::max<uint64_t>({64 * 1024, static_cast<uint64_t>(plan.rate_bps / 8 * kBucketNs / 1e9),
                                          2ull * quantum * plan.size});
  } else if (plan.rate_pps > 0) {
    pc.bucket_bytes = std::max<uint64_t>(64, static_cast<uint64_t>(plan.rate_pps * kBucketNs / 1e9)) * plan.size;
  }
  pacing::Pacer pacer(pc);

  const int64_t measured_start = start + plan.warmup_ns;
  const int64_t end = plan.duration_ns > 0 ? measured_start + plan.duration_ns : INT64_MAX;
  // Spin the last 1 ms before the start: waking from a sleep costs tens to hundreds of us (more
  // under a hypervisor) and varies by thread, which would show as start skew between senders.
  cpu_set_t saved_cpus;
  bool pinned = false;
  if (start > monoNowNs()) {
    ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);  // wake at the deadline, not up to 50 us later
    // Spinners that share a CPU take turns a scheduler slice apart: spread the senders of a
    // synchronised start over the allowed CPUs (by flow id) for the spin, then let go.
    if (sched_getaffinity(0, sizeof saved_cpus, &saved_cpus) == 0 && CPU_COUNT(&saved_cpus) > 1) {
      int nth = static_cast<int>(plan.flow_id % static_cast<uint32_t>(CPU_COUNT(&saved_cpus)));
      for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (!CPU_ISSET(c, &saved_cpus) || nth-- > 0) continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(c, &one);
        pinned = sched_setaffinity(0, sizeof one, &one) == 0;
        break;
      }
    }
    pacing::waitUntil(start, kStartSpinNs);
  }

  CompletionReaper reaper(conn, result);
  std::vector<SendOp> ops(shape.ops);
  uint32_t seq = 0;
  uint64_t last_burst = UINT64_MAX;
  uint64_t sent_in_burst = 0;
  int64_t last_progress = monoNowNs();
  int64_t stopped_at = 0;

  while (!abort.load(std::memory_order_relaxed)) {
    int64_t now = monoNowNs();
    if (now >= end) { stopped_at = end; break; }
    const bool warm = now < measured_start;
    if (plan.iterations > 0 && !warm && result.measured_packets >= plan.iterations) { stopped_at = now; break; }

    uint32_t n = pacer.allowance(plan.size, batch_msgs, now);
    uint64_t burst = 0;
    if (bursts) {
      burst = pacer.burstIndex(now);
      if (burst != last_burst) {
        last_burst = burst;
        sent_in_burst = 0;
        ++result.bursts;
      }
      n = static_cast<uint32_t>(std::min<uint64_t>(n, msgs_per_burst - std::min(msgs_per_burst, sent_in_burst)));
    }
    if (!warm && plan.iterations > 0) {
      n = static_cast<uint32_t>(std::min<uint64_t>(n, plan.iterations - result.measured_packets));
    }
    if (warm) {  // do not let a batch straddle the start of the measured phase by much
      n = std::min<uint32_t>(n, batch_msgs);
    }
    if (n < quantum && !bursts && !(plan.iterations > 0 && !warm && plan.iterations - result.measured_packets < quantum)) {
      // Wait for a whole quantum (the schedule keeps the long-run rate exact either way).
      int64_t next = pacer.eligibleAt(plan.size, now) + static_cast<int64_t>((quantum - 1 - std::min(n, quantum - 1)) * gap_ns);
      if (n > 0) next = now + static_cast<int64_t>((quantum - n) * gap_ns);
      pacing::waitUntil(std::min(next, end));
      reaper.reap(0);
      continue;
    }
    if (n == 0) {
      int64_t next = pacer.eligibleAt(plan.size, now);
      if (bursts && next <= now) next = now + 1'000;  // burst already full: wait for the next period
      pacing::waitUntil(std::min(next, end));
      reaper.reap(0);
      continue;
    }

    // Rewrite the per-message fields of n slots.
    const int64_t ts = wallNowNs();
    if (result.first_send_wall_ns == 0) result.first_send_wall_ns = ts;
    const uint8_t flags = static_cast<uint8_t>(base_flags | (warm ? measure::kFlagWarmup : 0));
    for (uint32_t i = 0; i < n; ++i) {
      std::byte* m = buf.slot(i);
      uint8_t f = flags;
      if (bursts && sent_in_burst + i + 1 == msgs_per_burst) f |= measure::kFlagLastInBurst;
      measure::patchWireFlags(m, f);
      measure::patchWireSeq(m, seq + i);
      measure::patchWireTag(m, static_cast<uint32_t>(burst));
      measure::patchWireTimestamp(m, ts);
      if (plan.payload_check) {
        auto payload = std::span<std::byte>(m + measure::kWireHeaderSize, plan.size - measure::kWireHeaderSize);
        measure::fillPayload(payload, plan.flow_id, seq + i);
        measure::WireHeader h{.flags = f, .flow_id = plan.flow_id, .seq = seq + i,
                              .tag = static_cast<uint32_t>(burst), .check = measure::crc32c(payload), .send_ts_ns = ts};
        measure::encodeWireHeader(h, m);
      }
    }
    // Group them into posts.
    uint32_t nops = 0;
    for (uint32_t first = 0; first < n; first += shape.per_op) {
      uint32_t count = std::min(shape.per_op, n - first);
      SendOp& op = ops[nops++];
      op.id = first;
      op.data = buf.slot(first);
      op.length = count * plan.size;
      op.segment_size = count > 1 ? plan.size : 0;
      op.region = &buf.region();
    }
    uint32_t done = 0;
    while (done < nops) {
      size_t k = conn.postSend(std::span<const SendOp>(ops.data() + done, nops - done));
      reaper.posted(k);
      done += static_cast<uint32_t>(k);
      if (done < nops) {
        ++result.backpressure;
        reaper.reap(100'000);
        if (abort.load(std::memory_order_relaxed)) break;
        if (monoNowNs() - last_progress > plan.stall_timeout_ns) break;
      }
      if (k > 0) last_progress = monoNowNs();
    }
    // Count what was actually posted.
    uint32_t posted_msgs = 0;
    for (uint32_t i = 0; i < done; ++i) posted_msgs += ops[i].segment_size ? ops[i].length / plan.size : 1;
    seq += posted_msgs;
    sent_in_burst += posted_msgs;
    result.packets += posted_msgs;
    result.bytes += static_cast<uint64_t>(posted_msgs) * plan.size;
    if (!warm) {
      result.measured_packets += posted_msgs;
      result.measured_bytes += static_cast<uint64_t>(posted_msgs) * plan.size;
    }
    pacer.consume(plan.size, posted_msgs, now);
    if (pinned) {  // the synchronised first send is out: free to move again
      sched_setaffinity(0, sizeof saved_cpus, &saved_cpus);
      pinned = false;
    }
    // Before the slots are rewritten, every send from them must have completed.
    if (!reaper.drain(plan.stall_timeout_ns, abort) || done < nops) {
      if (result.error.empty()) {
        result.error = "sender stalled: no send progress for " +
                       std::to_string(plan.stall_timeout_ns / 1'000'000) + " ms on " + conn.describe();
      }
      break;
    }
  }
  if (stopped_at == 0) stopped_at = monoNowNs();
  result.measured_ns = std::max<int64_t>(0, stopped_at - measured_start);
  if (result.measured_ns > 0) {
    result.achieved_bps = static_cast<double>(result.measured_bytes) * 8e9 / static_cast<double>(result.measured_ns);
    result.achieved_pps = static_cast<double>(result.measured_packets) * 1e9 / static_cast<double>(result.measured_ns);
  }
  return result;
}

}  // namespace fabcheck::engine
