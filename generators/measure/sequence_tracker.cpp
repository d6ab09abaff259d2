#include "generators/measure/sequence_tracker.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"

namespace fabcheck::measure {

void to_json(nlohmann::json& j, const SequenceCounts& c) {
  j = nlohmann::json{{"received", c.received}, {"lost", c.lost},         {"reordered", c.reordered},
                     {"duplicate", c.duplicate}, {"late", c.late},       {"expected", c.expected},
                     {"highest_seq", c.highest_seq}, {"too_old", c.too_old}};
}

void from_json(const nlohmann::json& j, SequenceCounts& c) {
  j.at("received").get_to(c.received);
  j.at("lost").get_to(c.lost);
  j.at("reordered").get_to(c.reordered);
  j.at("duplicate").get_to(c.duplicate);
  j.at("late").get_to(c.late);
  j.at("expected").get_to(c.expected);
  j.at("highest_seq").get_to(c.highest_seq);
  j.at("too_old").get_to(c.too_old);
}

SequenceTracker::SequenceTracker(uint32_t reorder_window, uint32_t first_seq)
    : window_(reorder_window), first_seq_(first_seq) {
  if (reorder_window == 0 || reorder_window > kMaxReorderWindow) {
    throw ConfigError("sequence tracker: reorder_window = " + std::to_string(reorder_window) +
                      " packets is out of range; expected 1 .. " + std::to_string(kMaxReorderWindow));
  }
  capacity_ = std::max<uint64_t>(64, std::bit_ceil(2 * static_cast<uint64_t>(reorder_window)));
  mask_ = capacity_ - 1;
  bits_.assign(capacity_ / 64, 0);
}

bool SequenceTracker::testBit(int64_t pos) const noexcept {
  const uint64_t i = static_cast<uint64_t>(pos) & mask_;
  return (bits_[i >> 6] >> (i & 63)) & 1u;
}

void SequenceTracker::setBit(int64_t pos) noexcept {
  const uint64_t i = static_cast<uint64_t>(pos) & mask_;
  bits_[i >> 6] |= uint64_t{1} << (i & 63);
}

uint64_t SequenceTracker::rangeOp(int64_t a, int64_t b, bool clear) noexcept {
  uint64_t idx = static_cast<uint64_t>(a) & mask_;
  uint64_t remaining = static_cast<uint64_t>(b - a) + 1;
  uint64_t count = 0;
  while (remaining > 0) {
    const uint64_t bit = idx & 63;
    const uint64_t n = std::min<uint64_t>(64 - bit, remaining);
    const uint64_t m = (n == 64 ? ~uint64_t{0} : ((uint64_t{1} << n) - 1)) << bit;
    uint64_t& w = bits_[idx >> 6];
    count += static_cast<uint64_t>(std::popcount(w & m));
    if (clear) w &= ~m;
    idx = (idx + n) & mask_;
    remaining -= n;
  }
  return count;
}

void SequenceTracker::declareLostUpTo(int64_t new_upto) noexcept {
  if (new_upto <= declared_upto_) return;
  int64_t a = declared_upto_;
  const int64_t known_hi = std::min(highest_, new_upto - 1);
  if (a <= known_hi) {
    // declared_upto_ >= highest_ - window_ + 1, so a..known_hi lies inside the history.
    const uint64_t len = static_cast<uint64_t>(known_hi - a) + 1;
    c_.lost += len - rangeOp(a, known_hi, /*clear=*/false);
    a = known_hi + 1;
  }
  if (a < new_upto) c_.lost += static_cast<uint64_t>(new_upto - a);  // above highest: never seen
  declared_upto_ = new_upto;
}

void SequenceTracker::advanceTo(int64_t pos) noexcept {
  // Positions leaving the window become lost; must run before the ring slots are recycled.
  declareLostUpTo(pos - static_cast<int64_t>(window_) + 1);
  const uint64_t d = static_cast<uint64_t>(pos - highest_);
  if (d >= capacity_) {
    std::fill(bits_.begin(), bits_.end(), 0);
  } else if (d > 1) {
    rangeOp(highest_ + 1, pos - 1, /*clear=*/true);
  }
  // pos's own slot is set by the caller right after, so it needs no clearing.
  highest_ = pos;
}

SequenceTracker::Arrival SequenceTracker::onSequence(uint32_t wire_seq) noexcept {
  const uint32_t rel = wire_seq - first_seq_;
  const int32_t diff = static_cast<int32_t>(rel - static_cast<uint32_t>(highest_));
  const int64_t pos = highest_ + diff;
  if (diff > 0) {
    advanceTo(pos);
    setBit(pos);
    ++c_.received;
    if (pos < declared_upto_) {  // only after finish(sender_sent): the tail was declared lost
      --c_.lost;
      ++c_.late;
      ++c_.reordered;
      return Arrival::kLate;
    }
    return Arrival::kInOrder;
  }
  if (pos < 0 || pos <= highest_ - static_cast<int64_t>(capacity_)) {
    ++c_.too_old;
    return Arrival::kTooOld;
  }
  if (testBit(pos)) {
    ++c_.duplicate;
    return Arrival::kDuplicate;
  }
  setBit(pos);
  ++c_.received;
  ++c_.reordered;
  if (pos < declared_upto_) {
    --c_.lost;
    ++c_.late;
    return Arrival::kLate;
  }
  return Arrival::kReordered;
}

void SequenceTracker::finish(std::optional<uint64_t> sender_sent) noexcept {
  int64_t upto = highest_ + 1;
  if (sender_sent) {
    constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    upto = std::max(upto, static_cast<int64_t>(std::min(*sender_sent, kMax)));
  }
  declareLostUpTo(upto);
}

SequenceCounts SequenceTracker::counts() const noexcept {
  SequenceCounts c = c_;
  c.expected = static_cast<uint64_t>(std::max(highest_ + 1, declared_upto_));
  c.highest_seq = highest_ >= 0 ? uint64_t{first_seq_} + static_cast<uint64_t>(highest_) : 0;
  return c;
}

}  // namespace fabcheck::measure
