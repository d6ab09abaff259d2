// runOneSidedBw (one_sided_bw.h).
#include "generators/engine/one_sided_bw.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "generators/core/clock.h"

namespace fabcheck::engine {
namespace {

using transport::Completion;
using transport::OpStatus;
using transport::SendOp;

constexpr size_t kPostBatch = 32;
constexpr int64_t kPollWaitNs = 1'000'000;

const char* statusText(OpStatus s) {
  switch (s) {
    case OpStatus::kOk: return "ok";
    case OpStatus::kTruncated: return "truncated";
    case OpStatus::kError: return "error";
    case OpStatus::kFlushed: return "flushed";
    case OpStatus::kUnsupported: return "unsupported";
  }
  return "?";
}

std::string checkSetUp(const transport::Connection& conn, const transport::MemoryRegion& local,
                       const OneSidedPlan& plan) {
  const auto remote = conn.remoteRegion();
  if (plan.opcode != transport::Opcode::kWrite && plan.opcode != transport::Opcode::kRead) {
    return "one-sided bandwidth needs opcode write or read";
  }
  if (!remote) return conn.describe() + ": the peer exposed no memory for one-sided ops (remoteRegion is empty)";
  if (plan.size == 0 || remote->size < plan.size) {
    return conn.describe() + ": remote region of " + std::to_string(remote->size) + " bytes cannot hold a " +
           std::to_string(plan.size) + "-byte op";
  }
  if (local.size < plan.size) {
    return "local buffer of " + std::to_string(local.size) + " bytes cannot hold a " + std::to_string(plan.size) +
           "-byte op";
  }
  if (plan.depth == 0) return "depth 0: at least one op must be in flight";
  if ((plan.duration_ns > 0) == (plan.iterations > 0)) return "give a duration or an iteration count, exactly one";
  return "";
}

// The state of one run: what is posted, what completed, when.
class Run {
 public:
  Run(transport::Connection& conn, const transport::MemoryRegion& local, const OneSidedPlan& plan)
      : conn_(conn), local_(local), remote_(*conn.remoteRegion()), plan_(plan),
        remote_slots_(remote_.size / plan.size), local_slots_(local.size / plan.size) {}

  OneSidedResult go(const std::atomic<bool>& abort) {
    start_ns_ = last_progress_ns_ = monoNowNs();
    const int64_t end_ns = plan_.duration_ns > 0 ? start_ns_ + plan_.duration_ns : 0;
    while (r_.error.empty()) {
      const bool posting = !abort.load(std::memory_order_relaxed) && (end_ns == 0 ? posted_ < plan_.iterations
                                                                                    : monoNowNs() < end_ns);
      if (!posting && in_flight_ == 0) break;
      if (posting) post();
      reap(!posting || in_flight_ >= plan_.depth);
    }
    r_.elapsed_ns = last_completion_ns_ > start_ns_ ? last_completion_ns_ - start_ns_ : 0;
    if (!r_.error.empty()) drain();
    return std::move(r_);
  }

 private:
  void post() {
    std::array<SendOp, kPostBatch> ops;
    const uint64_t room = plan_.depth - in_flight_;
    const uint64_t left = plan_.iterations > 0 ? plan_.iterations - posted_ : room;
    const size_t n = static_cast<size_t>(std::min<uint64_t>({room, left, kPostBatch}));
    for (size_t k = 0; k < n; ++k) {
      const uint64_t i = posted_ + k;
      SendOp& op = ops[k];
      op = SendOp{};
      op.id = i;
      op.opcode = plan_.opcode;
      op.length = plan_.size;
      op.region = &local_;
      op.data = local_.data + (i % local_slots_) * plan_.size;
      op.remote_addr = reinterpret_cast<uint64_t>(remote_.data) + (i % remote_slots_) * plan_.size;
      op.remote_key = remote_.remote_key;
    }
    const size_t accepted = n == 0 ? 0 : conn_.postSend(std::span<const SendOp>(ops.data(), n));
    posted_ += accepted;
    in_flight_ += accepted;
    r_.max_in_flight = std::max(r_.max_in_flight, static_cast<uint32_t>(in_flight_));
  }

  // After an error: the ops still posted complete (a failed QP flushes them) before the caller
  // may release their buffers; their statuses no longer count. Bounded by the stall timeout.
  void drain() {
    std::array<Completion, kPostBatch> done;
    int64_t last = monoNowNs();
    while (in_flight_ > 0 && monoNowNs() - last <= plan_.stall_timeout_ns) {
      const size_t n = conn_.poll(done, kPollWaitNs);
      in_flight_ -= std::min<uint64_t>(n, in_flight_);
      if (n > 0) last = monoNowNs();
    }
  }

  void reap(bool wait) {
    std::array<Completion, kPostBatch> done;
    const size_t n = in_flight_ == 0 ? 0 : conn_.poll(done, wait ? kPollWaitNs : 0);
    const int64_t now = monoNowNs();
    for (size_t k = 0; k < n; ++k) {  // after an error the rest are reaped, not counted
      if (r_.error.empty()) complete(done[k], now);
      else if (in_flight_ > 0) --in_flight_;
    }
    if (n > 0) last_progress_ns_ = now;
    if (in_flight_ > 0 && now - last_progress_ns_ > plan_.stall_timeout_ns && r_.error.empty()) {
      r_.error = conn_.describe() + ": no completion for " + std::to_string(plan_.stall_timeout_ns / kNsPerMs) +
                 " ms with " + std::to_string(in_flight_) + " ops in flight";
    }
  }

  void complete(const Completion& c, int64_t now) {
    if (in_flight_ > 0) --in_flight_;
    if (c.status != OpStatus::kOk) {
      r_.error = conn_.describe() + ": op " + std::to_string(c.id) + " completed with status " +
                 statusText(c.status) + (c.error ? std::string(" (") + std::strerror(c.error) + ")" : "");
      return;
    }
    ++r_.ops;
    r_.bytes += plan_.size;
    last_completion_ns_ = now;
    if (plan_.interval_ns > 0) {
      const auto slot = static_cast<size_t>((now - start_ns_) / plan_.interval_ns);
      if (r_.interval_bytes.size() <= slot) r_.interval_bytes.resize(slot + 1, 0);
      r_.interval_bytes[slot] += plan_.size;
    }
  }

  transport::Connection& conn_;
  const transport::MemoryRegion& local_;
  const transport::MemoryRegion remote_;
  const OneSidedPlan plan_;
  const uint64_t remote_slots_, local_slots_;
  uint64_t posted_ = 0, in_flight_ = 0;
  int64_t start_ns_ = 0, last_progress_ns_ = 0, last_completion_ns_ = 0;
  OneSidedResult r_;
};

}  // namespace

OneSidedResult runOneSidedBw(transport::Connection& conn, const transport::MemoryRegion& local,
                             const OneSidedPlan& plan, const std::atomic<bool>& abort) {
  if (std::string why = checkSetUp(conn, local, plan); !why.empty()) {
    OneSidedResult r;
    r.error = std::move(why);
    return r;
  }
  return Run(conn, local, plan).go(abort);
}

}  // namespace fabcheck::engine
