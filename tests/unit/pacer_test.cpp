#include "generators/pacing/pacer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/pacing/wait.h"

namespace fabcheck::pacing {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kUs = 1'000;
constexpr int64_t kT0 = 1'000 * kSec;  // an arbitrary CLOCK_MONOTONIC start
constexpr uint64_t kMsg = 1400;

struct Sent {
  uint64_t bytes = 0;
  uint64_t messages = 0;
};

// Simulated sender: waits (in simulated time) for eligibility, then sends one message, with an
// optional extra delay after each wake-up. Counts what it sent before `until`.
Sent runSender(Pacer& p, uint64_t bytes, int64_t start, int64_t until, const std::function<int64_t()>& jitter = {}) {
  Sent s;
  int64_t now = start;
  for (;;) {
    const int64_t t = p.eligibleAt(bytes, now);
    if (t > now) now = t;
    if (jitter) now += jitter();
    if (now >= until) break;
    EXPECT_GE(p.allowance(bytes, 1, now), 1u) << "eligibleAt said now, allowance disagrees at " << now;
    p.consume(bytes, 1, now);
    s.bytes += bytes;
    s.messages += 1;
  }
  return s;
}

double rel(double achieved, double target) { return std::abs(achieved / target - 1.0); }

struct RateCase {
  double bps;
  int64_t duration_ns;
};

class PacerRate : public ::testing::TestWithParam<RateCase> {};

TEST_P(PacerRate, AchievesTargetWithinPointOnePercent) {
  const auto rc = GetParam();
  Pacer p(PacerConfig{.rate_bps = rc.bps, .start_ns = kT0});
  const Sent s = runSender(p, kMsg, kT0 - kMs, kT0 + rc.duration_ns);
  const double achieved = static_cast<double>(s.bytes) * 8 * kSec / static_cast<double>(rc.duration_ns);
  EXPECT_LT(rel(achieved, rc.bps), 0.001) << "achieved " << achieved;
  const auto st = p.stats();
  EXPECT_EQ(st.bytes, s.bytes);
  EXPECT_EQ(st.first_ns, kT0);
  EXPECT_DOUBLE_EQ(st.target_bps, rc.bps);
  EXPECT_LT(rel(st.achieved_bps, rc.bps), 1e-6) << "a sender that keeps up reports the target";
}

INSTANTIATE_TEST_SUITE_P(Rates, PacerRate,
                         ::testing::Values(RateCase{10e6, 10 * kSec}, RateCase{1e9, 1 * kSec}, RateCase{5e9, 1 * kSec},
                                         RateCase{123.456e6, 3 * kSec}),
                         [](const auto& info) { return "Case" + std::to_string(info.index); });

TEST(Pacer, MillionPacketsPerSecond) {
  Pacer p(PacerConfig{.rate_pps = 1e6, .start_ns = kT0});
  const Sent s = runSender(p, 64, kT0, kT0 + kSec);
  EXPECT_LT(rel(static_cast<double>(s.messages), 1e6), 0.001) << s.messages;
  EXPECT_LT(rel(p.stats().achieved_pps, 1e6), 1e-6);
  EXPECT_EQ(p.stats().target_bps, 0.0);
}

TEST(Pacer, JitteryAndStallingSenderDoesNotDrift) {
  // Each send wakes up 0-8 us late (slot is 11.2 us) and 1% of them stall 200 us (< bucket).
  // A "now + gap" pacer would lose ~25%; the ideal schedule catches up.
  Pacer p(PacerConfig{.rate_bps = 1e9, .start_ns = kT0});
  std::mt19937_64 rng(11);
  auto jitter = [&]() -> int64_t {
    int64_t j = static_cast<int64_t>(rng() % (8 * kUs));
    if (rng() % 100 == 0) j += 200 * kUs;
    return j;
  };
  const Sent s = runSender(p, kMsg, kT0, kT0 + kSec, jitter);
  const double achieved = static_cast<double>(s.bytes) * 8;  // over exactly 1 s
  EXPECT_LT(rel(achieved, 1e9), 0.001) << achieved;
  EXPECT_LT(rel(p.stats().achieved_bps, 1e9), 0.001);
}

TEST(Pacer, BatchedSenderPollingEvery50usKeepsRate) {
  Pacer p(PacerConfig{.rate_bps = 1e9, .start_ns = kT0});
  uint64_t bytes = 0;
  uint32_t max_seen = 0;
  for (int64_t now = kT0; now < kT0 + kSec; now += 50 * kUs) {
    const uint32_t n = p.allowance(kMsg, 64, now);
    max_seen = std::max(max_seen, n);
    p.consume(kMsg, n, now);
    bytes += n * kMsg;
  }
  EXPECT_LT(rel(static_cast<double>(bytes) * 8, 1e9), 0.001) << bytes;
  EXPECT_LE(max_seen, 6u) << "50 us at 1 Gbit/s is ~4.5 messages";
}

TEST(Pacer, SlowSenderReportsWhatItAchieved) {
  // The sender can only send every 20 us; the target slot is 11.2 us.
  Pacer p(PacerConfig{.rate_bps = 1e9, .start_ns = kT0});
  for (int64_t now = kT0; now < kT0 + kSec; now += 20 * kUs) {
    ASSERT_GE(p.allowance(kMsg, 1, now), 1u);
    p.consume(kMsg, 1, now);
  }
  EXPECT_LT(rel(p.stats().achieved_bps, kMsg * 8 / 20e-6), 0.001) << p.stats().achieved_bps;
}

TEST(Pacer, BucketBoundsTheBurstAfterIdle) {
  Pacer p(PacerConfig{.rate_bps = 1e9, .bucket_bytes = 10 * kMsg, .start_ns = kT0});
  EXPECT_EQ(p.bucketBytes(), 10 * kMsg);
  p.consume(kMsg, 1, kT0);
  const int64_t later = kT0 + kSec;
  EXPECT_EQ(p.allowance(kMsg, 1000, later), 10u);
  p.consume(kMsg, 10, later);
  EXPECT_EQ(p.allowance(kMsg, 1000, later), 0u);
  EXPECT_EQ(p.eligibleAt(kMsg, later), later + 11'200) << "then back on the schedule";

  // The same bound when sending one at a time.
  Pacer q(PacerConfig{.rate_bps = 1e9, .bucket_bytes = 10 * kMsg, .start_ns = kT0});
  int sent = 0;
  while (q.allowance(kMsg, 1, later) == 1 && sent < 100) {
    q.consume(kMsg, 1, later);
    ++sent;
  }
  EXPECT_EQ(sent, 10);

  // A message bigger than the bucket: one at a time.
  Pacer r(PacerConfig{.rate_bps = 1e9, .bucket_bytes = 1000, .start_ns = kT0});
  EXPECT_EQ(r.allowance(kMsg, 1000, later), 1u);
}

TEST(Pacer, DefaultBucketIsMax64KiBOr1ms) {
  Pacer slow(PacerConfig{.rate_bps = 10e6, .start_ns = kT0});
  EXPECT_EQ(slow.bucketBytes(), 65536u);
  EXPECT_EQ(slow.allowance(kMsg, 1000, kT0 + 100 * kSec), 65536u / kMsg);
  Pacer fast(PacerConfig{.rate_bps = 1e9, .start_ns = kT0});
  EXPECT_EQ(fast.bucketBytes(), 125'000u);
  EXPECT_EQ(fast.allowance(kMsg, 1000, kT0 + 100 * kSec), 125'000u / kMsg);
  Pacer pps(PacerConfig{.rate_pps = 1e6, .start_ns = kT0});
  EXPECT_EQ(pps.allowance(64, 100'000, kT0 + kSec), 1000u) << "1 ms at 1 Mpps";
  Pacer pps_slow(PacerConfig{.rate_pps = 100, .start_ns = kT0});
  EXPECT_EQ(pps_slow.allowance(64, 100'000, kT0 + 100 * kSec), 64u);
  Pacer pps_bucket(PacerConfig{.rate_pps = 1e6, .bucket_bytes = 10 * kMsg, .start_ns = kT0});
  EXPECT_EQ(pps_bucket.allowance(kMsg, 100'000, kT0 + kSec), 10u);
}

TEST(Pacer, NothingBeforeStartAndNoInitialCredit) {
  Pacer p(PacerConfig{.rate_bps = 1e9, .start_ns = kT0});
  EXPECT_EQ(p.eligibleAt(kMsg, kT0 - kSec), kT0);
  EXPECT_EQ(p.allowance(kMsg, 10, kT0 - 1), 0u);
  EXPECT_EQ(p.allowance(kMsg, 10, kT0), 1u);
  p.consume(kMsg, 1, kT0);
  EXPECT_EQ(p.eligibleAt(kMsg, kT0), kT0 + 11'200);
  EXPECT_EQ(p.allowance(kMsg, 10, kT0 + 11'199), 0u);
  EXPECT_EQ(p.allowance(kMsg, 10, kT0 + 11'200), 1u);

  Pacer u(PacerConfig{.start_ns = kT0});
  EXPECT_TRUE(u.unlimited());
  EXPECT_EQ(u.eligibleAt(kMsg, 5), kT0);
  EXPECT_EQ(u.allowance(kMsg, 32, kT0 - 1), 0u);
  EXPECT_EQ(u.allowance(kMsg, 32, kT0), 32u);
}

TEST(Pacer, StartZeroMeansFirstCall) {
  Pacer p(PacerConfig{.rate_bps = 1e9});
  EXPECT_FALSE(p.unlimited());
  EXPECT_EQ(p.stats().first_ns, 0);
  EXPECT_EQ(p.eligibleAt(kMsg, 777), 777);
  EXPECT_EQ(p.stats().first_ns, 777);
  p.consume(kMsg, 1, 777);
  EXPECT_EQ(p.eligibleAt(kMsg, 777), 777 + 11'200);

  Pacer u(PacerConfig{});
  EXPECT_TRUE(u.unlimited());
  EXPECT_EQ(u.allowance(kMsg, 7, 123), 7u);
  u.consume(kMsg, 7, 123);
  u.consume(kMsg, 3, 123 + kSec);
  EXPECT_EQ(u.stats().bytes, 10 * kMsg);
  EXPECT_DOUBLE_EQ(u.stats().achieved_bps, 10.0 * kMsg * 8);
}

TEST(Pacer, TighterOfBpsAndPpsWins) {
  {  // 1 Gbit/s of 1400 B is 89286 pps, so 50 kpps binds.
    Pacer p(PacerConfig{.rate_bps = 1e9, .rate_pps = 50'000, .start_ns = kT0});
    const Sent s = runSender(p, kMsg, kT0, kT0 + kSec);
    EXPECT_LT(rel(static_cast<double>(s.messages), 50'000), 0.001) << s.messages;
  }
  {  // 100 Mbit/s of 1400 B is 8929 pps, so the bit rate binds.
    Pacer p(PacerConfig{.rate_bps = 100e6, .rate_pps = 50'000, .start_ns = kT0});
    const Sent s = runSender(p, kMsg, kT0, kT0 + kSec);
    EXPECT_LT(rel(static_cast<double>(s.bytes) * 8, 100e6), 0.001) << s.bytes;
  }
}

TEST(Pacer, OnOffScheduleGivesExactlyBPerPeriodWithoutCarryOver) {
  constexpr uint64_t kB = 10 * kMsg;
  constexpr int64_t kT = kMs;
  Pacer p(PacerConfig{.burst_bytes = kB, .burst_interval_ns = kT, .start_ns = kT0});
  EXPECT_FALSE(p.unlimited());
  std::vector<uint64_t> per_period(10, 0);
  int64_t now = kT0 - kMs;
  while (true) {
    now = std::max(now, p.eligibleAt(kMsg, now));
    if (now >= kT0 + 10 * kT) break;
    const uint32_t n = p.allowance(kMsg, 64, now);
    ASSERT_GT(n, 0u);
    const uint64_t k = p.burstIndex(now);
    EXPECT_EQ(now, kT0 + static_cast<int64_t>(k) * kT) << "bursts start exactly on the period";
    per_period.at(k) += n * kMsg;
    p.consume(kMsg, n, now);
  }
  for (size_t k = 0; k < per_period.size(); ++k) EXPECT_EQ(per_period[k], kB) << "period " << k;
  EXPECT_DOUBLE_EQ(p.stats().target_bps, kB * 8.0 * 1000);
  EXPECT_LT(rel(p.stats().achieved_bps, p.stats().target_bps), 1e-9);

  // Idle for periods 10..19: period 20 still allows only B.
  const int64_t mid20 = kT0 + 20 * kT + kT / 2;
  EXPECT_EQ(p.burstIndex(mid20), 20u);
  EXPECT_EQ(p.allowance(kMsg, 1000, mid20), 10u);
  p.consume(kMsg, 3, mid20);
  EXPECT_EQ(p.allowance(kMsg, 1000, mid20), 7u);
  EXPECT_EQ(p.allowance(kMsg, 1000, kT0 + 21 * kT), 10u) << "the unused 7 do not carry over";
  p.consume(kMsg, 10, kT0 + 21 * kT);
  EXPECT_EQ(p.eligibleAt(kMsg, kT0 + 21 * kT + 5), kT0 + 22 * kT);
}

TEST(Pacer, OnOffWithUnevenAndOversizeMessages) {
  Pacer p(PacerConfig{.burst_bytes = 10'000, .burst_interval_ns = kMs, .start_ns = kT0});
  EXPECT_EQ(p.allowance(kMsg, 100, kT0), 7u);  // 9800 bytes
  Pacer q(PacerConfig{.burst_bytes = 1000, .burst_interval_ns = kMs, .start_ns = kT0});
  EXPECT_EQ(q.allowance(kMsg, 100, kT0), 1u) << "an oversize message gets a period to itself";
  q.consume(kMsg, 1, kT0);
  EXPECT_EQ(q.allowance(kMsg, 100, kT0 + 1), 0u);
  EXPECT_EQ(q.eligibleAt(kMsg, kT0 + 1), kT0 + kMs);
  EXPECT_EQ(q.burstIndex(kT0 - 1), 0u);
}

TEST(Pacer, OnOffCombinedWithRate) {
  // 10 messages every 1 ms, each burst paced at 10 Gbit/s (1.12 us per message).
  Pacer p(PacerConfig{.rate_bps = 10e9, .bucket_bytes = kMsg, .burst_bytes = 10 * kMsg, .burst_interval_ns = kMs,
                      .start_ns = kT0});
  std::vector<int64_t> times;
  int64_t now = kT0;
  while (times.size() < 11) {
    now = std::max(now, p.eligibleAt(kMsg, now));
    ASSERT_EQ(p.allowance(kMsg, 64, now), 1u);
    p.consume(kMsg, 1, now);
    times.push_back(now);
  }
  EXPECT_EQ(times[1] - times[0], 1120);
  EXPECT_EQ(times[9] - times[0], 9 * 1120);
  EXPECT_EQ(times[10], kT0 + kMs);
}

void expectConfigError(const PacerConfig& c, const std::string& field) {
  try {
    Pacer p(c);
    ADD_FAILURE() << "no ConfigError for " << field;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line";
  }
}

TEST(Pacer, BadConfigNamesTheField) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  expectConfigError({.rate_bps = -1}, "rate_bps = -1");
  expectConfigError({.rate_bps = nan}, "rate_bps = nan");
  expectConfigError({.rate_bps = inf}, "rate_bps = inf");
  expectConfigError({.rate_bps = 0.5}, "rate_bps = 0.5");
  expectConfigError({.rate_pps = nan}, "rate_pps = nan");
  expectConfigError({.rate_pps = -3}, "rate_pps = -3");
  expectConfigError({.burst_bytes = 1000}, "burst_bytes = 1000");
  expectConfigError({.burst_interval_ns = 1000}, "burst_interval_ns = 1000");
  expectConfigError({.burst_bytes = 1000, .burst_interval_ns = -5}, "burst_interval_ns = -5");
  expectConfigError({.start_ns = -1}, "start_ns = -1");
  EXPECT_NO_THROW(Pacer(PacerConfig{.rate_bps = 1, .rate_pps = 1e-3}));
}

TEST(WaitUntil, NeverReturnsEarly) {
  for (int64_t spin : {int64_t{0}, int64_t{50'000}, int64_t{10'000'000}}) {
    const int64_t deadline = monoNowNs() + 2 * kMs;
    const int64_t woke = waitUntil(deadline, spin);
    EXPECT_GE(woke, deadline) << "spin " << spin;
    EXPECT_GE(monoNowNs(), deadline);
  }
  const int64_t past = monoNowNs() - kSec;
  EXPECT_GE(waitUntil(past), past);
}

}  // namespace
}  // namespace fabcheck::pacing
