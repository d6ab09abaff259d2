// Per-flow receiver accounting of wire sequence numbers (loss, reorder, duplicates, late).
//
// Contract:
// - Sequence numbers are the 32-bit `seq` of the wire header (generators/measure/wire_header.h).
//   A flow's first message carries `first_seq` (0 unless the sender says otherwise) and every
//   later message the previous one + 1, modulo 2^32. The tracker unwraps them to 64 bits with
//   serial-number arithmetic relative to the highest sequence seen so far: a wire value less
//   than 2^31 ahead of the highest is "ahead", anything else is "behind". Unwrapped positions are
//   counted from `first_seq` (position p is wire seq first_seq + p mod 2^32); `highest_seq`
//   reports first_seq + p, i.e. it keeps counting past 2^32 instead of wrapping.
// - Window: a position missing from the highest - reorder_window + 1 .. highest range is a gap
//   that may still be filled by a reordered arrival; it is NOT loss yet. Once the highest moves
//   more than reorder_window past it (or finish() is called) it is declared lost.
// - History: the tracker remembers, for each of the last history() positions below and
//   including the highest (history() >= 2 * reorder_window, a power of two, >= 64), whether it
//   was received. An arrival there that was declared lost is "late" (lost - 1, received + 1,
//   late + 1, reordered + 1); one already received is a duplicate.
// - Too old: an arrival below the remembered history (or before first_seq) cannot be told
//   apart from a duplicate, so it is counted only in `too_old` — never as received, late or
//   lost — and the invariant below still holds.
// - Invariant: after finish(), received + lost == expected, and every unique position in
//   0 .. expected-1 is counted exactly once, as received or as lost. Before finish(),
//   received + lost + (gaps still inside the window) == expected.
// - A forward jump of up to 2^31 - 1 positions (e.g. a burst of loss) is a gap: every skipped
//   position becomes lost once it leaves the window. A sender that restarts at 0 without a new
//   flow is NOT detected: its messages look old (too_old or duplicate). A restarted sender must
//   use a new flow (and a new tracker).
// - onSequence() is the hot path: noexcept, no allocation after construction, O(1) for
//   in-order traffic; a jump of d positions costs O(min(d, history()) / 64).
// - Not thread-safe: one tracker per flow per receiving thread.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace fabcheck::measure {

struct SequenceCounts {
  uint64_t received = 0;     // unique messages received (first arrival of each seq)
  uint64_t lost = 0;         // declared lost: gap older than the reorder window, or missing at finish(); corrected if a late one arrives
  uint64_t reordered = 0;    // arrived after a higher seq had already arrived (includes late ones)
  uint64_t duplicate = 0;    // a seq received again (while the tracker still remembers it)
  uint64_t late = 0;         // arrived after it had already been declared lost (then lost is decremented)
  uint64_t expected = 0;     // highest position + 1 seen so far (or the sender's count after finish with it)
  uint64_t highest_seq = 0;  // unwrapped: first_seq + highest position (0 before any arrival)
  uint64_t too_old = 0;      // arrived below the remembered history: not counted anywhere else
};

// JSON object with one member per field, named as the fields.
void to_json(nlohmann::json& j, const SequenceCounts& c);
void from_json(const nlohmann::json& j, SequenceCounts& c);  // throws nlohmann::json::exception on bad input

class SequenceTracker {
 public:
  static constexpr uint32_t kMaxReorderWindow = 1u << 24;

  // Throws ConfigError if reorder_window is 0 or > kMaxReorderWindow (2^24).
  explicit SequenceTracker(uint32_t reorder_window = 65536, uint32_t first_seq = 0);

  enum class Arrival : uint8_t { kInOrder, kReordered, kDuplicate, kLate, kTooOld };

  // Accounts one arrival. kInOrder: it is the new highest (possibly after a gap).
  Arrival onSequence(uint32_t wire_seq) noexcept;

  // The flow ended: every gap still inside the window is declared lost. If the sender's count
  // of messages is known, positions first_seq+highest+1 .. sender_sent-1 (never seen) are lost
  // too and expected becomes max(highest + 1, sender_sent). Arrivals after finish() that fill a
  // declared-lost position count as late. Calling it again only adds what is newly missing.
  void finish(std::optional<uint64_t> sender_sent = std::nullopt) noexcept;

  // Valid at any time; gaps still inside the window are not yet counted as lost.
  SequenceCounts counts() const noexcept;

  uint32_t reorderWindow() const noexcept { return window_; }
  // Number of positions (ending at the highest) whose received/missing state is remembered.
  uint64_t history() const noexcept { return capacity_; }

 private:
  // Counts set bits for positions a..b (inclusive, 0 <= a <= b, b - a < capacity_); clears
  // them too when `clear`.
  uint64_t rangeOp(int64_t a, int64_t b, bool clear) noexcept;
  bool testBit(int64_t pos) const noexcept;
  void setBit(int64_t pos) noexcept;
  // Declares lost every missing position in declared_upto_ .. new_upto-1.
  void declareLostUpTo(int64_t new_upto) noexcept;
  // Moves the highest to `pos` (> highest_), clearing the recycled ring slots of the skipped
  // positions; the caller then sets the bit of `pos`.
  void advanceTo(int64_t pos) noexcept;

  uint32_t window_;
  uint32_t first_seq_;
  uint64_t capacity_;  // ring size in bits (power of two)
  uint64_t mask_;
  std::vector<uint64_t> bits_;
  int64_t highest_ = -1;       // highest position seen; -1 before any arrival
  int64_t declared_upto_ = 0;  // every missing position below this has been counted lost
  SequenceCounts c_;
};

}  // namespace fabcheck::measure
