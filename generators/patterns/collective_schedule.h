// Collective schedules: for n ranks, each rank's ordered steps of sends and receives (pure).
//
// Model (what the executor runs): at the start of step s a rank posts every send of step s;
// step s ends when every receive of step s has arrived; then step s+1 starts. So a send in step
// s depends on the receives of steps < s, exactly as the real algorithm's data dependencies
// (ring all-reduce: 2(n−1) steps, each sends one S/n piece to rank+1 and waits for the piece from
// rank−1, so one slow link slows the ring). A transfer names the peer, the channel (parallel
// flow of that neighbour pair), its bytes and its offset in the collective buffer. Transfers
// between one (sender, receiver, channel) are delivered in order; a receive of b bytes consumes
// the next b bytes of that flow, so a sender may run ahead of its receiver.
//
// Compactness: CollectiveSchedule holds only the parameters; rank(r) builds that rank's steps on
// demand (O(its own transfers)), so an agent builds only its own rank and the controller only
// needs flows(). A 1024-rank all-to-all plan: flows() is n(n−1)·channels 12-byte entries.
//
// Channels: every per-peer transfer of B bytes is split into `channels` transfers of
// B/channels (the first B%channels one byte more) on channels 0..channels−1; empty ones are
// omitted on both sides alike.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "generators/patterns/collective_params.h"

namespace fabcheck::patterns {

struct CollectiveTransfer {
  uint32_t peer = 0;
  uint32_t channel = 0;
  uint64_t bytes = 0;
  uint64_t offset = 0;  // in the collective buffer (informational: accounting, payload check)
  bool operator==(const CollectiveTransfer&) const = default;
};

// One rank's steps, stored flat (two arrays of transfers and step boundaries).
class RankSchedule {
 public:
  size_t steps() const noexcept { return send_begin_.size() - 1; }
  std::span<const CollectiveTransfer> sends(size_t step) const noexcept {
    return {sends_.data() + send_begin_[step], sends_.data() + send_begin_[step + 1]};
  }
  std::span<const CollectiveTransfer> recvs(size_t step) const noexcept {
    return {recvs_.data() + recv_begin_[step], recvs_.data() + recv_begin_[step + 1]};
  }
  std::span<const CollectiveTransfer> allSends() const noexcept { return sends_; }
  std::span<const CollectiveTransfer> allRecvs() const noexcept { return recvs_; }
  uint64_t bytesSent() const noexcept;
  uint64_t bytesReceived() const noexcept;

  // Building (used by the algorithms): open a step, then add its transfers.
  void beginStep();
  void addSend(const CollectiveTransfer& t) { sends_.push_back(t); ++send_begin_.back(); }
  void addRecv(const CollectiveTransfer& t) { recvs_.push_back(t); ++recv_begin_.back(); }
  void reserve(size_t steps, size_t sends, size_t recvs);

 private:
  std::vector<CollectiveTransfer> sends_, recvs_;
  std::vector<uint32_t> send_begin_{0}, recv_begin_{0};
};

// One connection a schedule needs: data flows sender → receiver on `channel`.
struct CollectiveFlow {
  uint32_t sender = 0;
  uint32_t receiver = 0;
  uint32_t channel = 0;
  auto operator<=>(const CollectiveFlow&) const = default;
};

class CollectiveSchedule {
 public:
  // Validates (validate(params, ranks); throws ConfigError).
  CollectiveSchedule(const CollectiveParams& params, int ranks);

  const CollectiveParams& params() const noexcept { return params_; }
  int ranks() const noexcept { return ranks_; }

  // The steps of `rank` (0 <= rank < ranks(); throws ConfigError otherwise).
  RankSchedule rank(int rank) const;

  // The algorithm rank() builds, named by what runs (not by the suite's spelling): "ring" (ring
  // all-reduce, reduce-scatter, all-gather), "pipeline" (broadcast: the chain root → root+1 → ...
  // in chunks, whether the suite said ring or pipeline), "tree" (double binary tree),
  // "rec_halving_doubling" (power-of-two ranks) or "rec_halving_doubling_folded" (MPICH's fold
  // of the extra ranks first), "pairwise", "all_at_once".
  std::string algorithmRun() const;

  // Every connection the schedule uses, sorted by (sender, receiver, channel), unique. The
  // controller creates one flow per entry; its index is the flow id.
  std::vector<CollectiveFlow> flows() const;

 private:
  CollectiveParams params_;
  int ranks_;
};

// Index of `f` in a sorted flows() vector, or -1 when the schedule does not use it.
int64_t flowIndex(std::span<const CollectiveFlow> flows, const CollectiveFlow& f) noexcept;

// Double binary tree (tree all-reduce): parent and children of `rank` in tree 0 or 1; -1 = none.
// Tree 0 is an in-order binary tree over positions 1..n (position = rank+1, root the largest
// power of two <= n); tree 1 is its mirror (n even) or shifted by one (n odd), so that the
// leaves of one tree are mostly interior nodes of the other (as NCCL's double binary tree).
struct TreeLinks {
  int parent = -1;
  int children[2] = {-1, -1};
};
TreeLinks treeLinks(int ranks, int rank, int tree);

}  // namespace fabcheck::patterns
