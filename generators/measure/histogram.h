// LatencyHistogram: a mergeable log-linear histogram of int64 values (nanoseconds by convention).
//
// Contract
// - Range and precision are fixed at construction: [lowest, highest] with `significant_digits`
//   d in 1..5. Every percentile reported is within a relative error of 10^-d of the true sample
//   at that rank (the nearest-rank sample, see rankFor()); values below 10^d are exact. Bad
//   arguments throw ConfigError naming the argument. lowest >= 0, highest <= kMaxHighest (2^48).
// - Layout. S = 2^b linear sub-buckets per power of two, S the smallest power of two >= 10^d / 2
//   (d=1..5 -> S = 8, 64, 512, 8192, 65536). Values v < 2S have their own bucket (exact). For
//   v >= 2S with highest set bit m, the bucket width is w = 2^(m-b), so v lies in [lo, lo+w) with
//   lo >= S*w. The index is computed without division or floating point:
//       shift = msb(v | (2S-1)) - b;  index = shift*S + (v >> shift)
//   A bucket reports lo + (w-1)/2 (its integer midpoint, rounded down), so the error is at most
//   w/2 < v/(2S) <= 10^-d * v. Reported values are also clamped to the exact [min, max], which
//   can only reduce the error, and the first and last ranks report min and max exactly.
//   Only buckets index(lowest)..index(highest) are stored.
// - Memory is FIXED: the counters (u32) are allocated once in the constructor, never resized.
//   d=3 over 1..1e11 ns: 14570 buckets * 4 B = 58 280 B, plus ~0.4 KiB object => < 64 KiB
//   (memoryBytes() reports the exact figure).
// - Counter saturation is never a silent wrap: when a u32 bucket counter wraps, the carry
//   (a multiple of 2^32) goes to a small fixed overflow table (kOverflowSlots entries, exact).
//   Only if that table is full does the bucket saturate at 2^32-1; the samples that did not fit
//   are counted in saturated() and excluded from percentiles (count() still includes them).
// - Values outside [lowest, highest] are clamped to the range, counted in clamped(), and the
//   clamped value is what min/max/mean/stddev and the buckets see.
// - min/max are exact; mean and (population) stddev come from exact integer running sums
//   (128-bit; exact while the sum of squares < 2^128, e.g. 2^40 samples of 2^44 ns), so merging
//   gives exactly the same summary as one histogram of all samples.
// - record()/recordN() are noexcept, allocation-free and branch-light (clamp + one unlikely
//   branch on counter wrap). Not thread-safe: one histogram per thread, merge afterwards.
// - An empty histogram reports 0 for min, max, mean, stddev and every percentile.
// - A moved-from histogram may only be assigned to or destroyed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include <nlohmann/json.hpp>

namespace fabcheck::measure {

struct HistogramSummary {  // plain value; all values in the histogram's unit (ns)
  uint64_t count = 0;
  int64_t min = 0, max = 0;  // exact min and max recorded (not bucketed)
  double mean = 0, stddev = 0;  // from exact running sums (not bucketed)
  int64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0, p9999 = 0, p99999 = 0;
};

// keys: count, min, max, mean, stddev, p50, p90, p99, p999, p9999, p99999
void to_json(nlohmann::json& j, const HistogramSummary& s);

class LatencyHistogram {
 public:
  static constexpr int64_t kMaxHighest = int64_t{1} << 48;  // ~78 hours in ns
  static constexpr size_t kOverflowSlots = 16;

  explicit LatencyHistogram(int64_t lowest = 1, int64_t highest = 100'000'000'000 /*100 s*/,
                            int significant_digits = 3);

  // Records one value (clamped into [lowest, highest]).
  void record(int64_t value) noexcept {
    const int64_t lo_clamped = value < lowest_ ? lowest_ : value;
    const int64_t v = lo_clamped > highest_ ? highest_ : lo_clamped;
    clamped_ += static_cast<uint64_t>(v != value);
    const size_t i = indexOf(v) - base_index_;
    if (++counts_[i] == 0) [[unlikely]] onWrap(i);
    ++count_;
    min_ = v < min_ ? v : min_;
    max_ = v > max_ ? v : max_;
    const auto u = static_cast<uint64_t>(v);  // v >= lowest >= 0
    sum_ += u;
    sum_sq_ += static_cast<unsigned __int128>(u) * u;
  }

  // Records `count` copies of `value`. count == 0 is a no-op.
  void recordN(int64_t value, uint64_t count) noexcept;

  // Adds every sample of `other`. Throws ConfigError if lowest/highest/digits differ.
  void merge(const LatencyHistogram& other);
  void reset() noexcept;

  uint64_t count() const noexcept { return count_; }      // every sample recorded
  uint64_t clamped() const noexcept { return clamped_; }  // samples that were out of range
  uint64_t saturated() const noexcept { return saturated_; }  // samples not in buckets (see top)
  int64_t min() const noexcept { return count_ ? min_ : 0; }
  int64_t max() const noexcept { return count_ ? max_ : 0; }
  double mean() const noexcept;
  double stddev() const noexcept;  // population standard deviation

  // q in [0,100] (clamped; NaN counts as 0); 0 when empty. The nearest-rank percentile.
  int64_t percentile(double q) const noexcept;
  HistogramSummary summary() const noexcept;
  // The 1-based rank whose sample percentile(q) reports, for n samples: max(1, ceil(q*n/100)).
  static uint64_t rankFor(double q, uint64_t n) noexcept;

  size_t memoryBytes() const noexcept { return sizeof(*this) + counts_.capacity() * sizeof(uint32_t); }

  int64_t lowest() const noexcept { return lowest_; }
  int64_t highest() const noexcept { return highest_; }
  int significantDigits() const noexcept { return digits_; }
  size_t bucketCount() const noexcept { return counts_.size(); }  // stored buckets
  int subBucketBits() const noexcept { return sub_bits_; }

  // {"layout":{lowest,highest,significant_digits}, count, clamped, saturated, min, max,
  //  sum, sum_squares (decimal strings), "buckets":[[index,count],...] (non-zero only,
  //  ascending absolute index), "summary":{...}}.
  nlohmann::json toJson() const;
  // Throws ProtocolError on malformed or inconsistent input (also for a bad layout).
  static LatencyHistogram fromJson(const nlohmann::json& j);

  // Calls f(value_upper_bound, count) for each non-empty bucket in ascending order;
  // value_upper_bound is the largest value the bucket holds (inclusive), count is uint64_t.
  template <class F>
  void forEachBucket(F&& f) const {
    for (size_t i = 0; i < counts_.size(); ++i) {
      const uint64_t c = bucketTotal(i);
      if (c != 0) f(upperBoundOf(i + base_index_), c);
    }
  }

  // Bucket geometry, by absolute index (as in toJson): the lowest and highest value it holds.
  int64_t lowerBoundOf(size_t index) const noexcept;
  int64_t upperBoundOf(size_t index) const noexcept;
  size_t indexOf(int64_t v) const noexcept {
    const auto u = static_cast<uint64_t>(v);
    const int msb = 63 - __builtin_clzll(u | mask_2s_);
    const int shift = msb - sub_bits_;
    return (static_cast<size_t>(shift) << sub_bits_) + static_cast<size_t>(u >> shift);
  }

 private:
  struct OverflowSlot {
    uint64_t index = 0;  // stored (relative) bucket index
    uint64_t carry = 0;  // count above the u32 counter, a multiple of 2^32
  };

  void onWrap(size_t i) noexcept;                    // counts_[i] just wrapped from 2^32-1 to 0
  void addToBucket(size_t i, uint64_t n) noexcept;   // general add with carry handling
  uint64_t bucketTotal(size_t i) const noexcept;     // counts_[i] + its carry
  int64_t representative(size_t stored_index) const noexcept;
  int64_t valueAtRank(size_t stored_index, uint64_t rank) const noexcept;
  // First stored bucket j >= i whose cumulative count reaches `rank`; `cum` holds the samples
  // in buckets before i on entry and before j on return. Returns bucketCount() if none.
  size_t findRank(uint64_t rank, size_t i, uint64_t& cum) const noexcept;

  int64_t lowest_;
  int64_t highest_;
  int digits_;
  int sub_bits_;
  uint64_t mask_2s_;  // 2S - 1
  size_t base_index_;
  std::vector<uint32_t> counts_;

  uint64_t count_ = 0;
  uint64_t clamped_ = 0;
  uint64_t saturated_ = 0;
  int64_t min_ = std::numeric_limits<int64_t>::max();  // reset() sets them too; initialised here for g++ 12's -Wmaybe-uninitialized
  int64_t max_ = std::numeric_limits<int64_t>::min();
  unsigned __int128 sum_ = 0;     // all values are >= 0 after clamping
  unsigned __int128 sum_sq_ = 0;  // exact while the sum of squares stays below 2^128
  size_t overflow_used_ = 0;
  std::array<OverflowSlot, kOverflowSlots> overflow_{};
};

}  // namespace fabcheck::measure
