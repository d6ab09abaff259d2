// Counter series (counter_series.h) and the sampler that fills them (counter_sampler.h).
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "generators/core/errors.h"
#include "harness/counters/counter_sampler.h"
#include "harness/counters/counter_series.h"
#include "harness/counters/sampled_counters.h"

namespace fabcheck::counters {
namespace {

CounterSnapshot snap(int64_t t, std::vector<std::pair<std::string, uint64_t>> values) {
  CounterSnapshot s{.taken_mono_ns = t};
  for (auto& [n, v] : values) s.samples.push_back({.name = n, .labels = {{"dev", "eth0"}}, .value = v});
  return s;
}

TEST(CounterSeries, KeepsFilteredCountersWithNullsWhereAbsent) {
  CounterSeries s{.source = "ethtool"};
  const SampleFilter keep = [](const CounterSample& c) { return c.name != "rx_bytes"; };
  appendSample(s, snap(10, {{"rx_prio3_pause", 1}, {"rx_bytes", 5}}), keep);
  appendSample(s, snap(20, {{"rx_prio3_pause", 4}, {"tx_prio3_pause", 2}}), keep);
  appendSample(s, snap(30, {{"tx_prio3_pause", 3}}), keep);
  ASSERT_EQ(s.t_mono_ns, (std::vector<int64_t>{10, 20, 30}));
  ASSERT_EQ(s.lines.size(), 2u);
  EXPECT_EQ(s.lines[0].name, "rx_prio3_pause");
  EXPECT_EQ(s.lines[0].values, (std::vector<std::optional<uint64_t>>{1, 4, std::nullopt}));
  EXPECT_EQ(s.lines[1].values, (std::vector<std::optional<uint64_t>>{std::nullopt, 2, 3}));
  const auto snaps = toSnapshots(s);
  ASSERT_EQ(snaps.size(), 3u);
  EXPECT_EQ(snaps[0].samples.size(), 1u);
  EXPECT_EQ(snaps[1].samples.size(), 2u);
  EXPECT_EQ(snaps[2].taken_mono_ns, 30);
}

TEST(CounterSeries, JsonRoundTripWritesConstantsOnce) {
  CounterSeries s{.source = "ethtool"};
  appendSample(s, snap(1, {{"a", 7}, {"b", 1}}), {});
  appendSample(s, snap(2, {{"a", 7}, {"b", 2}}), {});
  const auto j = seriesToJson(s);
  EXPECT_EQ(j.dump(), R"({"counters":[{"labels":{"dev":"eth0"},"name":"a","value":7},{"labels":{"dev":"eth0"},"name":"b","values":[1,2]}],"source":"ethtool","t_ns":[1,2]})");
  const CounterSeries back = seriesFromJson(j);
  EXPECT_EQ(back.t_mono_ns, s.t_mono_ns);
  ASSERT_EQ(back.lines.size(), 2u);
  EXPECT_EQ(back.lines[0].values, s.lines[0].values);
  EXPECT_EQ(back.lines[1].values, s.lines[1].values);
}

TEST(CounterSeries, MalformedJsonNamesTheCounter) {
  auto j = nlohmann::json::parse(R"({"source":"ethtool","t_ns":[1,2],"counters":[{"name":"rx_prio3_pause","values":[1]}]})");
  try {
    seriesFromJson(j);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rx_prio3_pause"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("2 entries"), std::string::npos) << e.what();
  }
  j = nlohmann::json::parse(R"({"t_ns":[1],"counters":[{"name":"x","values":[-3]}]})");
  EXPECT_THROW(seriesFromJson(j), Error);
}

TEST(CounterSeries, DecimateKeepsFirstAndLast) {
  CounterSeries s{.source = "x"};
  for (int i = 0; i < 7; ++i) appendSample(s, snap(i, {{"c", static_cast<uint64_t>(i)}}), {});
  decimate(s);
  EXPECT_EQ(s.t_mono_ns, (std::vector<int64_t>{0, 2, 4, 6}));
  EXPECT_EQ(s.lines[0].values, (std::vector<std::optional<uint64_t>>{0, 2, 4, 6}));
}

TEST(SampledCounters, PicksWhatVerdictsRead) {
  auto s = [](const std::string& n, Labels l = {}) { return CounterSample{.name = n, .labels = std::move(l)}; };
  EXPECT_TRUE(sampledCounter("ethtool", s("rx_prio3_pause_duration")));
  EXPECT_TRUE(sampledCounter("ethtool", s("tx_prio3_packets")));
  EXPECT_TRUE(sampledCounter("ethtool", s("tx_pause_storm_error_events")));
  EXPECT_TRUE(sampledCounter("ethtool", s("rx_discards_phy")));
  EXPECT_FALSE(sampledCounter("ethtool", s("rx0_packets")));
  EXPECT_TRUE(sampledCounter("infiniband", s("np_cnp_sent", {{"dir", "hw_counters"}})));
  EXPECT_FALSE(sampledCounter("infiniband", s("port_rcv_data", {{"dir", "counters"}})));
  EXPECT_FALSE(sampledCounter("netdev", s("rx_bytes")));
}

// A source that counts its reads and lets the test wait for a number of them.
class CountingSource : public CounterSource {
 public:
  std::string name() const override { return "ethtool"; }
  std::string unavailable_reason() const override { return ""; }
  CounterSnapshot snapshot() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++reads_;
    cv_.notify_all();
    CounterSnapshot s = snap(reads_ * 1000, {{"rx_prio3_pause", static_cast<uint64_t>(reads_)}, {"rx0_bytes", 1}});
    return s;
  }
  bool waitReads(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return reads_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int reads_ = 0;
};

TEST(CounterSampler, SamplesBetweenStartAndStopAndKeepsTheEnds) {
  auto source = std::make_unique<CountingSource>();
  CountingSource* src = source.get();
  CounterSet set;
  set.add(std::move(source));
  CounterSampler sampler(set, {.interval_ns = 10'000'000, .keep = sampledCounter});
  const auto first = set.snapshot();  // read 1
  sampler.start(first);
  ASSERT_TRUE(src->waitReads(4)) << "the sampler did not read the set within 10 s";
  sampler.stop();
  const auto series = sampler.finish(set.snapshot());
  ASSERT_EQ(series.size(), 1u);
  const CounterSeries& s = series[0];
  EXPECT_EQ(s.source, "ethtool");
  ASSERT_GE(s.t_mono_ns.size(), 5u);  // first, at least three samples, last
  ASSERT_EQ(s.lines.size(), 1u) << "rx0_bytes is not a sampled counter";
  EXPECT_EQ(s.lines[0].values.front(), 1u);
  EXPECT_EQ(*s.lines[0].values.back(), s.t_mono_ns.size()) << "every read is a sample, in order";
}

TEST(CounterSampler, LongRunsAreDecimatedAndTheIntervalDoubles) {
  auto source = std::make_unique<CountingSource>();
  CountingSource* src = source.get();
  CounterSet set;
  set.add(std::move(source));
  CounterSampler sampler(set, {.interval_ns = 10'000'000, .max_samples = 4});
  sampler.start(set.snapshot());
  ASSERT_TRUE(src->waitReads(8));
  sampler.stop();
  const auto series = sampler.finish(set.snapshot());
  EXPECT_LT(series[0].t_mono_ns.size(), 5u);
  EXPECT_GE(sampler.interval_ns(), 20'000'000);
  EXPECT_THROW(CounterSampler(set, {.interval_ns = 0}), Error);
}

}  // namespace
}  // namespace fabcheck::counters
