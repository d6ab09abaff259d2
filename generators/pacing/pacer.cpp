#include "generators/pacing/pacer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "generators/core/errors.h"

namespace fabcheck::pacing {
namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

void checkRate(const char* field, double v, double lo, double hi, const char* unit) {
  if (std::isnan(v) || v < 0 || (v > 0 && v < lo) || v > hi) {
    throw ConfigError(fmt::format("pacer config: {} = {} is invalid; expected 0 (no limit) or a number of {} in [{:g}, {:g}]",
                                  field, v, unit, lo, hi));
  }
}

// ceil(x) as int64, saturating.
int64_t ceilNs(double x) noexcept {
  if (!(x < 9.0e18)) return kInt64Max;
  if (x < -9.0e18) return -kInt64Max;
  return static_cast<int64_t>(std::ceil(x));
}

int64_t satAdd(int64_t a, int64_t b) noexcept {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? (b > 0 ? kInt64Max : -kInt64Max) : r;
}

int64_t satMul(int64_t a, int64_t b) noexcept {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? kInt64Max : r;
}

}  // namespace

Pacer::Pacer(const PacerConfig& c)
    : rate_bps_(c.rate_bps),
      rate_pps_(c.rate_pps),
      bucket_bytes_(c.bucket_bytes),
      bucket_cfg_bytes_(c.bucket_bytes),
      burst_bytes_(c.burst_bytes),
      burst_interval_ns_(c.burst_interval_ns),
      start_ns_(c.start_ns),
      started_(c.start_ns > 0) {
  checkRate("rate_bps", c.rate_bps, kMinRateBps, kMaxRateBps, "bit/s");
  checkRate("rate_pps", c.rate_pps, kMinRatePps, kMaxRatePps, "packets/s");
  if (c.burst_interval_ns < 0) {
    throw ConfigError(fmt::format("pacer config: burst_interval_ns = {} is negative; expected 0 (no on/off schedule) or a period > 0 ns",
                                  c.burst_interval_ns));
  }
  if (c.burst_bytes > 0 && c.burst_interval_ns == 0) {
    throw ConfigError(fmt::format("pacer config: burst_bytes = {} needs burst_interval_ns > 0 (the on/off period); got burst_interval_ns = 0",
                                  c.burst_bytes));
  }
  if (c.burst_interval_ns > 0 && c.burst_bytes == 0) {
    throw ConfigError(fmt::format("pacer config: burst_interval_ns = {} needs burst_bytes > 0 (bytes per period); got burst_bytes = 0",
                                  c.burst_interval_ns));
  }
  if (c.start_ns < 0) {
    throw ConfigError(fmt::format("pacer config: start_ns = {} is negative; expected 0 (first call) or an absolute CLOCK_MONOTONIC time in ns",
                                  c.start_ns));
  }
  if (rate_bps_ > 0) {
    byte_lane_.active = true;
    byte_lane_.ns_per_unit = 8.0 * kNsPerSec / rate_bps_;
    if (bucket_bytes_ == 0) {
      const double one_ms = std::ceil(rate_bps_ / 8.0 * static_cast<double>(kDefaultBucketNs) / kNsPerSec);
      bucket_bytes_ = std::max(kDefaultBucketBytes, static_cast<uint64_t>(one_ms));
    }
  }
  if (rate_pps_ > 0) {
    packet_lane_.active = true;
    packet_lane_.ns_per_unit = static_cast<double>(kNsPerSec) / rate_pps_;
  }
  byte_lane_.base_ns = packet_lane_.base_ns = start_ns_;
}

bool Pacer::unlimited() const noexcept { return !byte_lane_.active && !packet_lane_.active && !burstActive(); }

uint64_t Pacer::bucketBytes() const noexcept { return byte_lane_.active ? bucket_bytes_ : 0; }

void Pacer::ensureStarted(int64_t now) noexcept {
  if (started_) return;
  started_ = true;
  start_ns_ = now;
  byte_lane_.base_ns = packet_lane_.base_ns = now;
}

uint64_t Pacer::packetDepth(uint64_t bytes) const noexcept {
  if (bucket_cfg_bytes_ > 0) return std::max<uint64_t>(1, bucket_cfg_bytes_ / std::max<uint64_t>(bytes, 1));
  const double one_ms = std::ceil(rate_pps_ * static_cast<double>(kDefaultBucketNs) / kNsPerSec);
  return std::max(kDefaultBucketMessages, static_cast<uint64_t>(one_ms));
}

// ---- rate lanes ----------------------------------------------------------------------------

int64_t Pacer::laneEligible(const Lane& l) noexcept {
  return satAdd(l.base_ns, ceilNs(static_cast<double>(l.units) * l.ns_per_unit));
}

uint64_t Pacer::laneAllowance(const Lane& l, uint64_t unit, uint64_t depth, uint64_t max_n, int64_t now) noexcept {
  const double rel = static_cast<double>(now - l.base_ns);
  // The same comparison as laneEligible() (rel is an integer >= the ceil'd slot start).
  if (rel < static_cast<double>(l.units) * l.ns_per_unit) return 0;
  if (unit == 0) return max_n;
  // Credit beyond the first slot, in units, capped by the bucket.
  double credit = rel / l.ns_per_unit - static_cast<double>(l.units);
  const double cap = depth > unit ? static_cast<double>(depth - unit) : 0.0;
  credit = std::clamp(credit, 0.0, cap);
  const double n = std::floor(credit / static_cast<double>(unit)) + 1;
  return n >= static_cast<double>(max_n) ? max_n : static_cast<uint64_t>(n);
}

void Pacer::laneConsume(Lane& l, uint64_t unit, uint64_t depth, uint64_t n, int64_t now) noexcept {
  const int64_t cap_units = depth > unit ? static_cast<int64_t>(std::min<uint64_t>(depth - unit, uint64_t{1} << 62)) : 0;
  const double credit = static_cast<double>(now - l.base_ns) / l.ns_per_unit - static_cast<double>(l.units);
  if (credit > static_cast<double>(cap_units)) {
    // Lagging by more than the bucket (idle or stalled sender): drop the excess credit by
    // re-anchoring the schedule at `now` with exactly the bucket's credit.
    l.base_ns = now;
    l.units = -cap_units;
  }
  l.units += static_cast<int64_t>(std::min<uint64_t>(unit * n, uint64_t{1} << 62));
}

// ---- on/off schedule -------------------------------------------------------------------------

int64_t Pacer::periodOf(int64_t now) const noexcept {
  return now <= start_ns_ ? 0 : (now - start_ns_) / burst_interval_ns_;
}

// ---- public --------------------------------------------------------------------------------

int64_t Pacer::eligibleAt(uint64_t bytes, int64_t now_ns) noexcept {
  ensureStarted(now_ns);
  int64_t e = start_ns_;
  if (byte_lane_.active) e = std::max(e, laneEligible(byte_lane_));
  if (packet_lane_.active) e = std::max(e, laneEligible(packet_lane_));
  if (burstActive()) {
    // The schedule only ever becomes more permissive as time passes within a period and is
    // fresh in the next one, so evaluating it at max(now, start) and taking the max is exact.
    const int64_t t = std::max(now_ns, start_ns_);
    const int64_t k = periodOf(t);
    const uint64_t used = k == burst_period_ ? burst_used_ : 0;
    const bool fits = used == 0 || (used <= burst_bytes_ && bytes <= burst_bytes_ - used);
    if (!fits) e = std::max(e, satAdd(start_ns_, satMul(k + 1, burst_interval_ns_)));
  }
  return e;
}

uint32_t Pacer::allowance(uint64_t bytes, uint32_t max_messages, int64_t now_ns) noexcept {
  ensureStarted(now_ns);
  if (now_ns < start_ns_ || max_messages == 0) return 0;
  uint64_t n = max_messages;
  if (byte_lane_.active) n = std::min(n, laneAllowance(byte_lane_, bytes, bucket_bytes_, n, now_ns));
  if (packet_lane_.active) n = std::min(n, laneAllowance(packet_lane_, 1, packetDepth(bytes), n, now_ns));
  if (burstActive() && n > 0) {
    const int64_t k = periodOf(now_ns);
    const uint64_t used = k == burst_period_ ? burst_used_ : 0;
    uint64_t b;
    if (used == 0 && bytes > burst_bytes_) {
      b = 1;  // an oversize message gets a period to itself
    } else if (used >= burst_bytes_) {
      b = 0;
    } else {
      b = bytes == 0 ? n : (burst_bytes_ - used) / bytes;
    }
    n = std::min(n, b);
  }
  return static_cast<uint32_t>(n);
}

void Pacer::consume(uint64_t bytes, uint32_t messages, int64_t now_ns) noexcept {
  ensureStarted(now_ns);
  if (messages == 0) return;
  int64_t end = now_ns;
  if (byte_lane_.active) {
    laneConsume(byte_lane_, bytes, bucket_bytes_, messages, now_ns);
    const double slots = static_cast<double>(bytes) * messages * byte_lane_.ns_per_unit;
    end = std::max({end, laneEligible(byte_lane_), satAdd(now_ns, ceilNs(slots))});
  }
  if (packet_lane_.active) {
    laneConsume(packet_lane_, 1, packetDepth(bytes), messages, now_ns);
    const double slots = static_cast<double>(messages) * packet_lane_.ns_per_unit;
    end = std::max({end, laneEligible(packet_lane_), satAdd(now_ns, ceilNs(slots))});
  }
  if (burstActive()) {
    const int64_t k = periodOf(now_ns);
    if (k != burst_period_) {
      burst_period_ = k;
      burst_used_ = 0;
    }
    burst_used_ += bytes * messages;
    end = std::max(end, satAdd(start_ns_, satMul(k + 1, burst_interval_ns_)));
  }
  bytes_ += bytes * messages;
  messages_ += messages;
  last_end_ns_ = end;
}

uint64_t Pacer::burstIndex(int64_t now_ns) const noexcept {
  if (!burstActive() || !started_ || now_ns < start_ns_) return 0;
  return static_cast<uint64_t>(periodOf(now_ns));
}

Pacer::Stats Pacer::stats() const noexcept {
  Stats s{};
  s.target_bps = rate_bps_;
  if (burstActive()) {
    const double avg = static_cast<double>(burst_bytes_) * 8.0 * kNsPerSec / static_cast<double>(burst_interval_ns_);
    s.target_bps = rate_bps_ > 0 ? std::min(rate_bps_, avg) : avg;
  }
  s.target_pps = rate_pps_;
  s.bytes = bytes_;
  s.messages = messages_;
  s.first_ns = started_ ? start_ns_ : 0;
  s.last_ns = messages_ > 0 ? last_end_ns_ : s.first_ns;
  const int64_t elapsed = s.last_ns - s.first_ns;
  if (elapsed > 0) {
    s.achieved_bps = static_cast<double>(bytes_) * 8.0 * kNsPerSec / static_cast<double>(elapsed);
    s.achieved_pps = static_cast<double>(messages_) * kNsPerSec / static_cast<double>(elapsed);
  }
  return s;
}

}  // namespace fabcheck::pacing
