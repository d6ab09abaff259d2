// A test's `counters:` key (harness/suite/counters_loader.h).
#include <gtest/gtest.h>

#include "harness/suite/suite_loader.h"

namespace fabcheck::suite {
namespace {

std::vector<std::string> countersErrorsOf(const std::string& yaml) {
  try {
    parseSuite(yaml, "s.yaml", {});
  } catch (const SuiteError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) out.push_back(d.str());
    return out;
  }
  return {};
}

TEST(SuiteCounters, DefaultsAndValuesAreRead) {
  const Suite s = parseSuite(R"(name: c
defaults:
  counters: {interval: 50ms}
tests:
  - name: a
    pattern: stream
  - name: b
    pattern: stream
    counters:
      interval: off
      storm_duty: 0.5
      storm_min_duration: 1s
      storm_idle_tx_pps: 10
      lossless_priorities: [3, 4]
  - name: d
    pattern: stream
    counters: {storm_duty: 0.9}
)",
                             "s.yaml");
  const auto& a = s.tests.at(0).spec.counters;
  EXPECT_EQ(a.interval_ns, 50'000'000);
  EXPECT_DOUBLE_EQ(a.storm_duty, 0.8);
  const auto& b = s.tests.at(1).spec.counters;
  EXPECT_EQ(b.interval_ns, 0);
  EXPECT_DOUBLE_EQ(b.storm_duty, 0.5);
  EXPECT_EQ(b.storm_min_ns, 1'000'000'000);
  EXPECT_DOUBLE_EQ(b.storm_idle_tx_pps, 10);
  EXPECT_EQ(b.lossless_priorities, (std::vector<int>{3, 4}));
  EXPECT_EQ(s.tests.at(2).spec.counters.interval_ns, 100'000'000) << "a test's own counters: replaces the default's whole";
}

TEST(SuiteCounters, BadValuesAreNamedWithTheirPosition) {
  const auto e = countersErrorsOf(R"(name: c
tests:
  - name: a
    pattern: stream
    counters:
      interval: 1ms
      storm_duty: 1.5
      lossless_priorities: [3, 9]
      stom_duty: 1
)");
  ASSERT_EQ(e.size(), 4u) << (e.empty() ? "" : e[0]);
  EXPECT_EQ(e[0], "s.yaml:6:17: counters.interval '1ms': expected at least 10ms (or off); NIC counters are not read faster");
  EXPECT_EQ(e[1], "s.yaml:7:19: counters.storm_duty '1.5': expected a fraction above 0 and at most 1");
  EXPECT_EQ(e[2], "s.yaml:8:32: counters.lossless_priorities entry '9': expected a whole number from 0 to 7");
  EXPECT_EQ(e[3], "s.yaml:9:7: unknown key 'stom_duty' in counters; did you mean 'storm_duty'?");
  EXPECT_EQ(countersErrorsOf("name: c\ntests:\n  - {name: a, pattern: stream, counters: 5}\n").at(0),
            "s.yaml:3:42: counters is '5'; expected a mapping like {interval: 100ms}");
}

}  // namespace
}  // namespace fabcheck::suite
