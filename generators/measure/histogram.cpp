#include "generators/measure/histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "generators/core/errors.h"

namespace fabcheck::measure {
namespace {

// Smallest b with 2^b >= 10^digits / 2, i.e. half a bucket is at most 10^-digits of its value.
int subBitsFor(int digits) {
  uint64_t need = 1;
  for (int k = 0; k < digits; ++k) need *= 10;
  need = (need + 1) / 2;
  int b = 0;
  while ((uint64_t{1} << b) < need) ++b;
  return b;
}

std::string toDecimal(unsigned __int128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v != 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

std::optional<unsigned __int128> parseDecimal(const std::string& s) {
  if (s.empty() || s.size() > 39) return std::nullopt;
  constexpr auto kMax = ~static_cast<unsigned __int128>(0);
  unsigned __int128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<unsigned>(c - '0');
    if (v > (kMax - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

[[noreturn]] void badJson(const std::string& what) {
  throw ProtocolError("histogram JSON: " + what);
}

std::string shortDump(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

const nlohmann::json& field(const nlohmann::json& obj, const char* key, const char* where) {
  auto it = obj.find(key);
  if (it == obj.end()) badJson(std::string("missing field '") + key + "' in " + where);
  return *it;
}

uint64_t getU64(const nlohmann::json& obj, const char* key, const char* where) {
  const auto& v = field(obj, key, where);
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  badJson(std::string("field '") + key + "' in " + where + " is " + shortDump(v) +
          "; expected a non-negative integer");
}

int64_t getI64(const nlohmann::json& obj, const char* key, const char* where) {
  const auto& v = field(obj, key, where);
  if (v.is_number_unsigned() && v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<int64_t>();
  badJson(std::string("field '") + key + "' in " + where + " is " + shortDump(v) + "; expected an int64");
}

unsigned __int128 getU128(const nlohmann::json& obj, const char* key, const char* where) {
  const auto& v = field(obj, key, where);
  if (v.is_string()) {
    if (auto parsed = parseDecimal(v.get<std::string>())) return *parsed;
  }
  badJson(std::string("field '") + key + "' in " + where + " is " + shortDump(v) +
          "; expected a decimal string of an unsigned 128-bit integer");
}

}  // namespace

void to_json(nlohmann::json& j, const HistogramSummary& s) {
  j = nlohmann::json{{"count", s.count}, {"min", s.min},     {"max", s.max},     {"mean", s.mean},
                     {"stddev", s.stddev}, {"p50", s.p50},   {"p90", s.p90},     {"p99", s.p99},
                     {"p999", s.p999},   {"p9999", s.p9999}, {"p99999", s.p99999}};
}

LatencyHistogram::LatencyHistogram(int64_t lowest, int64_t highest, int significant_digits)
    : lowest_(lowest), highest_(highest), digits_(significant_digits) {
  if (significant_digits < 1 || significant_digits > 5) {
    throw ConfigError("LatencyHistogram: significant_digits=" + std::to_string(significant_digits) +
                      " is out of range; expected 1..5");
  }
  if (lowest < 0) {
    throw ConfigError("LatencyHistogram: lowest=" + std::to_string(lowest) + " is negative; expected >= 0");
  }
  if (highest <= lowest || highest > kMaxHighest) {
    throw ConfigError("LatencyHistogram: highest=" + std::to_string(highest) + " is out of range; expected " +
                      std::to_string(lowest) + " < highest <= " + std::to_string(kMaxHighest) +
                      " (lowest=" + std::to_string(lowest) + ")");
  }
  sub_bits_ = subBitsFor(significant_digits);
  mask_2s_ = (uint64_t{2} << sub_bits_) - 1;
  base_index_ = indexOf(lowest);
  counts_.assign(indexOf(highest) - base_index_ + 1, 0);
  counts_.shrink_to_fit();
  reset();
}

void LatencyHistogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0u);
  count_ = clamped_ = saturated_ = 0;
  min_ = std::numeric_limits<int64_t>::max();
  max_ = std::numeric_limits<int64_t>::min();
  sum_ = sum_sq_ = 0;
  overflow_used_ = 0;
  overflow_.fill(OverflowSlot{});
}

void LatencyHistogram::onWrap(size_t i) noexcept { addToBucket(i, uint64_t{1} << 32); }

void LatencyHistogram::addToBucket(size_t i, uint64_t n) noexcept {
  // counts_[i] + n, split into the u32 counter and a carry that is a multiple of 2^32.
  // (onWrap calls this with counts_[i] == 0 and n == 2^32, i.e. the wrapped increment.)
  const unsigned __int128 total = static_cast<unsigned __int128>(counts_[i]) + n;
  const auto low = static_cast<uint32_t>(total);
  const unsigned __int128 carry = total - low;
  if (carry == 0) {
    counts_[i] = low;
    return;
  }
  for (size_t s = 0; s < overflow_used_; ++s) {
    if (overflow_[s].index == i) {
      overflow_[s].carry += static_cast<uint64_t>(carry);
      counts_[i] = low;
      return;
    }
  }
  if (overflow_used_ < kOverflowSlots) {
    overflow_[overflow_used_++] = OverflowSlot{i, static_cast<uint64_t>(carry)};
    counts_[i] = low;
    return;
  }
  // No room to carry: the bucket saturates and the excess is counted, never wrapped.
  constexpr uint32_t kFull = std::numeric_limits<uint32_t>::max();
  saturated_ += static_cast<uint64_t>(total - kFull);
  counts_[i] = kFull;
}

uint64_t LatencyHistogram::bucketTotal(size_t i) const noexcept {
  uint64_t c = counts_[i];
  for (size_t s = 0; s < overflow_used_; ++s) {
    if (overflow_[s].index == i) c += overflow_[s].carry;
  }
  return c;
}

void LatencyHistogram::recordN(int64_t value, uint64_t n) noexcept {
  if (n == 0) return;
  const int64_t v = std::clamp(value, lowest_, highest_);
  if (v != value) clamped_ += n;
  addToBucket(indexOf(v) - base_index_, n);
  count_ += n;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  const auto u = static_cast<uint64_t>(v);
  sum_ += static_cast<unsigned __int128>(u) * n;
  sum_sq_ += static_cast<unsigned __int128>(u) * u * n;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.lowest_ != lowest_ || other.highest_ != highest_ || other.digits_ != digits_) {
    throw ConfigError("LatencyHistogram::merge: layout [" + std::to_string(other.lowest_) + ", " +
                      std::to_string(other.highest_) + "] digits=" + std::to_string(other.digits_) +
                      " differs from this histogram's [" + std::to_string(lowest_) + ", " +
                      std::to_string(highest_) + "] digits=" + std::to_string(digits_));
  }
  // Snapshot the scalars first so that h.merge(h) doubles correctly.
  const uint64_t o_count = other.count_, o_clamped = other.clamped_, o_saturated = other.saturated_;
  const int64_t o_min = other.min_, o_max = other.max_;
  const unsigned __int128 o_sum = other.sum_, o_sum_sq = other.sum_sq_;
  const size_t o_used = other.overflow_used_;
  const auto o_slots = other.overflow_;
  uint32_t* const mine = counts_.data();
  const uint32_t* const theirs = other.counts_.data();
  for (size_t i = 0; i < counts_.size(); ++i) {
    const uint32_t add = theirs[i];
    const uint64_t t = uint64_t{mine[i]} + add;
    if (t > std::numeric_limits<uint32_t>::max()) [[unlikely]] {
      addToBucket(i, add);
    } else {
      mine[i] = static_cast<uint32_t>(t);
    }
  }
  for (size_t s = 0; s < o_used; ++s) addToBucket(o_slots[s].index, o_slots[s].carry);
  count_ += o_count;
  clamped_ += o_clamped;
  saturated_ += o_saturated;
  min_ = std::min(min_, o_min);
  max_ = std::max(max_, o_max);
  sum_ += o_sum;
  sum_sq_ += o_sum_sq;
}

double LatencyHistogram::mean() const noexcept {
  if (count_ == 0) return 0;
  return static_cast<double>(static_cast<long double>(sum_) / static_cast<long double>(count_));
}

double LatencyHistogram::stddev() const noexcept {
  if (count_ < 2) return 0;
  const auto n = static_cast<unsigned __int128>(count_);
  unsigned __int128 n_sq_sum = 0, sum_sq = 0;
  long double var;
  if (!__builtin_mul_overflow(n, sum_sq_, &n_sq_sum) && !__builtin_mul_overflow(sum_, sum_, &sum_sq) &&
      n_sq_sum >= sum_sq) {
    // Exact: n*Σv² - (Σv)² = Σ_{i<j} (v_i - v_j)², then divided by n².
    const auto nd = static_cast<long double>(count_);
    var = static_cast<long double>(n_sq_sum - sum_sq) / nd / nd;
  } else {
    const auto nd = static_cast<long double>(count_);
    const long double m = static_cast<long double>(sum_) / nd;
    var = static_cast<long double>(sum_sq_) / nd - m * m;
  }
  return var > 0 ? static_cast<double>(std::sqrt(var)) : 0.0;
}

uint64_t LatencyHistogram::rankFor(double q, uint64_t n) noexcept {
  if (n == 0) return 0;
  if (!(q > 0)) q = 0;  // also NaN
  if (q > 100) q = 100;
  const double r = std::ceil(q * static_cast<double>(n) / 100.0);
  if (r >= static_cast<double>(n)) return n;
  return r < 1 ? 1 : static_cast<uint64_t>(r);
}

int64_t LatencyHistogram::lowerBoundOf(size_t index) const noexcept {
  const size_t top = index >> sub_bits_;
  const int shift = top > 1 ? static_cast<int>(top - 1) : 0;
  return static_cast<int64_t>((index - (static_cast<size_t>(shift) << sub_bits_)) << shift);
}

int64_t LatencyHistogram::upperBoundOf(size_t index) const noexcept {
  const size_t top = index >> sub_bits_;
  const int shift = top > 1 ? static_cast<int>(top - 1) : 0;
  return lowerBoundOf(index) + (int64_t{1} << shift) - 1;
}

int64_t LatencyHistogram::representative(size_t stored_index) const noexcept {
  const size_t index = stored_index + base_index_;
  const int64_t lo = lowerBoundOf(index);
  const int64_t mid = lo + (upperBoundOf(index) - lo) / 2;
  return std::clamp(mid, min_, max_);
}

int64_t LatencyHistogram::valueAtRank(size_t stored_index, uint64_t rank) const noexcept {
  // The first and last ranks are the exact min and max (when every sample is in a bucket).
  if (saturated_ == 0 && rank == 1) return min_;
  if (saturated_ == 0 && rank == count_) return max_;
  return representative(stored_index);
}

size_t LatencyHistogram::findRank(uint64_t rank, size_t i, uint64_t& cum) const noexcept {
  const size_t n = counts_.size();
  if (overflow_used_ == 0) {
    // Skip whole chunks first; the inner sum vectorises.
    constexpr size_t kChunk = 64;
    const uint32_t* c = counts_.data();
    while (i + kChunk <= n) {
      uint64_t chunk = 0;
      for (size_t k = 0; k < kChunk; ++k) chunk += c[i + k];
      if (cum + chunk >= rank) break;
      cum += chunk;
      i += kChunk;
    }
  }
  for (; i < n; ++i) {
    const uint64_t t = bucketTotal(i);
    if (cum + t >= rank) return i;
    cum += t;
  }
  return n;
}

int64_t LatencyHistogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  const uint64_t rank = rankFor(q, count_ - saturated_);
  uint64_t cum = 0;
  const size_t i = findRank(rank, 0, cum);
  return i < counts_.size() ? valueAtRank(i, rank) : max_;
}

HistogramSummary LatencyHistogram::summary() const noexcept {
  HistogramSummary s;
  s.count = count_;
  if (count_ == 0) return s;
  s.min = min_;
  s.max = max_;
  s.mean = mean();
  s.stddev = stddev();
  static constexpr double kQ[] = {50, 90, 99, 99.9, 99.99, 99.999};
  int64_t* const out[] = {&s.p50, &s.p90, &s.p99, &s.p999, &s.p9999, &s.p99999};
  const uint64_t stored = count_ - saturated_;
  size_t i = 0;
  uint64_t cum = 0;  // samples in buckets before i
  for (size_t k = 0; k < std::size(kQ); ++k) {
    const uint64_t rank = rankFor(kQ[k], stored);
    i = findRank(rank, i, cum);
    *out[k] = i < counts_.size() ? valueAtRank(i, rank) : max_;
  }
  return s;
}

nlohmann::json LatencyHistogram::toJson() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (size_t i = 0; i < counts_.size(); ++i) {
    const uint64_t c = bucketTotal(i);
    if (c != 0) buckets.push_back(nlohmann::json::array({static_cast<uint64_t>(i + base_index_), c}));
  }
  return nlohmann::json{
      {"layout", {{"lowest", lowest_}, {"highest", highest_}, {"significant_digits", digits_}}},
      {"count", count_},
      {"clamped", clamped_},
      {"saturated", saturated_},
      {"min", min()},
      {"max", max()},
      {"sum", toDecimal(sum_)},
      {"sum_squares", toDecimal(sum_sq_)},
      {"buckets", std::move(buckets)},
      {"summary", summary()},
  };
}

LatencyHistogram LatencyHistogram::fromJson(const nlohmann::json& j) {
  if (!j.is_object()) badJson("expected an object, got " + shortDump(j));
  const auto& layout = field(j, "layout", "histogram");
  if (!layout.is_object()) badJson("'layout' is " + shortDump(layout) + "; expected an object");
  const int64_t lowest = getI64(layout, "lowest", "layout");
  const int64_t highest = getI64(layout, "highest", "layout");
  const int64_t digits = getI64(layout, "significant_digits", "layout");
  if (digits < 1 || digits > 5) badJson("layout significant_digits=" + std::to_string(digits) + "; expected 1..5");
  std::optional<LatencyHistogram> h;
  try {
    h.emplace(lowest, highest, static_cast<int>(digits));
  } catch (const ConfigError& e) {
    badJson(std::string("bad layout: ") + e.what());
  }
  const uint64_t count = getU64(j, "count", "histogram");
  const uint64_t clamped = getU64(j, "clamped", "histogram");
  const uint64_t saturated = getU64(j, "saturated", "histogram");
  const int64_t mn = getI64(j, "min", "histogram");
  const int64_t mx = getI64(j, "max", "histogram");
  const unsigned __int128 sum = getU128(j, "sum", "histogram");
  const unsigned __int128 sum_sq = getU128(j, "sum_squares", "histogram");
  if (clamped > count || saturated > count) {
    badJson("clamped=" + std::to_string(clamped) + " or saturated=" + std::to_string(saturated) +
            " exceeds count=" + std::to_string(count));
  }
  if (count > 0 && (mn < lowest || mn > mx || mx > highest)) {
    badJson("min=" + std::to_string(mn) + ", max=" + std::to_string(mx) + " are not ordered within [" +
            std::to_string(lowest) + ", " + std::to_string(highest) + "]");
  }
  const auto& buckets = field(j, "buckets", "histogram");
  if (!buckets.is_array()) badJson("'buckets' is " + shortDump(buckets) + "; expected an array");
  const size_t first = h->base_index_, end = h->base_index_ + h->counts_.size();
  unsigned __int128 in_buckets = 0;
  size_t next_min = first;
  for (const auto& b : buckets) {
    if (!b.is_array() || b.size() != 2 || !b[0].is_number_integer() || !b[1].is_number_integer() ||
        (!b[0].is_number_unsigned() && b[0].get<int64_t>() < 0) ||
        (!b[1].is_number_unsigned() && b[1].get<int64_t>() <= 0)) {
      badJson("bucket " + shortDump(b) + " is not [index, count] with a positive count");
    }
    const uint64_t index = b[0].get<uint64_t>();
    const uint64_t c = b[1].get<uint64_t>();
    if (index < next_min || index >= end || c == 0) {
      badJson("bucket " + shortDump(b) + ": index must ascend within [" + std::to_string(first) + ", " +
              std::to_string(end) + ") and count be > 0");
    }
    next_min = index + 1;
    in_buckets += c;
    h->addToBucket(index - first, c);
  }
  if (in_buckets + saturated != count) {
    badJson("bucket counts sum to " + toDecimal(in_buckets) + " plus saturated=" + std::to_string(saturated) +
            " but count=" + std::to_string(count));
  }
  h->count_ = count;
  h->clamped_ = clamped;
  h->saturated_ += saturated;
  if (count > 0) {
    h->min_ = mn;
    h->max_ = mx;
  }
  h->sum_ = sum;
  h->sum_sq_ = sum_sq;
  return std::move(*h);
}

}  // namespace fabcheck::measure
