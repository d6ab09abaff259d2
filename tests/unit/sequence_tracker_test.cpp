#include "generators/measure/sequence_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"

namespace fabcheck::measure {
namespace {

using Arrival = SequenceTracker::Arrival;

void feed(SequenceTracker& t, uint32_t from, uint32_t to_inclusive) {
  for (uint32_t s = from;; ++s) {
    t.onSequence(s);
    if (s == to_inclusive) break;
  }
}

TEST(SequenceTracker, InOrderCountsEverythingReceived) {
  SequenceTracker t(64);
  for (uint32_t s = 0; s < 1000; ++s) EXPECT_EQ(t.onSequence(s), Arrival::kInOrder);
  auto c = t.counts();
  EXPECT_EQ(c.received, 1000u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.reordered, 0u);
  EXPECT_EQ(c.duplicate, 0u);
  EXPECT_EQ(c.expected, 1000u);
  EXPECT_EQ(c.highest_seq, 999u);
  t.finish();
  c = t.counts();
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.received + c.lost, c.expected);
}

TEST(SequenceTracker, EmptyFlowWithSenderCountIsAllLost) {
  SequenceTracker t(8);
  EXPECT_EQ(t.counts().expected, 0u);
  t.finish(5);
  auto c = t.counts();
  EXPECT_EQ(c.received, 0u);
  EXPECT_EQ(c.lost, 5u);
  EXPECT_EQ(c.expected, 5u);
}

TEST(SequenceTracker, GapBecomesLossOnlyWhenItLeavesTheWindow) {
  constexpr uint32_t kW = 16;
  SequenceTracker t(kW);
  for (uint32_t s = 0; s < 50; ++s) t.onSequence(s);
  for (uint32_t s = 51; s < 50 + kW; ++s) t.onSequence(s);
  EXPECT_EQ(t.counts().lost, 0u) << "gap still inside the window (highest = 65)";
  EXPECT_EQ(t.onSequence(50 + kW), Arrival::kInOrder);
  EXPECT_EQ(t.counts().lost, 1u) << "highest = 66 is more than the window past 50";
  for (uint32_t s = 51 + kW; s < 100; ++s) t.onSequence(s);
  t.finish(100);
  auto c = t.counts();
  EXPECT_EQ(c.received, 99u);
  EXPECT_EQ(c.lost, 1u);
  EXPECT_EQ(c.expected, 100u);
  EXPECT_EQ(c.late, 0u);
}

TEST(SequenceTracker, TailLossNeedsTheSenderCount) {
  SequenceTracker a(64);
  for (uint32_t s = 0; s < 90; ++s) a.onSequence(s);
  a.finish();
  EXPECT_EQ(a.counts().lost, 0u);
  EXPECT_EQ(a.counts().expected, 90u);

  SequenceTracker b(64);
  for (uint32_t s = 0; s < 90; ++s) b.onSequence(s);
  b.finish(100);
  auto c = b.counts();
  EXPECT_EQ(c.lost, 10u);
  EXPECT_EQ(c.expected, 100u);
  EXPECT_EQ(c.received + c.lost, c.expected);
}

TEST(SequenceTracker, FinishDeclaresGapsInsideTheWindow) {
  SequenceTracker t(64);
  for (uint32_t s = 0; s < 20; ++s)
    if (s != 10) t.onSequence(s);
  EXPECT_EQ(t.counts().lost, 0u);
  t.finish();
  EXPECT_EQ(t.counts().lost, 1u);
  t.finish();  // idempotent
  EXPECT_EQ(t.counts().lost, 1u);
}

TEST(SequenceTracker, ReorderInsideTheWindowIsNotLoss) {
  constexpr uint32_t kW = 8;
  SequenceTracker t(kW);
  EXPECT_EQ(t.onSequence(0), Arrival::kInOrder);
  EXPECT_EQ(t.onSequence(1), Arrival::kInOrder);
  EXPECT_EQ(t.onSequence(3), Arrival::kInOrder);
  EXPECT_EQ(t.onSequence(2), Arrival::kReordered);
  // 4 is the oldest position still inside the window when the highest is 4 + kW - 1.
  for (uint32_t s = 5; s <= 4 + kW - 1; ++s) t.onSequence(s);
  EXPECT_EQ(t.onSequence(4), Arrival::kReordered);
  t.finish();
  auto c = t.counts();
  EXPECT_EQ(c.reordered, 2u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.late, 0u);
  EXPECT_EQ(c.received, c.expected);
}

TEST(SequenceTracker, LateArrivalCorrectsLoss) {
  SequenceTracker t(4);
  for (uint32_t s = 0; s <= 10; ++s)
    if (s != 2) t.onSequence(s);
  EXPECT_EQ(t.counts().lost, 1u);
  EXPECT_EQ(t.onSequence(2), Arrival::kLate);
  auto c = t.counts();
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.late, 1u);
  EXPECT_EQ(c.reordered, 1u) << "late ones are reordered too";
  EXPECT_EQ(c.received, 11u);
  EXPECT_EQ(t.onSequence(2), Arrival::kDuplicate);
  EXPECT_EQ(t.counts().duplicate, 1u);
}

TEST(SequenceTracker, ArrivalAfterFinishIsLate) {
  SequenceTracker t(64);
  t.onSequence(0);
  t.onSequence(1);
  t.onSequence(3);
  t.finish(6);
  EXPECT_EQ(t.counts().lost, 3u);  // 2 (gap), 4 and 5 (tail)
  EXPECT_EQ(t.onSequence(2), Arrival::kLate);
  EXPECT_EQ(t.onSequence(5), Arrival::kLate) << "tail position above the highest";
  EXPECT_EQ(t.onSequence(4), Arrival::kLate);
  auto c = t.counts();
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.late, 3u);
  EXPECT_EQ(c.received, 6u);
  EXPECT_EQ(c.expected, 6u);
}

TEST(SequenceTracker, DuplicatesAreCountedNotReceived) {
  SequenceTracker t(16);
  EXPECT_EQ(t.onSequence(0), Arrival::kInOrder);
  EXPECT_EQ(t.onSequence(0), Arrival::kDuplicate);  // duplicate of the highest
  EXPECT_EQ(t.onSequence(2), Arrival::kInOrder);
  EXPECT_EQ(t.onSequence(1), Arrival::kReordered);
  EXPECT_EQ(t.onSequence(1), Arrival::kDuplicate);  // duplicate of a reordered one
  EXPECT_EQ(t.onSequence(0), Arrival::kDuplicate);  // duplicate inside the window
  for (uint32_t s = 3; s < 40; ++s) t.onSequence(s);
  EXPECT_EQ(t.onSequence(5), Arrival::kDuplicate) << "older than the window, still remembered";
  auto c = t.counts();
  EXPECT_EQ(c.duplicate, 4u);
  EXPECT_EQ(c.received, 40u);
  EXPECT_EQ(c.reordered, 1u);
}

TEST(SequenceTracker, BelowTheHistoryIsTooOldAndCountedOnlyThere) {
  SequenceTracker t(4);
  EXPECT_EQ(t.history(), 64u);
  for (uint32_t s = 0; s <= 200; ++s)
    if (s != 100) t.onSequence(s);
  const auto before = t.counts();
  EXPECT_EQ(t.onSequence(200 - 64), Arrival::kTooOld);
  EXPECT_EQ(t.onSequence(100), Arrival::kTooOld) << "lost, but no longer remembered";
  EXPECT_EQ(t.onSequence(200 - 63), Arrival::kDuplicate) << "oldest remembered position";
  auto c = t.counts();
  EXPECT_EQ(c.too_old, 2u);
  EXPECT_EQ(c.received, before.received);
  EXPECT_EQ(c.lost, before.lost);
  EXPECT_EQ(c.late, 0u);
  t.finish();
  c = t.counts();
  EXPECT_EQ(c.received + c.lost, c.expected);
}

TEST(SequenceTracker, BeforeTheFirstSequenceIsTooOld) {
  SequenceTracker t(8, /*first_seq=*/100);
  EXPECT_EQ(t.onSequence(99), Arrival::kTooOld);
  EXPECT_EQ(t.onSequence(101), Arrival::kInOrder);
  EXPECT_EQ(t.onSequence(100), Arrival::kReordered);
  auto c = t.counts();
  EXPECT_EQ(c.expected, 2u);
  EXPECT_EQ(c.highest_seq, 101u);
  EXPECT_EQ(c.too_old, 1u);
}

TEST(SequenceTracker, CorrectAcrossTheWrapWithReorderAndLoss) {
  constexpr uint32_t kFirst = 0xFFFFFFF0u;
  SequenceTracker t(8, kFirst);
  // Positions 0..64 = wire 0xFFFFFFF0 .. 0x30. Lose 0xFFFFFFFE and 0x1; swap 0xFFFFFFFF and 0x0.
  std::vector<uint32_t> order;
  for (uint32_t s = kFirst; s != 0xFFFFFFFFu; ++s)
    if (s != 0xFFFFFFFEu) order.push_back(s);
  order.push_back(0x0);
  order.push_back(0xFFFFFFFFu);
  for (uint32_t s = 2; s <= 0x30; ++s) order.push_back(s);
  for (uint32_t s : order) t.onSequence(s);
  t.finish();
  auto c = t.counts();
  EXPECT_EQ(c.expected, 65u);
  EXPECT_EQ(c.highest_seq, uint64_t{kFirst} + 64);
  EXPECT_EQ(c.highest_seq, 0x100000030ull);
  EXPECT_EQ(c.received, 63u);
  EXPECT_EQ(c.lost, 2u);
  EXPECT_EQ(c.reordered, 1u);
  EXPECT_EQ(c.late, 0u);
  // A late copy of the lost 0xFFFFFFFE is still remembered (history 64 > 0x30 - 0xFFFFFFFE).
  EXPECT_EQ(t.onSequence(0xFFFFFFFEu), Arrival::kLate);
  EXPECT_EQ(t.counts().lost, 1u);
}

TEST(SequenceTracker, UnwrapsPastTwoToThe32FromZero) {
  SequenceTracker t(1024);
  for (uint32_t s : {0u, 0x40000000u, 0x80000000u, 0xC0000000u}) EXPECT_EQ(t.onSequence(s), Arrival::kInOrder);
  feed(t, 0xFFFFFFF0u, 0xFFFFFFFFu);
  feed(t, 0x0u, 0x10u);  // second time round: positions 2^32 .. 2^32 + 16
  t.finish();
  auto c = t.counts();
  constexpr uint64_t kExpected = (uint64_t{1} << 32) + 17;
  EXPECT_EQ(c.highest_seq, kExpected - 1);
  EXPECT_EQ(c.expected, kExpected);
  EXPECT_EQ(c.received, 4u + 16u + 17u);
  EXPECT_EQ(c.lost, kExpected - c.received);
  EXPECT_EQ(c.too_old, 0u);
}

TEST(SequenceTracker, BigJumpIsLossAndRestartLooksOld) {
  // Documented: a jump of up to 2^31 - 1 ahead is a gap (all of it lost once out of window);
  // a sender that restarts at 0 is not detected: its messages look too old.
  SequenceTracker t(64);
  for (uint32_t s = 0; s < 1000; ++s) t.onSequence(s);
  for (uint32_t s = 0; s < 10; ++s) EXPECT_EQ(t.onSequence(s), Arrival::kTooOld);
  EXPECT_EQ(t.counts().received, 1000u);
  const uint32_t far = 999u + 0x7FFFFFFFu;
  EXPECT_EQ(t.onSequence(far), Arrival::kInOrder);
  EXPECT_EQ(t.counts().highest_seq, uint64_t{far});
  EXPECT_EQ(t.counts().lost, 0x7FFFFFFEu - 63u) << "all but the window are lost at once";
  t.finish();
  EXPECT_EQ(t.counts().lost, 0x7FFFFFFEu);
  // 2^31 ahead is read as behind (serial arithmetic), hence too old.
  EXPECT_EQ(t.onSequence(far + 0x80000000u), Arrival::kTooOld);
}

TEST(SequenceTracker, RejectsBadWindow) {
  EXPECT_THROW(SequenceTracker(0), ConfigError);
  EXPECT_THROW(SequenceTracker(SequenceTracker::kMaxReorderWindow + 1), ConfigError);
  try {
    SequenceTracker t(0);
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("reorder_window = 0"), std::string::npos) << e.what();
  }
  SequenceTracker big(SequenceTracker::kMaxReorderWindow);
  EXPECT_EQ(big.history(), uint64_t{2} * SequenceTracker::kMaxReorderWindow);
  SequenceTracker odd(100);
  EXPECT_EQ(odd.history(), 256u);
}

TEST(SequenceTracker, CountsToJson) {
  SequenceTracker t(8);
  t.onSequence(0);
  t.onSequence(2);
  t.finish(4);
  const nlohmann::json j = t.counts();
  EXPECT_EQ(j.at("received"), 2);
  EXPECT_EQ(j.at("lost"), 2);
  EXPECT_EQ(j.at("expected"), 4);
  EXPECT_EQ(j.at("highest_seq"), 2);
  for (const char* k : {"reordered", "duplicate", "late", "too_old"}) EXPECT_EQ(j.at(k), 0) << k;
}

// ---- randomized comparison with a simple reference model ---------------------------------

// Remembers every received position in a std::set and applies the documented rules literally.
class ReferenceModel {
 public:
  ReferenceModel(int64_t window, int64_t history, uint32_t first)
      : window_(window), history_(history), first_(first) {}

  Arrival on(uint32_t wire) {
    const int64_t rel = static_cast<int64_t>(static_cast<uint32_t>(wire - first_));
    const int64_t hmod = ((highest_ % kMod) + kMod) % kMod;
    int64_t d = ((rel - hmod) % kMod + kMod) % kMod;  // 0 .. 2^32-1
    if (d >= kMod / 2) d -= kMod;                        // -2^31 .. 2^31-1
    const int64_t p = highest_ + d;
    if (d > 0) {
      declare(p - window_ + 1);
      highest_ = p;
      got_.insert(p);
      ++c.received;
      if (p < declared_) return late();
      return Arrival::kInOrder;
    }
    if (p < 0 || p <= highest_ - history_) {
      ++c.too_old;
      return Arrival::kTooOld;
    }
    if (got_.count(p)) {
      ++c.duplicate;
      return Arrival::kDuplicate;
    }
    got_.insert(p);
    ++c.received;
    if (p < declared_) return late();
    ++c.reordered;
    return Arrival::kReordered;
  }
  void finish(std::optional<uint64_t> n) {
    declare(std::max<int64_t>(highest_ + 1, n ? static_cast<int64_t>(*n) : 0));
  }
  int64_t expected() const { return std::max(highest_ + 1, declared_); }
  SequenceCounts c;

 private:
  static constexpr int64_t kMod = int64_t{1} << 32;
  Arrival late() {
    --c.lost;
    ++c.late;
    ++c.reordered;
    return Arrival::kLate;
  }
  void declare(int64_t upto) {
    for (int64_t q = declared_; q < upto; ++q)
      if (!got_.count(q)) ++c.lost;
    declared_ = std::max(declared_, upto);
  }
  int64_t window_, history_;
  uint32_t first_;
  int64_t highest_ = -1, declared_ = 0;
  std::set<int64_t> got_;
};

void expectSameCounts(const SequenceCounts& a, const SequenceCounts& b, int64_t expected, const char* where) {
  EXPECT_EQ(a.received, b.received) << where;
  EXPECT_EQ(a.lost, b.lost) << where;
  EXPECT_EQ(a.reordered, b.reordered) << where;
  EXPECT_EQ(a.duplicate, b.duplicate) << where;
  EXPECT_EQ(a.late, b.late) << where;
  EXPECT_EQ(a.too_old, b.too_old) << where;
  EXPECT_EQ(a.expected, static_cast<uint64_t>(expected)) << where;
}

TEST(SequenceTracker, MatchesReferenceModelOnRandomTraffic) {
  SequenceCounts total;  // to check that the generator exercised every kind of arrival
  for (uint32_t seed = 1; seed <= 24; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);
    const uint32_t window = std::vector<uint32_t>{1, 3, 8, 64, 100, 1000}[seed % 6];
    const uint32_t first = (seed % 3 == 0) ? 0u : 0xFFFFFFFFu - static_cast<uint32_t>(rng() % 3000);
    const int n = 5000 + static_cast<int>(rng() % 5000);
    const double p_loss = (seed % 4) * 0.02;
    const double p_dup = (seed % 5) * 0.01;
    const double p_delay = 0.05 + (seed % 3) * 0.1;
    const int max_delay = static_cast<int>(window) * (1 + static_cast<int>(seed % 4)) + 5;

    // Send order with some messages delayed by up to max_delay places, then loss and duplicates.
    std::vector<std::pair<double, uint32_t>> keyed;
    for (int i = 0; i < n; ++i) {
      double key = i;
      if (std::uniform_real_distribution<>(0, 1)(rng) < p_delay) key += static_cast<double>(rng() % max_delay) + 0.5;
      if (std::uniform_real_distribution<>(0, 1)(rng) < p_loss) continue;
      keyed.emplace_back(key, first + static_cast<uint32_t>(i));
      if (std::uniform_real_distribution<>(0, 1)(rng) < p_dup)
        keyed.emplace_back(key + static_cast<double>(rng() % (2 * max_delay)) + 0.25, first + static_cast<uint32_t>(i));
    }
    std::stable_sort(keyed.begin(), keyed.end(), [](auto& a, auto& b) { return a.first < b.first; });

    SequenceTracker t(window, first);
    ReferenceModel ref(window, static_cast<int64_t>(t.history()), first);
    std::set<uint32_t> unique;
    for (size_t k = 0; k < keyed.size(); ++k) {
      const uint32_t s = keyed[k].second;
      unique.insert(s);
      ASSERT_EQ(t.onSequence(s), ref.on(s)) << "arrival " << k << " seq " << s;
      if (k % 97 == 0) expectSameCounts(t.counts(), ref.c, ref.expected(), "running");
    }
    const bool with_count = seed % 2 == 0;
    const std::optional<uint64_t> sent = with_count ? std::optional<uint64_t>(n) : std::nullopt;
    t.finish(sent);
    ref.finish(sent);
    const auto c = t.counts();
    expectSameCounts(c, ref.c, ref.expected(), "final");
    EXPECT_EQ(c.received + c.lost, c.expected) << "invariant";
    EXPECT_LE(c.late, c.reordered);
    if (with_count) {
      EXPECT_EQ(c.expected, static_cast<uint64_t>(n));
    }
    if (c.too_old == 0) {
      EXPECT_EQ(c.received, unique.size()) << "every unique message counted once";
    }
    total.lost += c.lost;
    total.late += c.late;
    total.reordered += c.reordered;
    total.duplicate += c.duplicate;
    total.too_old += c.too_old;
  }
  EXPECT_GT(total.lost, 0u);
  EXPECT_GT(total.late, 100u);
  EXPECT_GT(total.reordered, total.late);
  EXPECT_GT(total.duplicate, 100u);
  EXPECT_GT(total.too_old, 0u);
}

}  // namespace
}  // namespace fabcheck::measure
