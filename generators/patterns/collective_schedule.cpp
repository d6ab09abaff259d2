#include "generators/patterns/collective_schedule.h"

#include <algorithm>
#include <string>

#include "generators/core/errors.h"

namespace fabcheck::patterns {
namespace {

struct Piece {
  uint64_t offset = 0;
  uint64_t bytes = 0;
};

// Piece i of `len` bytes at `base` divided into `parts` nearly equal pieces.
Piece piece(uint64_t base, uint64_t len, uint64_t parts, uint64_t i) noexcept {
  const uint64_t q = len / parts, r = len % parts;
  return {base + i * q + std::min(i, r), q + (i < r ? 1 : 0)};
}

uint64_t ceilDiv(uint64_t a, uint64_t b) noexcept { return (a + b - 1) / b; }

// Adds a transfer to/from `peer`, split over the channels (empty parts omitted).
class Emitter {
 public:
  Emitter(RankSchedule& out, uint32_t channels) : out_(out), channels_(channels) {}
  void send(int peer, Piece p) { emit(peer, p, true); }
  void recv(int peer, Piece p) { emit(peer, p, false); }
  void step() { out_.beginStep(); }

 private:
  void emit(int peer, Piece p, bool is_send) {
    for (uint32_t c = 0; c < channels_; ++c) {
      const Piece part = piece(p.offset, p.bytes, channels_, c);
      if (part.bytes == 0) continue;
      const CollectiveTransfer t{static_cast<uint32_t>(peer), c, part.bytes, part.offset};
      if (is_send) out_.addSend(t);
      else out_.addRecv(t);
    }
  }
  RankSchedule& out_;
  uint32_t channels_;
};

// Ring kinds run as rounds over slices of the buffer, each slice split in n pieces.
uint64_t ringRounds(const CollectiveParams& p, int n) {
  if (p.chunk_bytes == 0) return 1;
  return std::max<uint64_t>(1, ceilDiv(p.size_bytes, p.chunk_bytes * static_cast<uint64_t>(n)));
}

int mod(int a, int n) { return ((a % n) + n) % n; }

void buildRing(const CollectiveParams& p, int n, int r, Emitter& e) {
  const int next = (r + 1) % n, prev = mod(r - 1, n);
  const uint64_t rounds = ringRounds(p, n), un = static_cast<uint64_t>(n);
  for (uint64_t k = 0; k < rounds; ++k) {
    const Piece slice = piece(0, p.size_bytes, rounds, k);
    auto chunk = [&](int i) { return piece(slice.offset, slice.bytes, un, static_cast<uint64_t>(mod(i, n))); };
    switch (p.kind) {
      case CollectiveKind::kAllReduce:  // reduce-scatter then all-gather: 2(n−1) steps
        for (int s = 0; s < 2 * (n - 1); ++s) {
          e.step();
          e.send(next, chunk(r - s));
          e.recv(prev, chunk(r - s - 1));
        }
        break;
      case CollectiveKind::kReduceScatter:
        for (int s = 0; s < n - 1; ++s) {
          e.step();
          e.send(next, chunk(r - s - 1));
          e.recv(prev, chunk(r - s - 2));
        }
        break;
      case CollectiveKind::kAllGather:
        for (int s = 0; s < n - 1; ++s) {
          e.step();
          e.send(next, chunk(r - s));
          e.recv(prev, chunk(r - s - 1));
        }
        break;
      default:
        break;
    }
  }
}

// Broadcast as a pipelined chain root → root+1 → ... → root−1, in chunks.
void buildBroadcast(const CollectiveParams& p, int n, int r, Emitter& e) {
  const int pos = mod(r - static_cast<int>(p.root), n);
  const int next = (r + 1) % n, prev = mod(r - 1, n);
  const uint64_t chunks = p.chunk_bytes ? ceilDiv(p.size_bytes, p.chunk_bytes) : 1;
  auto chunk = [&](uint64_t c) { return piece(0, p.size_bytes, chunks, c); };
  const bool first = pos == 0, last = pos == n - 1;
  const uint64_t steps = (first || last) ? chunks : chunks + 1;
  for (uint64_t t = 0; t < steps; ++t) {
    e.step();
    if (first) e.send(next, chunk(t));
    else if (last) e.recv(prev, chunk(t));
    else {
      if (t < chunks) e.recv(prev, chunk(t));
      if (t >= 1) e.send(next, chunk(t - 1));
    }
  }
}

void buildAllToAll(const CollectiveParams& p, int n, int r, Emitter& e) {
  const uint64_t un = static_cast<uint64_t>(n), block = p.size_bytes / un;
  const uint64_t rounds = p.chunk_bytes ? std::max<uint64_t>(1, ceilDiv(block, p.chunk_bytes)) : 1;
  // Block j of my buffer goes to rank j; round k moves piece k of every block.
  auto part = [&](int j, uint64_t k) {
    const Piece b = piece(static_cast<uint64_t>(j) * block, block, rounds, k);
    return b;
  };
  for (uint64_t k = 0; k < rounds; ++k) {
    if (p.algorithm == CollectiveAlgorithm::kAllAtOnce) {
      e.step();
      for (int d = 1; d < n; ++d) e.send((r + d) % n, part((r + d) % n, k));
      for (int d = 1; d < n; ++d) e.recv(mod(r - d, n), part(r, k));
    } else {
      for (int d = 1; d < n; ++d) {
        e.step();
        e.send((r + d) % n, part((r + d) % n, k));
        e.recv(mod(r - d, n), part(r, k));
      }
    }
  }
}

// Rabenseifner with MPICH's fold: with p2 the largest power of two <= n and rem = n − p2, each
// even rank below 2·rem hands its whole slice to rank+1 and sits out; the p2 remaining ranks
// run recursive halving (reduce-scatter) then recursive doubling (all-gather); at the end the
// odd rank returns the slice to its even partner.
void buildRecHalvingDoubling(const CollectiveParams& p, int n, int r, Emitter& e) {
  int p2 = 1;
  while (p2 * 2 <= n) p2 *= 2;
  const int rem = n - p2;
  int levels = 0;
  while ((1 << levels) < p2) ++levels;
  const int q = r < 2 * rem ? (r % 2 == 0 ? -1 : r / 2) : r - rem;
  auto realRank = [&](int nq) { return nq < rem ? 2 * nq + 1 : nq + rem; };
  const uint64_t rounds = ringRounds(p, n);
  for (uint64_t k = 0; k < rounds; ++k) {
    const Piece slice = piece(0, p.size_bytes, rounds, k);
    if (q < 0) {
      e.step();
      e.send(r + 1, slice);
      e.step();
      e.recv(r + 1, slice);
      continue;
    }
    if (r < 2 * rem) {
      e.step();
      e.recv(r - 1, slice);
    }
    std::vector<Piece> regions{slice};
    for (int l = 0; l < levels; ++l) {
      const int partner = realRank(q ^ (p2 >> (l + 1)));
      const Piece cur = regions.back();
      const Piece lower{cur.offset, cur.bytes / 2};
      const Piece upper{cur.offset + cur.bytes / 2, cur.bytes - cur.bytes / 2};
      const bool keep_lower = (q & (p2 >> (l + 1))) == 0;
      e.step();
      e.send(partner, keep_lower ? upper : lower);
      e.recv(partner, keep_lower ? lower : upper);
      regions.push_back(keep_lower ? lower : upper);
    }
    for (int l = levels - 1; l >= 0; --l) {
      const int partner = realRank(q ^ (p2 >> (l + 1)));
      const Piece mine = regions[static_cast<size_t>(l) + 1], parent = regions[static_cast<size_t>(l)];
      const Piece other = mine.offset == parent.offset ? Piece{parent.offset + mine.bytes, parent.bytes - mine.bytes}
                                                       : Piece{parent.offset, parent.bytes - mine.bytes};
      e.step();
      e.send(partner, mine);
      e.recv(partner, other);
    }
    if (r < 2 * rem) {
      e.step();
      e.send(r - 1, slice);
    }
  }
}

int treePos(int n, int rank, int tree) {
  if (tree == 0) return rank + 1;
  return n % 2 == 0 ? n - rank : (rank + 1) % n + 1;
}
int treeRank(int n, int pos, int tree) {
  if (tree == 0) return pos - 1;
  return n % 2 == 0 ? n - pos : mod(pos - 2, n);
}

void treeChildren(int n, int pos, int out[2]) {
  const int b = pos & -pos;
  out[0] = b >= 2 ? pos - b / 2 : -1;
  int h = b / 2;
  while (h >= 1 && pos + h > n) h /= 2;
  out[1] = h >= 1 ? pos + h : -1;
}

int treeHeight(int n, int pos) {
  int kids[2];
  treeChildren(n, pos, kids);
  int h = 0;
  for (int k : kids) {
    if (k >= 0) h = std::max(h, 1 + treeHeight(n, k));
  }
  return h;
}

int treeRoot(int n) {
  int root = 1;
  while (root * 2 <= n) root *= 2;
  return root;
}

int treeDepth(int n, int pos) {
  int node = treeRoot(n), depth = 0, kids[2];
  while (node != pos) {
    treeChildren(n, node, kids);
    node = pos < node ? kids[0] : kids[1];
    ++depth;
  }
  return depth;
}

struct TreeEvent {
  uint64_t step;
  bool is_send;
  int peer;
  Piece piece;
};

// One tree of the double binary tree over the half `half`, pipelined in `chunks` chunks, on a
// global step clock shared by every rank and both trees (so the two trees run side by side
// without waiting on each other): a node of height h passes chunk c up at step c + h after
// receiving it from its children at step c + h − 1; the root (height H) turns it around at step
// c + H; a node at depth d receives it from its parent at step c + H + d − 1 and passes it down
// at step c + H + d. A receive is never in an earlier step than its send, so the schedule runs.
void treeHalfEvents(int n, int r, int tree, Piece half, uint64_t chunks, std::vector<TreeEvent>& out) {
  const TreeLinks links = treeLinks(n, r, tree);
  const int pos = treePos(n, r, tree);
  const uint64_t h = static_cast<uint64_t>(treeHeight(n, pos));
  const uint64_t H = static_cast<uint64_t>(treeHeight(n, treeRoot(n)));
  const uint64_t d = static_cast<uint64_t>(treeDepth(n, pos));
  for (uint64_t c = 0; c < chunks; ++c) {
    const Piece p = piece(half.offset, half.bytes, chunks, c);
    for (int child : links.children) {
      if (child < 0) continue;
      out.push_back({c + h - 1, false, child, p});  // up: reduce the children's chunk
      out.push_back({c + H + d, true, child, p});   // down: pass the result on
    }
    if (links.parent >= 0) {
      out.push_back({c + h, true, links.parent, p});
      out.push_back({c + H + d - 1, false, links.parent, p});
    }
  }
}

RankSchedule buildTree(const CollectiveParams& p, int n, int r) {
  const Piece a{0, p.size_bytes - p.size_bytes / 2}, b{a.bytes, p.size_bytes / 2};
  std::vector<TreeEvent> events;
  for (int tree = 0; tree < 2; ++tree) {
    const Piece half = tree == 0 ? a : b;
    if (half.bytes == 0) continue;
    const uint64_t chunks = p.chunk_bytes ? ceilDiv(half.bytes, p.chunk_bytes) : 1;
    treeHalfEvents(n, r, tree, half, chunks, events);
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const TreeEvent& x, const TreeEvent& y) { return x.step < y.step; });
  RankSchedule out;
  Emitter e(out, p.channels);
  uint64_t steps = 0;
  for (const auto& ev : events) {
    while (steps <= ev.step) {
      e.step();
      ++steps;
    }
    if (ev.is_send) e.send(ev.peer, ev.piece);
    else e.recv(ev.peer, ev.piece);
  }
  return out;
}

}  // namespace

uint64_t RankSchedule::bytesSent() const noexcept {
  uint64_t s = 0;
  for (const auto& t : sends_) s += t.bytes;
  return s;
}

uint64_t RankSchedule::bytesReceived() const noexcept {
  uint64_t s = 0;
  for (const auto& t : recvs_) s += t.bytes;
  return s;
}

void RankSchedule::beginStep() {
  send_begin_.push_back(send_begin_.back());
  recv_begin_.push_back(recv_begin_.back());
}

void RankSchedule::reserve(size_t steps, size_t sends, size_t recvs) {
  send_begin_.reserve(steps + 1);
  recv_begin_.reserve(steps + 1);
  sends_.reserve(sends);
  recvs_.reserve(recvs);
}

TreeLinks treeLinks(int n, int rank, int tree) {
  TreeLinks out;
  if (n < 1 || rank < 0 || rank >= n) return out;
  const int pos = treePos(n, rank, tree);
  int kids[2];
  treeChildren(n, pos, kids);
  for (int i = 0; i < 2; ++i) out.children[i] = kids[i] < 0 ? -1 : treeRank(n, kids[i], tree);
  int node = treeRoot(n);
  while (node != pos) {  // walk down from the root; the last node passed is the parent
    treeChildren(n, node, kids);
    const int next = pos < node ? kids[0] : kids[1];
    if (next < 0) return out;  // unreachable for a valid tree
    out.parent = treeRank(n, node, tree);
    node = next;
  }
  return out;
}

CollectiveSchedule::CollectiveSchedule(const CollectiveParams& params, int ranks)
    : params_(params), ranks_(ranks) {
  validate(params_, ranks_);
}

RankSchedule CollectiveSchedule::rank(int r) const {
  if (r < 0 || r >= ranks_) {
    throw ConfigError("collective rank " + std::to_string(r) + ": expected 0.." + std::to_string(ranks_ - 1));
  }
  const CollectiveParams& p = params_;
  if (p.algorithm == CollectiveAlgorithm::kTree) return buildTree(p, ranks_, r);
  RankSchedule out;
  Emitter e(out, p.channels);
  switch (p.kind) {
    case CollectiveKind::kAllToAll: {
      const size_t per_step = p.algorithm == CollectiveAlgorithm::kAllAtOnce ? static_cast<size_t>(ranks_ - 1) : 1;
      const size_t steps = static_cast<size_t>(ranks_ - 1) / per_step;
      out.reserve(steps, static_cast<size_t>(ranks_ - 1) * p.channels, static_cast<size_t>(ranks_ - 1) * p.channels);
      buildAllToAll(p, ranks_, r, e);
      break;
    }
    case CollectiveKind::kBroadcast: buildBroadcast(p, ranks_, r, e); break;
    default:
      if (p.algorithm == CollectiveAlgorithm::kRecHalvingDoubling) buildRecHalvingDoubling(p, ranks_, r, e);
      else buildRing(p, ranks_, r, e);
  }
  return out;
}

std::string CollectiveSchedule::algorithmRun() const {
  if (params_.kind == CollectiveKind::kBroadcast) return "pipeline";  // buildBroadcast, whatever the suite said
  if (params_.kind == CollectiveKind::kAllToAll) return std::string(toString(params_.algorithm));
  switch (params_.algorithm) {
    case CollectiveAlgorithm::kTree: return "tree";
    case CollectiveAlgorithm::kRecHalvingDoubling:
      return (ranks_ & (ranks_ - 1)) == 0 ? "rec_halving_doubling" : "rec_halving_doubling_folded";
    default: return "ring";  // buildRing
  }
}

std::vector<CollectiveFlow> CollectiveSchedule::flows() const {
  std::vector<CollectiveFlow> out;
  const uint32_t n = static_cast<uint32_t>(ranks_);
  if (params_.kind == CollectiveKind::kAllToAll) {
    // Every ordered pair; channels carrying nothing (blocks smaller than the channel count)
    // are omitted as the schedule omits them.
    const uint64_t block = params_.size_bytes / n;
    const uint32_t used = static_cast<uint32_t>(std::min<uint64_t>(params_.channels, block));
    out.reserve(static_cast<size_t>(n) * (n - 1) * used);
    for (uint32_t s = 0; s < n; ++s) {
      for (uint32_t d = 0; d < n; ++d) {
        if (d == s) continue;
        for (uint32_t c = 0; c < used; ++c) out.push_back({s, d, c});
      }
    }
    return out;
  }
  for (int r = 0; r < ranks_; ++r) {
    const RankSchedule rs = rank(r);
    const size_t first = out.size();
    for (const auto& t : rs.allSends()) out.push_back({static_cast<uint32_t>(r), t.peer, t.channel});
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
    out.erase(std::unique(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()), out.end());
  }
  return out;
}

int64_t flowIndex(std::span<const CollectiveFlow> flows, const CollectiveFlow& f) noexcept {
  const auto it = std::lower_bound(flows.begin(), flows.end(), f);
  if (it == flows.end() || *it != f) return -1;
  return it - flows.begin();
}

}  // namespace fabcheck::patterns
