// Pacer: decides when a sender may send (rate, token bucket, on/off schedule, absolute start).
//
// Contract:
// - The clock is injected: every call takes `now_ns` (CLOCK_MONOTONIC ns, see core/clock.h), so
//   the pacer itself never reads a clock and tests are deterministic. Times must not go
//   backwards between calls; nothing is eligible before the start time.
// - Start: config.start_ns (absolute CLOCK_MONOTONIC) or, when 0, the `now_ns` of the first call
//   to eligibleAt/allowance/consume.
// - Rate limits (rate_bps counts the bytes the caller passes; rate_pps counts messages) follow an
//   ideal schedule: message k occupies the slot [E_k, E_k + bytes/rate) and may be sent from the
//   start of its slot; E_0 = start and E_{k+1} = E_k + bytes_k/rate. Eligibility is computed from
//   this schedule (never "now + gap"), so a sender that is late by less than the bucket catches
//   up and the long-run rate does not drift. Each limit is its own constraint; when both are set
//   the tighter one wins.
// - Token bucket: after idle or a stall the schedule may lag `now` by at most the bucket, so at
//   most max(1, floor(bucket / bytes)) messages are eligible back to back. Bucket depth:
//     byte limit:   bucket_bytes, or when 0: max(64 KiB, 1 ms of rate_bps);
//     packet limit: max(1, floor(bucket_bytes / bytes)) messages, or when bucket_bytes is 0:
//                   max(64, 1 ms of rate_pps) messages.
//   The schedule starts with no credit: at start exactly one message is eligible.
// - On/off schedule (burst_bytes B with burst_interval_ns T): period k starts at start + k*T and
//   allows B bytes back to back (floor(B / bytes) messages of `bytes`); unused allowance does
//   not carry over. A message larger than B gets a period to itself. Combined with rate limits,
//   a message must satisfy every constraint.
// - Unlimited (no rate, no schedule): everything is eligible from the start time.
// - consume() records what the caller sent; the caller may send more than allowed, which
//   delays later eligibility accordingly (the schedule stays honest).
// - Stats: achieved = counted bytes (messages) / (last_ns - first_ns), where first_ns is the
//   start time and last_ns is the end of the last send's slot: the latest of the consume
//   time, each rate limit's schedule end after it (E_{n}) and consume time + its slots at that
//   rate, and the end of its on/off period. A sender that keeps up therefore reports exactly
//   the target; a slow sender reports what it achieved.
// - `bytes` per message is assumed < 2^32 (byte counts are not overflow-checked).
// - Data-path calls are noexcept, allocation-free and O(1). Not thread-safe: one pacer per
//   sending thread (or flow).
#pragma once

#include <cstdint>

namespace fabcheck::pacing {

struct PacerConfig {
  double rate_bps = 0;            // bits per second; 0 = no bit-rate limit
  double rate_pps = 0;            // packets per second; 0 = no packet-rate limit (both may be set)
  uint64_t bucket_bytes = 0;      // token bucket depth; 0 = default (see the header comment)
  uint64_t burst_bytes = 0;       // >0 with burst_interval_ns: on/off schedule
  int64_t burst_interval_ns = 0;
  int64_t start_ns = 0;           // absolute CLOCK_MONOTONIC start; 0 = first call
};

class Pacer {
 public:
  static constexpr double kMaxRateBps = 1e15;  // 1 Pbit/s
  static constexpr double kMinRateBps = 1;
  static constexpr double kMaxRatePps = 1e12;
  static constexpr double kMinRatePps = 1e-3;
  static constexpr uint64_t kDefaultBucketBytes = 64 * 1024;
  static constexpr uint64_t kDefaultBucketMessages = 64;
  static constexpr int64_t kDefaultBucketNs = 1'000'000;  // 1 ms of the rate

  // Throws ConfigError naming the bad field, its value and what was expected.
  explicit Pacer(const PacerConfig& config);

  bool unlimited() const noexcept;

  // Earliest time (mono ns) at which a message of `bytes` may be sent; <= now means "now".
  int64_t eligibleAt(uint64_t bytes, int64_t now_ns) noexcept;
  // How many messages of `bytes` each may be sent at `now_ns`, up to `max_messages`.
  uint32_t allowance(uint64_t bytes, uint32_t max_messages, int64_t now_ns) noexcept;
  // The caller sent `messages` messages of `bytes` each at `now_ns`.
  void consume(uint64_t bytes, uint32_t messages, int64_t now_ns) noexcept;
  // Current on/off period index (0 without a schedule or before the start).
  uint64_t burstIndex(int64_t now_ns) const noexcept;

  struct Stats {
    double target_bps;    // rate_bps and/or the schedule's average (B*8/T); 0 = no byte limit
    double target_pps;    // rate_pps; 0 = no packet limit
    double achieved_bps;  // bytes * 8 / (last_ns - first_ns); 0 before any elapsed time
    double achieved_pps;
    uint64_t bytes, messages;
    int64_t first_ns, last_ns;
  };
  Stats stats() const noexcept;

  // Effective byte bucket depth (after the default), 0 without a byte-rate limit.
  uint64_t bucketBytes() const noexcept;

 private:
  // One rate constraint as an ideal schedule: E = base_ns + units * ns_per_unit.
  struct Lane {
    bool active = false;
    double ns_per_unit = 0;
    int64_t base_ns = 0;
    int64_t units = 0;  // units scheduled since base_ns (negative: credit left after idle)
  };
  static int64_t laneEligible(const Lane& l) noexcept;
  static uint64_t laneAllowance(const Lane& l, uint64_t unit, uint64_t depth, uint64_t max_n, int64_t now) noexcept;
  static void laneConsume(Lane& l, uint64_t unit, uint64_t depth, uint64_t n, int64_t now) noexcept;
  uint64_t packetDepth(uint64_t bytes) const noexcept;
  bool burstActive() const noexcept { return burst_bytes_ > 0; }
  int64_t periodOf(int64_t now) const noexcept;
  void ensureStarted(int64_t now) noexcept;

  double rate_bps_, rate_pps_;
  uint64_t bucket_bytes_;      // effective byte depth
  uint64_t bucket_cfg_bytes_;  // as configured (0 = default)
  uint64_t burst_bytes_;
  int64_t burst_interval_ns_;
  int64_t start_ns_;
  bool started_;
  Lane byte_lane_, packet_lane_;
  int64_t burst_period_ = -1;  // period that burst_used_ belongs to
  uint64_t burst_used_ = 0;
  uint64_t bytes_ = 0, messages_ = 0;
  int64_t last_end_ns_ = 0;
};

}  // namespace fabcheck::pacing
