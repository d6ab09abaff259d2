#include "generators/engine/collective_executor.h"

#include <poll.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/engine/collective_link.h"

namespace fabcheck::engine {
namespace {

constexpr int64_t kBlockPollNs = 100'000;   // how long to block on one link when nothing moved
constexpr int64_t kAbortCheckNs = 1'000'000;

using Key = std::pair<int, uint32_t>;  // (peer, channel)

}  // namespace

// The plan of one rank's steps; named (not anonymous) because Impl, declared in the header, holds them.
namespace executor_steps {
struct StepSend {
  size_t link;
  uint64_t offset, bytes;
};
struct StepRecv {
  size_t link;
  uint64_t target;  // cumulative bytes on the link within the iteration, through this step
};
}  // namespace executor_steps
using executor_steps::StepRecv;
using executor_steps::StepSend;

class CollectiveExecutor::Impl {
 public:
  Impl(const patterns::CollectiveSchedule& schedule, const CollectiveRunPlan& plan, const std::atomic<bool>& abort)
      : plan_(plan), abort_(abort), rs_(schedule.rank(plan.rank)) {
    const auto& p = schedule.params();
    r_.rank = plan.rank;
    r_.ranks = schedule.ranks();
    r_.kind = std::string(patterns::toString(p.kind));
    r_.algorithm = schedule.algorithmRun();  // what this rank's schedule runs, not the suite's text
    r_.size_bytes = p.size_bytes;
    iterations_ = p.iterations;
    warmup_ = p.warmup_iterations;
    if (plan.message_bytes <= kCollectiveHeaderBytes || plan.message_bytes > (64u << 20)) {
      throw ConfigError("collective message size " + std::to_string(plan.message_bytes) + " bytes: expected " +
                        std::to_string(kCollectiveHeaderBytes + 1) + "..64 MiB (48 header bytes included)");
    }
    LinkIndex out_index, in_index;
    openLinks(baseLinkConfig(plan, p.payload_check), out_index, in_index);
    planSteps(out_index, in_index);
    r_.steps.resize(rs_.steps());
    collectWaitFds();
  }

  CollectiveRankResult run() {
    const uint64_t total = warmup_ + iterations_;
    for (uint64_t it = 0; it < total && r_.error.empty(); ++it) {
      const bool measured = it >= warmup_;
      const int64_t iter_start = monoNowNs();
      for (size_t s = 0; s < rs_.steps() && r_.error.empty(); ++s) {
        const int64_t t0 = monoNowNs();
        for (const auto& x : sends_[s]) out_[x.link]->enqueue(static_cast<uint32_t>(it), static_cast<uint32_t>(s), x.offset, x.bytes);
        int last_peer = -1;
        if (!waitStep(it, s, last_peer)) break;
        if (measured) {
          const int64_t dt = monoNowNs() - t0;
          auto& st = r_.steps[s];
          st.total_ns += dt;
          if (dt >= st.max_ns) {
            st.max_ns = dt;
            st.wait_peer = last_peer;
          }
        }
      }
      if (!r_.error.empty() || !waitAcked(it)) break;
      if (measured) {
        r_.iteration_ns.push_back(monoNowNs() - iter_start);
        ++r_.iterations;
      }
    }
    finish();
    return r_;
  }

  void linger(const std::atomic<bool>& release) {
    const int64_t end = monoNowNs() + plan_.linger_ns;
    while (!release.load(std::memory_order_acquire) && !abort_.load(std::memory_order_relaxed) && monoNowNs() < end) {
      pump(in_.empty() ? -1 : 0, -1);
      if (in_.empty()) {
        timespec ts{0, kBlockPollNs};
        nanosleep(&ts, nullptr);
      }
    }
  }

 private:
  static std::string describe(int peer, uint32_t channel, bool outgoing) {
    return std::string(outgoing ? "sends to" : "receives from") + " rank " + std::to_string(peer) + " channel " +
           std::to_string(channel);
  }

  using LinkIndex = std::map<Key, size_t>;  // (peer, channel) → index in out_ or in_

  // What every link of this rank shares: message size, window, buffers, timeouts, segmentation.
  static CollectiveLinkConfig baseLinkConfig(const CollectiveRunPlan& plan, bool payload_check) {
    CollectiveLinkConfig base;
    base.message_bytes = plan.message_bytes;
    size_t outgoing = 0;
    for (const auto& b : plan.links) outgoing += b.outgoing ? 1 : 0;
    const uint64_t window = std::min<uint64_t>(plan.window_bytes, kMaxWindowTotalBytes / std::max<size_t>(1, outgoing));
    base.window_segments = std::clamp<uint32_t>(static_cast<uint32_t>(window / plan.message_bytes), 2, 4096);
    // Coalescing receives take several messages at once: a GRO batch (64 KiB), or on a reliable
    // stream a larger share of a run.
    const uint32_t batch = plan.reliable_transport ? 256u << 10 : 65536u;
    base.recv_capacity = plan.coalescing ? std::max<uint32_t>(batch, plan.message_bytes + 1) : plan.message_bytes + 1;
    base.rto_ns = plan.rto_ns;
    base.max_rto_ns = plan.max_rto_ns;
    base.payload_check = payload_check;
    base.reliable_transport = plan.reliable_transport;
    if (plan.segmentation) {
      // Datagrams: one GSO super-datagram (under 64 KiB), so a loss costs one run. A reliable
      // byte stream (tcp): runs up to 1 MiB, one frame and one write each.
      base.max_post_bytes = plan.reliable_transport ? kReliableMaxPostBytes : 65000;
      base.max_segments_per_post =
          std::clamp<uint32_t>(base.max_post_bytes / plan.message_bytes, 1, plan.reliable_transport ? 1024 : 64);
    }
    return base;
  }

  // One send or receive link per binding, indexed by (peer, channel) for planSteps().
  void openLinks(const CollectiveLinkConfig& base, LinkIndex& out_index, LinkIndex& in_index) {
    for (const auto& b : plan_.links) {
      CollectiveLinkConfig c = base;
      c.flow_id = b.flow_id;
      c.peer = b.peer;
      c.channel = b.channel;
      c.rate_bps = b.outgoing ? b.rate_bps : 0;
      if (b.connection == nullptr) {
        throw ConfigError("collective rank " + std::to_string(plan_.rank) + ": link " + describe(b.peer, b.channel, b.outgoing) +
                          " has no connection");
      }
      if (b.outgoing) {
        out_index[{b.peer, b.channel}] = out_.size();
        out_.push_back(std::make_unique<CollectiveSendLink>(*b.connection, c));
      } else {
        in_index[{b.peer, b.channel}] = in_.size();
        in_.push_back(std::make_unique<CollectiveRecvLink>(*b.connection, c));
      }
    }
  }

  size_t linkFor(const LinkIndex& idx, const patterns::CollectiveTransfer& t, bool outgoing) const {
    const auto it = idx.find({static_cast<int>(t.peer), t.channel});
    if (it == idx.end()) {
      throw ConfigError("collective rank " + std::to_string(plan_.rank) + ": no connection for " +
                        describe(static_cast<int>(t.peer), t.channel, outgoing) + ", which the " + r_.kind + "/" +
                        r_.algorithm + " schedule needs");
    }
    return it->second;
  }

  // Each step's sends and receives on link indices. A step's receive target is the link's
  // cumulative bytes within the iteration through that step (several receives of one step on
  // one link merge); per_iter_in_ is each receive link's bytes per iteration.
  void planSteps(const LinkIndex& out_index, const LinkIndex& in_index) {
    std::vector<uint64_t> cum(in_.size(), 0);
    sends_.resize(rs_.steps());
    recvs_.resize(rs_.steps());
    for (size_t s = 0; s < rs_.steps(); ++s) {
      for (const auto& t : rs_.sends(s)) sends_[s].push_back({linkFor(out_index, t, true), t.offset, t.bytes});
      for (const auto& t : rs_.recvs(s)) {
        const size_t l = linkFor(in_index, t, false);
        cum[l] += t.bytes;
        auto& v = recvs_[s];
        const auto same = std::find_if(v.begin(), v.end(), [&](const StepRecv& x) { return x.link == l; });
        if (same != v.end()) same->target = cum[l];
        else v.push_back({l, cum[l]});
      }
    }
    per_iter_in_ = cum;
  }

  // Wait on every link at once when the transport says when to look (see pump()); only when
  // every link has a readiness descriptor.
  void collectWaitFds() {
    for (const auto& l : in_) wait_fds_.push_back({l->connection().readinessFd(), POLLIN, 0});
    for (const auto& l : out_) wait_fds_.push_back({l->connection().readinessFd(), POLLIN, 0});
    for (const auto& w : wait_fds_) {
      if (w.fd < 0) {
        wait_fds_.clear();
        break;
      }
    }
  }

  // One pass over every link; when nothing moved anywhere, waits briefly: for data or an ack
  // on any link when the transport gives readiness descriptors (a rank waiting for its step's
  // data still hears the acks that open its send window at once), else on `block` alone.
  void pump(int block_in, int block_out) {
    const int64_t now = monoNowNs();
    bool any = false;
    for (auto& l : in_) any |= l->progress(now, 0);
    for (auto& l : out_) any |= l->progress(now, 0);
    if (any) return;
    // A paced link wakes the rank when its pacer opens, not a whole poll later.
    int64_t wait_ns = kBlockPollNs;
    for (auto& l : out_) {
      if (const int64_t w = l->paceWaitNs(now); w > 0) wait_ns = std::min(wait_ns, w);
    }
    if (!wait_fds_.empty() && (block_in >= 0 || block_out >= 0)) {
      timespec ts{0, wait_ns};
      ::ppoll(wait_fds_.data(), wait_fds_.size(), &ts, nullptr);
      return;
    }
    if (block_in >= 0) in_[static_cast<size_t>(block_in)]->progress(now, wait_ns);
    else if (block_out >= 0) out_[static_cast<size_t>(block_out)]->progress(now, wait_ns);
  }

  bool checkAbort(uint64_t it, size_t s) {
    if (!abort_.load(std::memory_order_relaxed)) return false;
    r_.error = "collective rank " + std::to_string(plan_.rank) + ": aborted in iteration " + std::to_string(it) +
               " step " + std::to_string(s);
    return true;
  }

  int firstBusyOut() const {
    for (size_t i = 0; i < out_.size(); ++i) {
      if (!out_[i]->idle()) return static_cast<int>(i);
    }
    return -1;
  }

  bool waitStep(uint64_t it, size_t s, int& last_peer) {
    const auto& need = recvs_[s];
    std::vector<bool> done(need.size(), false);
    size_t remaining = need.size();
    const int64_t start = monoNowNs();
    int64_t next_abort_check = start;
    for (;;) {
      int block = -1;
      for (size_t i = 0; i < need.size(); ++i) {
        if (done[i]) continue;
        const size_t l = need[i].link;
        if (in_[l]->receivedBytes() >= it * per_iter_in_[l] + need[i].target) {
          done[i] = true;
          --remaining;
          last_peer = in_[l]->config().peer;
        } else if (block < 0) {
          block = static_cast<int>(l);
        }
      }
      if (remaining == 0) {
        // Keep the links moving once per step even when nothing is awaited (sends-only steps).
        pump(-1, -1);
        return true;
      }
      const int64_t now = monoNowNs();
      if (now >= next_abort_check) {
        if (checkAbort(it, s) || linkFailed(it)) return false;
        next_abort_check = now + kAbortCheckNs;
      }
      if (now - start > plan_.step_timeout_ns) {
        std::string missing;
        for (size_t i = 0; i < need.size(); ++i) {
          if (done[i]) continue;
          const auto& l = *in_[need[i].link];
          missing += (missing.empty() ? "" : ", ") + std::string("rank ") + std::to_string(l.config().peer) + " channel " +
                     std::to_string(l.config().channel) + " (" + std::to_string(l.receivedBytes() - it * per_iter_in_[need[i].link]) +
                     " of " + std::to_string(need[i].target) + " bytes this iteration)";
        }
        r_.error = "collective rank " + std::to_string(plan_.rank) + ": iteration " + std::to_string(it) + " step " +
                   std::to_string(s) + " did not complete within " + std::to_string(plan_.step_timeout_ns / kNsPerMs) +
                   " ms: still waiting for data from " + missing;
        return false;
      }
      pump(block, firstBusyOut());
    }
  }

  // A link whose connection failed ends the rank with the transport's words for it.
  bool linkFailed(uint64_t it) {
    for (const auto& l : out_) {
      if (l->error().empty()) continue;
      r_.error = "collective rank " + std::to_string(plan_.rank) + ": iteration " + std::to_string(it) + ": data to rank " +
                 std::to_string(l->config().peer) + " channel " + std::to_string(l->config().channel) + ": " + l->error();
      return true;
    }
    for (const auto& l : in_) {
      if (l->error().empty()) continue;
      r_.error = "collective rank " + std::to_string(plan_.rank) + ": iteration " + std::to_string(it) +
                 ": data from rank " + std::to_string(l->config().peer) + " channel " +
                 std::to_string(l->config().channel) + ": " + l->error();
      return true;
    }
    return false;
  }

  bool waitAcked(uint64_t it) {
    const int64_t start = monoNowNs();
    int64_t next_abort_check = start;
    for (;;) {
      const int busy = firstBusyOut();
      if (busy < 0) return true;
      const int64_t now = monoNowNs();
      if (now >= next_abort_check) {
        if (checkAbort(it, rs_.steps()) || linkFailed(it)) return false;
        next_abort_check = now + kAbortCheckNs;
      }
      if (now - start > plan_.step_timeout_ns) {
        const auto& l = *out_[static_cast<size_t>(busy)];
        r_.error = "collective rank " + std::to_string(plan_.rank) + ": iteration " + std::to_string(it) +
                   ": data to rank " + std::to_string(l.config().peer) + " channel " + std::to_string(l.config().channel) +
                   " not acknowledged within " + std::to_string(plan_.step_timeout_ns / kNsPerMs) + " ms (" +
                   std::to_string(l.stats().retransmissions) + " retransmissions, " + std::to_string(l.stats().timeouts) +
                   " timeouts, " + std::to_string(l.stats().send_errors) +
                   " send errors): the peer stopped receiving or the transport refuses the messages";
        return false;
      }
      pump(-1, busy);
    }
  }

  void finish() {
    for (const auto& l : out_) {
      r_.links.push_back(l->stats());
      r_.links.back().tcp = l->connection().tcpInfo();
    }
    for (const auto& l : in_) r_.links.push_back(l->stats());
    for (const auto& l : r_.links) {
      if (l.outgoing) r_.bytes_sent += l.bytes;
      else r_.bytes_received += l.bytes;
      r_.retransmissions += l.retransmissions;
      r_.timeouts += l.timeouts;
      r_.corrupted_bytes += l.corrupted_bytes;
    }
  }

  CollectiveRunPlan plan_;
  const std::atomic<bool>& abort_;
  patterns::RankSchedule rs_;
  uint64_t iterations_ = 0, warmup_ = 0;
  std::vector<std::unique_ptr<CollectiveSendLink>> out_;
  std::vector<std::unique_ptr<CollectiveRecvLink>> in_;
  std::vector<std::vector<StepSend>> sends_;
  std::vector<std::vector<StepRecv>> recvs_;
  std::vector<uint64_t> per_iter_in_;
  std::vector<pollfd> wait_fds_;  // every link's readiness descriptor; empty: wait on one link
  CollectiveRankResult r_;
};

std::vector<CollectiveLinkBinding> collectiveBindings(std::span<const patterns::CollectiveFlow> flows, int rank) {
  std::vector<CollectiveLinkBinding> out;
  const auto me = static_cast<uint32_t>(rank);
  for (size_t i = 0; i < flows.size(); ++i) {
    const auto& f = flows[i];
    if (f.sender == me) out.push_back({static_cast<int>(f.receiver), f.channel, true, static_cast<uint32_t>(i), nullptr});
    else if (f.receiver == me) out.push_back({static_cast<int>(f.sender), f.channel, false, static_cast<uint32_t>(i), nullptr});
  }
  return out;
}

CollectiveExecutor::CollectiveExecutor(const patterns::CollectiveSchedule& schedule, const CollectiveRunPlan& plan,
                                       const std::atomic<bool>& abort)
    : impl_(std::make_unique<Impl>(schedule, plan, abort)) {}

CollectiveExecutor::~CollectiveExecutor() = default;

CollectiveRankResult CollectiveExecutor::run() { return impl_->run(); }

void CollectiveExecutor::linger(const std::atomic<bool>& release) { impl_->linger(release); }

CollectiveRankResult runCollectiveRank(const patterns::CollectiveSchedule& schedule, const CollectiveRunPlan& plan,
                                       const std::atomic<bool>& abort) {
  return CollectiveExecutor(schedule, plan, abort).run();
}

}  // namespace fabcheck::engine
