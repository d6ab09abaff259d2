#include "generators/measure/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "generators/core/errors.h"

namespace fabcheck::measure {
namespace {

constexpr int64_t kHighest = 100'000'000'000;  // 100 s in ns

int64_t pow10(int d) {
  int64_t p = 1;
  while (d-- > 0) p *= 10;
  return p;
}

enum class Dist { kUniform, kLognormal, kBimodal };

std::vector<int64_t> makeSamples(Dist dist, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> out;
  out.reserve(n);
  std::uniform_int_distribution<int64_t> uniform(1, 10'000'000);
  std::lognormal_distribution<double> lognormal(std::log(20'000.0), 1.2);
  std::normal_distribution<double> fast(5'000.0, 500.0), slow(2'000'000.0, 200'000.0);
  std::bernoulli_distribution pick_slow(0.1);
  for (size_t i = 0; i < n; ++i) {
    double v = 0;
    switch (dist) {
      case Dist::kUniform: v = static_cast<double>(uniform(rng)); break;
      case Dist::kLognormal: v = lognormal(rng); break;
      case Dist::kBimodal: v = pick_slow(rng) ? slow(rng) : fast(rng); break;
    }
    out.push_back(std::clamp<int64_t>(std::llround(v), 1, kHighest));
  }
  return out;
}

const double kQuantiles[] = {0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 99.999, 100};

class HistogramAccuracy : public ::testing::TestWithParam<std::tuple<Dist, int>> {};

TEST_P(HistogramAccuracy, PercentilesWithinConfiguredPrecisionOfExactSortedSamples) {
  const auto [dist, digits] = GetParam();
  auto samples = makeSamples(dist, 300'000, 42 + static_cast<uint64_t>(digits));
  LatencyHistogram h(1, kHighest, digits);
  for (int64_t v : samples) h.record(v);
  std::sort(samples.begin(), samples.end());
  const double tolerance = std::pow(10.0, -digits);
  for (double q : kQuantiles) {
    const int64_t exact = samples[LatencyHistogram::rankFor(q, samples.size()) - 1];
    const int64_t got = h.percentile(q);
    if (exact < pow10(digits)) {
      EXPECT_EQ(got, exact) << "q=" << q;
    } else {
      EXPECT_LE(std::abs(static_cast<double>(got - exact)), tolerance * static_cast<double>(exact))
          << "q=" << q << " exact=" << exact << " got=" << got;
    }
  }
  const HistogramSummary s = h.summary();
  EXPECT_EQ(s.count, samples.size());
  EXPECT_EQ(s.p50, h.percentile(50));
  EXPECT_EQ(s.p90, h.percentile(90));
  EXPECT_EQ(s.p99, h.percentile(99));
  EXPECT_EQ(s.p999, h.percentile(99.9));
  EXPECT_EQ(s.p9999, h.percentile(99.99));
  EXPECT_EQ(s.p99999, h.percentile(99.999));
  EXPECT_EQ(h.percentile(0), samples.front());
  EXPECT_EQ(h.percentile(100), samples.back());
}

std::string accuracyCaseName(const ::testing::TestParamInfo<HistogramAccuracy::ParamType>& info) {
  static const char* const kNames[] = {"Uniform", "Lognormal", "Bimodal"};
  return std::string(kNames[static_cast<int>(std::get<0>(info.param))]) + "Digits" +
         std::to_string(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Distributions, HistogramAccuracy,
                         ::testing::Combine(::testing::Values(Dist::kUniform, Dist::kLognormal, Dist::kBimodal),
                                            ::testing::Values(2, 3, 4)),
                         accuracyCaseName);

TEST(Histogram, BucketGeometryIsExactBelowTenToTheDigitsAndWithinPrecisionAbove) {
  for (int digits = 1; digits <= 5; ++digits) {
    LatencyHistogram h(0, kHighest, digits);
    for (int64_t v = 0; v < pow10(digits); ++v) {
      const size_t i = h.indexOf(v);
      ASSERT_EQ(h.lowerBoundOf(i), v) << "digits=" << digits;
      ASSERT_EQ(h.upperBoundOf(i), v) << "digits=" << digits;
    }
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> bits(0, 36);
    for (int k = 0; k < 20'000; ++k) {
      const int64_t v = std::min<int64_t>(static_cast<int64_t>(rng() >> (27 + bits(rng))), kHighest);
      const size_t i = h.indexOf(v);
      const int64_t lo = h.lowerBoundOf(i), hi = h.upperBoundOf(i);
      ASSERT_LE(lo, v);
      ASSERT_GE(hi, v);
      ASSERT_EQ(h.indexOf(lo), i);
      ASSERT_EQ(h.indexOf(hi), i);
      ASSERT_EQ(h.indexOf(hi + 1), i + 1);  // buckets tile the range without gaps
      // Half a bucket is within the precision of the smallest value in it.
      if (hi > lo) {
        ASSERT_LE(static_cast<double>(hi - lo + 1) / 2.0, std::pow(10.0, -digits) * static_cast<double>(lo));
      }
    }
  }
}

TEST(Histogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int64_t v = 1; v <= 1'000; ++v) h.record(v);
  for (int64_t v = 1; v <= 1'000; ++v) {
    const double q = 100.0 * static_cast<double>(v) / 1000.0;
    EXPECT_EQ(h.percentile(q), static_cast<int64_t>(LatencyHistogram::rankFor(q, 1000)));
  }
}

TEST(Histogram, ClampsOutOfRangeValuesAndCountsThem) {
  LatencyHistogram h(100, 1'000'000, 3);
  h.record(5);
  h.record(-7);
  h.record(2'000'000);
  h.record(500);
  h.recordN(5'000'000, 3);
  EXPECT_EQ(h.count(), 7u);
  EXPECT_EQ(h.clamped(), 6u);
  EXPECT_EQ(h.min(), 100);
  EXPECT_EQ(h.max(), 1'000'000);
  EXPECT_EQ(h.percentile(0), 100);
  EXPECT_EQ(h.percentile(100), 1'000'000);
  EXPECT_EQ(h.percentile(40), 500);  // rank 3 of 100, 100, 500, 1e6 x4
  EXPECT_NEAR(h.percentile(50), 1'000'000, 1'000);
}

TEST(Histogram, MinMaxMeanStddevAreExact) {
  auto samples = makeSamples(Dist::kLognormal, 100'000, 3);
  LatencyHistogram h;
  long double sum = 0;
  for (int64_t v : samples) {
    h.record(v);
    sum += static_cast<long double>(v);
  }
  const long double mean = sum / static_cast<long double>(samples.size());
  long double sq = 0;
  for (int64_t v : samples) sq += (static_cast<long double>(v) - mean) * (static_cast<long double>(v) - mean);
  const double stddev = static_cast<double>(std::sqrt(sq / static_cast<long double>(samples.size())));
  EXPECT_EQ(h.min(), *std::min_element(samples.begin(), samples.end()));
  EXPECT_EQ(h.max(), *std::max_element(samples.begin(), samples.end()));
  EXPECT_NEAR(h.mean(), static_cast<double>(mean), 1e-12 * static_cast<double>(mean));
  EXPECT_NEAR(h.stddev(), stddev, 1e-12 * stddev);

  LatencyHistogram small;
  for (int64_t v : {2, 4, 4, 4, 5, 5, 7, 9}) small.record(v);
  EXPECT_DOUBLE_EQ(small.mean(), 5.0);
  EXPECT_DOUBLE_EQ(small.stddev(), 2.0);
}

TEST(Histogram, MergeOfManyEqualsOneHistogramOfAllSamples) {
  auto samples = makeSamples(Dist::kBimodal, 200'000, 11);
  const auto more = makeSamples(Dist::kUniform, 50'000, 12);
  samples.insert(samples.end(), more.begin(), more.end());
  LatencyHistogram all;
  std::vector<LatencyHistogram> parts(8);
  for (size_t i = 0; i < samples.size(); ++i) {
    all.record(samples[i]);
    parts[(i * 7 + i / 3) % parts.size()].record(samples[i]);
  }
  LatencyHistogram merged;
  for (const auto& p : parts) merged.merge(p);
  EXPECT_EQ(merged.toJson(), all.toJson());  // bucket for bucket, sums and summary
  const auto a = all.summary(), m = merged.summary();
  EXPECT_EQ(m.mean, a.mean);
  EXPECT_EQ(m.stddev, a.stddev);
  EXPECT_EQ(m.p99999, a.p99999);

  LatencyHistogram twice = all;
  twice.merge(twice);
  LatencyHistogram expected = all;
  expected.merge(all);
  EXPECT_EQ(twice.toJson(), expected.toJson());
  EXPECT_EQ(twice.count(), 2 * all.count());
}

TEST(Histogram, MergeOfMismatchedLayoutsThrowsConfigError) {
  LatencyHistogram h(1, kHighest, 3);
  EXPECT_THROW(h.merge(LatencyHistogram(1, kHighest, 2)), ConfigError);
  EXPECT_THROW(h.merge(LatencyHistogram(2, kHighest, 3)), ConfigError);
  EXPECT_THROW(h.merge(LatencyHistogram(1, kHighest / 10, 3)), ConfigError);
  EXPECT_NO_THROW(h.merge(LatencyHistogram(1, kHighest, 3)));
}

TEST(Histogram, ConstructorRejectsBadArgumentsNamingThem) {
  auto message = [](auto&& make) {
    try {
      make();
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no ConfigError");
  };
  EXPECT_NE(message([] { LatencyHistogram(1, 100, 0); }).find("significant_digits=0"), std::string::npos);
  EXPECT_NE(message([] { LatencyHistogram(1, 100, 6); }).find("significant_digits=6"), std::string::npos);
  EXPECT_NE(message([] { LatencyHistogram(-1, 100, 3); }).find("lowest=-1"), std::string::npos);
  EXPECT_NE(message([] { LatencyHistogram(100, 100, 3); }).find("highest=100"), std::string::npos);
  EXPECT_NE(message([] { LatencyHistogram(1, LatencyHistogram::kMaxHighest + 1, 3); }).find("highest="),
            std::string::npos);
}

TEST(Histogram, MemoryIsFixedAndUnder64KiBAtThreeDigitsOverOneNsTo100s) {
  LatencyHistogram h(1, kHighest, 3);
  const size_t before = h.memoryBytes();
  EXPECT_LE(before, 65536u);
  EXPECT_GE(before, h.bucketCount() * sizeof(uint32_t));
  for (int64_t v : makeSamples(Dist::kLognormal, 100'000, 5)) h.record(v);
  h.merge(h);
  EXPECT_EQ(h.memoryBytes(), before);
  EXPECT_LE(LatencyHistogram(1, kHighest, 2).memoryBytes(), before);
}

TEST(Histogram, JsonRoundTripPreservesEverything) {
  LatencyHistogram h(1, kHighest, 3);
  for (int64_t v : makeSamples(Dist::kBimodal, 50'000, 9)) h.record(v);
  h.record(kHighest * 2);        // clamped
  h.recordN(77, (uint64_t{1} << 32) + 3);  // needs the overflow carry
  const nlohmann::json j = h.toJson();
  const LatencyHistogram back = LatencyHistogram::fromJson(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.toJson(), j);
  EXPECT_EQ(back.clamped(), 1u);
  EXPECT_EQ(back.percentile(99.9), h.percentile(99.9));
  EXPECT_EQ(j.at("summary").at("count").get<uint64_t>(), h.count());
  for (const char* key : {"count", "min", "max", "mean", "stddev", "p50", "p90", "p99", "p999", "p9999", "p99999"}) {
    EXPECT_TRUE(j.at("summary").contains(key)) << key;
  }
}

TEST(Histogram, FromJsonRejectsMalformedInput) {
  LatencyHistogram h;
  for (int64_t v : {10, 2000, 300000}) h.record(v);
  const nlohmann::json good = h.toJson();
  auto broken = [&](auto&& edit) {
    nlohmann::json j = good;
    edit(j);
    return j;
  };
  EXPECT_THROW(LatencyHistogram::fromJson(nlohmann::json::array()), ProtocolError);
  EXPECT_THROW(LatencyHistogram::fromJson(broken([](auto& j) { j.erase("layout"); })), ProtocolError);
  EXPECT_THROW(LatencyHistogram::fromJson(broken([](auto& j) { j["layout"]["significant_digits"] = 9; })),
               ProtocolError);
  EXPECT_THROW(LatencyHistogram::fromJson(broken([](auto& j) { j["layout"]["highest"] = 0; })), ProtocolError);
  EXPECT_THROW(LatencyHistogram::fromJson(broken([](auto& j) { j["count"] = 4; })), ProtocolError);
  EXPECT_THROW(LatencyHistogram::fromJson(broken([](auto& j) { j["count"] = "3"; })), ProtocolError);
  EXPECT_THROW(LatencyHistogram::fromJson(broken([](auto& j) { j["sum"] = "12x"; })), ProtocolError);
  EXPECT_THROW(LatencyHistogram::fromJson(broken([](auto& j) { j["min"] = 500000; })), ProtocolError);
  EXPECT_THROW(LatencyHistogram::fromJson(broken([](auto& j) { j["buckets"][0][0] = 1'000'000'000; })),
               ProtocolError);
  EXPECT_THROW(LatencyHistogram::fromJson(broken([](auto& j) { std::swap(j["buckets"][0], j["buckets"][1]); })),
               ProtocolError);
  EXPECT_THROW(LatencyHistogram::fromJson(broken([](auto& j) { j["buckets"][0] = nlohmann::json::array({1}); })),
               ProtocolError);
  EXPECT_NO_THROW(LatencyHistogram::fromJson(good));
}

TEST(Histogram, CounterOverflowCarriesExactlyInsteadOfWrapping) {
  LatencyHistogram h;
  const uint64_t k2_32 = uint64_t{1} << 32;
  h.recordN(5'000, k2_32 - 1);
  h.record(5'000);  // wraps the u32 counter -> carried
  h.record(5'000);
  h.record(9'000);
  EXPECT_EQ(h.saturated(), 0u);
  EXPECT_EQ(h.count(), k2_32 + 2);
  uint64_t seen = 0, buckets = 0;
  h.forEachBucket([&](int64_t, uint64_t c) {
    seen += c;
    ++buckets;
  });
  EXPECT_EQ(seen, k2_32 + 2);
  EXPECT_EQ(buckets, 2u);
  EXPECT_NEAR(h.percentile(50), 5'000, 5);  // bucket [5000, 5007] reports its midpoint
  EXPECT_EQ(h.percentile(100), 9'000);
  EXPECT_EQ(h.mean(), (5000.0 * static_cast<double>(k2_32 + 1) + 9000.0) / static_cast<double>(k2_32 + 2));
  EXPECT_EQ(h.summary().p99999, h.percentile(99.999));

  // Merging carries too: low parts that overflow on addition, and the other side's carries.
  LatencyHistogram a, b, c;
  a.recordN(5'000, k2_32 - 1);
  b.recordN(5'000, 10);
  c.recordN(5'000, 2 * k2_32 + 1);
  c.record(7'000);
  a.merge(b);
  a.merge(c);
  a.merge(h);
  uint64_t at_5000 = 0;
  a.forEachBucket([&](int64_t upper, uint64_t n) {
    if (upper >= 5'000 && upper < 5'010) at_5000 = n;
  });
  EXPECT_EQ(at_5000, (k2_32 - 1) + 10 + (2 * k2_32 + 1) + (k2_32 + 1));
  EXPECT_EQ(a.count(), (k2_32 - 1) + 10 + (2 * k2_32 + 2) + (k2_32 + 2));
  EXPECT_EQ(a.saturated(), 0u);
  EXPECT_EQ(a.percentile(100), 9'000);
}

TEST(Histogram, CounterSaturatesAndCountsWhenOverflowTableIsFull) {
  LatencyHistogram h;
  const uint64_t k2_32 = uint64_t{1} << 32;
  for (size_t s = 0; s < LatencyHistogram::kOverflowSlots; ++s) h.recordN(static_cast<int64_t>(100 + s), k2_32);
  EXPECT_EQ(h.saturated(), 0u);
  h.recordN(900, k2_32 + 5);  // no carry slot left: saturates at 2^32-1, 6 samples do not fit
  EXPECT_EQ(h.saturated(), 6u);
  h.record(900);
  EXPECT_EQ(h.saturated(), 7u);
  const uint64_t total = LatencyHistogram::kOverflowSlots * k2_32 + k2_32 + 6;
  EXPECT_EQ(h.count(), total);
  uint64_t in_buckets = 0;
  h.forEachBucket([&](int64_t, uint64_t c) { in_buckets += c; });
  EXPECT_EQ(in_buckets, total - h.saturated());
  EXPECT_EQ(h.percentile(100), 900);
  // The saturated state survives JSON and merge stays consistent.
  const auto back = LatencyHistogram::fromJson(h.toJson());
  EXPECT_EQ(back.saturated(), 7u);
  EXPECT_EQ(back.count(), total);
}

TEST(Histogram, EmptyHistogramReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.stddev(), 0.0);
  EXPECT_EQ(h.percentile(50), 0);
  const HistogramSummary s = h.summary();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p99999, 0);
  int calls = 0;
  h.forEachBucket([&](int64_t, uint64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
  const auto back = LatencyHistogram::fromJson(h.toJson());
  EXPECT_EQ(back.toJson(), h.toJson());
  LatencyHistogram other;
  other.merge(h);
  EXPECT_EQ(other.count(), 0u);
  EXPECT_EQ(other.max(), 0);
}

TEST(Histogram, PercentileClampsQuantileAndResetEmpties) {
  LatencyHistogram h;
  for (int64_t v : {10, 20, 30}) h.record(v);
  EXPECT_EQ(h.percentile(-5), 10);
  EXPECT_EQ(h.percentile(std::numeric_limits<double>::quiet_NaN()), 10);
  EXPECT_EQ(h.percentile(250), 30);
  EXPECT_EQ(h.percentile(50), 20);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0);
  h.record(40);
  EXPECT_EQ(h.min(), 40);
}

TEST(Histogram, ForEachBucketAscendsAndCoversEverySample) {
  LatencyHistogram h;
  const auto samples = makeSamples(Dist::kLognormal, 20'000, 21);
  for (int64_t v : samples) h.record(v);
  int64_t prev = -1;
  uint64_t total = 0;
  h.forEachBucket([&](int64_t upper, uint64_t c) {
    EXPECT_GT(upper, prev);
    prev = upper;
    total += c;
  });
  EXPECT_EQ(total, samples.size());
  EXPECT_GE(prev, h.max());
}

}  // namespace
}  // namespace fabcheck::measure
