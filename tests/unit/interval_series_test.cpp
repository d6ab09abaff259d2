#include "generators/measure/interval_series.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "generators/core/errors.h"

namespace fabcheck::measure {
namespace {

constexpr int64_t kT0 = 5'000'000'000;  // an arbitrary monotonic origin

uint64_t sumBytes(const IntervalSeries& s) {
  uint64_t total = 0;
  for (const auto& x : s.samples()) total += x.bytes;
  return total;
}

uint64_t sumPackets(const IntervalSeries& s) {
  uint64_t total = 0;
  for (const auto& x : s.samples()) total += x.packets;
  return total;
}

TEST(IntervalSeries, BytesLandInTheIntervalOfTheirTime) {
  IntervalSeries s(100);
  s.start(kT0);
  s.add(kT0, 10, 1);
  s.add(kT0 + 99, 20, 1);
  s.add(kT0 + 100, 5, 1);  // exactly at the boundary: the next interval
  s.add(kT0 + 250, 7, 1);
  EXPECT_EQ(s.samples().size(), 2u);  // only closed intervals
  s.finish(kT0 + 330);
  const auto& v = s.samples();
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].start_ns, 0);
  EXPECT_EQ(v[0].duration_ns, 100);
  EXPECT_EQ(v[0].bytes, 30u);
  EXPECT_EQ(v[0].packets, 2u);
  EXPECT_EQ(v[1].start_ns, 100);
  EXPECT_EQ(v[1].bytes, 5u);
  EXPECT_EQ(v[2].start_ns, 200);
  EXPECT_EQ(v[2].bytes, 7u);
  EXPECT_EQ(v[3].start_ns, 300);
  EXPECT_EQ(v[3].duration_ns, 30);  // partial last interval has its real duration
  EXPECT_EQ(v[3].bytes, 0u);
}

TEST(IntervalSeries, EmptyIntervalsAppearAsZeros) {
  IntervalSeries s(1'000);
  s.start(kT0);
  s.add(kT0 + 10, 100, 1);
  s.add(kT0 + 5'500, 200, 2);
  s.finish(kT0 + 6'000);
  const auto& v = s.samples();
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[0].bytes, 100u);
  for (size_t k = 1; k <= 4; ++k) {
    EXPECT_EQ(v[k].start_ns, static_cast<int64_t>(k) * 1'000);
    EXPECT_EQ(v[k].duration_ns, 1'000);
    EXPECT_EQ(v[k].bytes, 0u);
    EXPECT_EQ(v[k].packets, 0u);
    EXPECT_EQ(v[k].gbps(), 0.0);
  }
  EXPECT_EQ(v[5].bytes, 200u);
  EXPECT_EQ(v[5].duration_ns, 1'000);  // finish exactly at a boundary: no zero-length tail
}

TEST(IntervalSeries, FinishWithTrafficAtTheBoundaryKeepsIt) {
  IntervalSeries s(100);
  s.start(0);
  s.add(100, 9, 1);
  s.finish(100);
  ASSERT_EQ(s.samples().size(), 2u);
  EXPECT_EQ(s.samples()[1].duration_ns, 0);
  EXPECT_EQ(s.samples()[1].bytes, 9u);
  EXPECT_EQ(s.samples()[1].gbps(), 0.0);  // no division by zero
}

TEST(IntervalSeries, TotalsEqualTheSumOfSamples) {
  IntervalSeries s;  // 100 ms
  s.start(kT0);
  uint64_t bytes = 0;
  for (int64_t t = 0; t < 2'000'000'000; t += 7'777'777) {
    const uint64_t b = static_cast<uint64_t>(t % 9'000) + 64;
    s.add(kT0 + t, b, 1);
    bytes += b;
  }
  s.finish(kT0 + 2'050'000'000);
  EXPECT_EQ(s.totalBytes(), bytes);
  EXPECT_EQ(sumBytes(s), s.totalBytes());
  EXPECT_EQ(sumPackets(s), s.totalPackets());
  EXPECT_EQ(s.samples().size(), 21u);
  EXPECT_EQ(s.samples().back().duration_ns, 50'000'000);
}

TEST(IntervalSeries, RatesAreInGbpsAndMpps) {
  const IntervalSample x{0, 100'000'000, 12'500'000, 100'000};
  EXPECT_DOUBLE_EQ(x.gbps(), 1.0);
  EXPECT_DOUBLE_EQ(x.mpps(), 1.0);
  const nlohmann::json j = x;
  EXPECT_DOUBLE_EQ(j.at("start_s").get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j.at("duration_s").get<double>(), 0.1);
  EXPECT_EQ(j.at("bytes").get<uint64_t>(), 12'500'000u);
  EXPECT_EQ(j.at("packets").get<uint64_t>(), 100'000u);
  EXPECT_DOUBLE_EQ(j.at("gbps").get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j.at("mpps").get<double>(), 1.0);
}

TEST(IntervalSeries, AddBeforeStartStartsAndAddAfterFinishIsIgnored) {
  IntervalSeries s(100);
  s.add(kT0 + 50, 3, 1);  // implicit start at kT0 + 50
  EXPECT_TRUE(s.started());
  s.add(kT0 + 160, 4, 1);
  s.finish(kT0 + 200);
  s.add(kT0 + 210, 1000, 1);
  s.finish(kT0 + 900);
  ASSERT_EQ(s.samples().size(), 2u);
  EXPECT_EQ(s.samples()[0].bytes, 3u);
  EXPECT_EQ(s.samples()[1].bytes, 4u);
  EXPECT_EQ(s.samples()[1].duration_ns, 50);
  EXPECT_EQ(s.totalBytes(), 7u);
}

TEST(IntervalSeries, StaleTimestampGoesToTheOpenInterval) {
  IntervalSeries s(100);
  s.start(kT0);
  s.add(kT0 + 150, 1, 1);
  s.add(kT0 + 20, 2, 1);  // earlier than the open interval [100, 200)
  s.add(kT0 - 1'000, 4, 1);
  s.finish(kT0 + 200);
  ASSERT_EQ(s.samples().size(), 2u);
  EXPECT_EQ(s.samples()[1].bytes, 7u);
  EXPECT_EQ(sumBytes(s), s.totalBytes());
}

TEST(IntervalSeries, HugeTimeJumpIsBoundedAndReportedAsTruncated) {
  IntervalSeries s(10);
  s.start(0);
  s.add(0, 1, 1);
  s.add(INT64_MAX, 2, 1);
  EXPECT_TRUE(s.truncated());
  EXPECT_EQ(s.samples().size(), IntervalSeries::kMaxSamples);
  EXPECT_EQ(s.samples()[0].bytes, 1u);
  EXPECT_EQ(s.totalBytes(), 3u);
}

TEST(IntervalSeries, MergeSumAddsAlignedSamples) {
  IntervalSeries a(100), b(100);
  a.start(0);
  b.start(0);
  a.add(10, 100, 1);
  a.add(110, 200, 2);
  a.finish(150);
  b.add(20, 1'000, 10);
  b.add(120, 2'000, 20);
  b.add(230, 3'000, 30);
  b.finish(290);
  const IntervalSeries sum = IntervalSeries::mergeSum({a, b});
  const auto& v = sum.samples();
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].bytes, 1'100u);
  EXPECT_EQ(v[0].packets, 11u);
  EXPECT_EQ(v[1].bytes, 2'200u);
  EXPECT_EQ(v[1].duration_ns, 100);  // the longer of a's partial (50) and b's full interval
  EXPECT_EQ(v[2].start_ns, 200);
  EXPECT_EQ(v[2].bytes, 3'000u);
  EXPECT_EQ(v[2].duration_ns, 90);
  EXPECT_EQ(sum.totalBytes(), a.totalBytes() + b.totalBytes());
  EXPECT_EQ(sumBytes(sum), sum.totalBytes());
  EXPECT_TRUE(sum.finished());
  EXPECT_TRUE(IntervalSeries::mergeSum({}).samples().empty());
}

TEST(IntervalSeries, MergeSumOfDifferentIntervalsThrowsConfigError) {
  EXPECT_THROW(IntervalSeries::mergeSum({IntervalSeries(100), IntervalSeries(200)}), ConfigError);
}

TEST(IntervalSeries, JsonRoundTrip) {
  IntervalSeries s;  // 100 ms: seconds in JSON must come back as exact ns
  s.start(kT0);
  for (int64_t t = 0; t < 3'000'000'000; t += 33'333'333) s.add(kT0 + t, 1'500, 1);
  s.finish(kT0 + 3'012'345'678);
  const nlohmann::json j = s.toJson();
  const IntervalSeries back = IntervalSeries::fromJson(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.toJson(), j);
  ASSERT_EQ(back.samples().size(), s.samples().size());
  for (size_t k = 0; k < s.samples().size(); ++k) {
    EXPECT_EQ(back.samples()[k].start_ns, s.samples()[k].start_ns);
    EXPECT_EQ(back.samples()[k].duration_ns, s.samples()[k].duration_ns);
    EXPECT_EQ(back.samples()[k].bytes, s.samples()[k].bytes);
  }
  EXPECT_EQ(back.samples().back().duration_ns, 12'345'678);
  EXPECT_EQ(back.totalBytes(), s.totalBytes());
  EXPECT_EQ(back.intervalNs(), s.intervalNs());
  EXPECT_TRUE(back.finished());
}

TEST(IntervalSeries, FromJsonRejectsMalformedInput) {
  IntervalSeries s(100);
  s.start(0);
  s.add(10, 5, 1);
  s.add(150, 5, 1);
  s.finish(180);
  const nlohmann::json good = s.toJson();
  auto broken = [&](auto&& edit) {
    nlohmann::json j = good;
    edit(j);
    return j;
  };
  EXPECT_THROW(IntervalSeries::fromJson(nlohmann::json(3)), ProtocolError);
  EXPECT_THROW(IntervalSeries::fromJson(broken([](auto& j) { j["interval_ns"] = 0; })), ProtocolError);
  EXPECT_THROW(IntervalSeries::fromJson(broken([](auto& j) { j.erase("samples"); })), ProtocolError);
  EXPECT_THROW(IntervalSeries::fromJson(broken([](auto& j) { j["samples"][1]["start_s"] = 5.0; })), ProtocolError);
  EXPECT_THROW(IntervalSeries::fromJson(broken([](auto& j) { j["samples"][0]["bytes"] = -1; })), ProtocolError);
  EXPECT_THROW(IntervalSeries::fromJson(broken([](auto& j) { j["total_bytes"] = 1; })), ProtocolError);
  EXPECT_THROW(IntervalSeries::fromJson(broken([](auto& j) { j["truncated"] = "no"; })), ProtocolError);
  EXPECT_NO_THROW(IntervalSeries::fromJson(good));
}

TEST(IntervalSeries, NonPositiveIntervalThrowsConfigError) {
  EXPECT_THROW(IntervalSeries(0), ConfigError);
  EXPECT_THROW(IntervalSeries(-5), ConfigError);
  try {
    IntervalSeries bad(-5);
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("interval_ns=-5"), std::string::npos);
  }
}

}  // namespace
}  // namespace fabcheck::measure
