// The other registries of plug-ins: counter sources (harness/counters/counter_source_registry.h,
// with ethtool in the host set), reporters (reports/reporter.h) and the transports' static
// properties (generators/transport/transport.h transportKindProperties), which the planner and
// the suite loader read their limits from.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "generators/transport/transport.h"
#include "harness/process/command_runner.h"
#include "harness/counters/counter_source_registry.h"
#include "harness/counters/ethtool_counter_source.h"
#include "harness/counters/flat_metrics.h"
#include "harness/counters/test_counters.h"
#include "harness/plan/test_rounds.h"
#include "reports/reporter.h"

namespace fabcheck {
namespace {

// ---- counter sources --------------------------------------------------------------------

TEST(CounterSourceRegistry, EverySourceOnceDescribedAndEveryFlatMetricReadsARegisteredOne) {
  std::set<std::string> names;
  for (const auto& s : counters::counterSourceRegistry()) {
    EXPECT_TRUE(names.insert(s.name).second) << s.name << " twice";
    EXPECT_FALSE(s.description.empty()) << s.name;
    EXPECT_EQ(s.create()->name(), s.name) << "the row's name is the source's name()";
  }
  for (const auto& m : counters::flatMetricInfos()) {
    EXPECT_TRUE(names.count(m.source)) << m.name << " reads source '" << m.source << "', which is not registered";
  }
  EXPECT_THROW(counters::createCounterSource("snmpx"), ConfigError);
}

TEST(CounterSourceRegistry, TheHostSetReadsNetdevSnmpInfinibandAndEthtool) {
  counters::CounterSet set = counters::hostCounterSet();
  std::vector<std::string> got;
  // A snapshot of this host: every source answers, available or not (never throws out of the set).
  for (const auto& s : set.snapshot()) got.push_back(s.source);
  EXPECT_EQ(got, (std::vector<std::string>{"netdev", "snmp", "infiniband", "ethtool"}));
}

// A runner that answers every command with one canned result.
class CannedRunner : public process::CommandRunner {
 public:
  explicit CannedRunner(process::CommandResult r) : r_(std::move(r)) {}
  process::CommandResult run(const std::vector<std::string>&, int64_t) override { return r_; }

 private:
  process::CommandResult r_;
};

TEST(CounterSourceRegistry, EthtoolWithoutTheProgramOrTheDeviceReadsNothing) {
  using process::CommandResult;
  counters::EthtoolCounterSource missing(
      {.host = "h", .interfaces = {"eth0"}, .runner = std::make_shared<CannedRunner>(CommandResult{.not_found = true})});
  const auto none = missing.snapshot();
  EXPECT_TRUE(none.samples.empty()) << "no counters, not zeros";
  EXPECT_EQ(missing.unavailable_reason(), "'ethtool' is not installed");

  counters::EthtoolCounterSource gone(
      {.host = "h", .interfaces = {"eth9"},
       .runner = std::make_shared<CannedRunner>(
           CommandResult{.exit_code = 1, .err = "Cannot get stats strings information: No such device"})});
  EXPECT_TRUE(gone.snapshot().samples.empty());
  EXPECT_NE(gone.unavailable_reason().find("eth9"), std::string::npos) << gone.unavailable_reason();
}

// ---- reporters --------------------------------------------------------------------------

TEST(ReporterRegistry, EveryFormatDescribedAndNamedInTheMessage) {
  std::vector<std::string> names;
  for (const auto& r : reports::reporterRegistry()) {
    names.push_back(r.name);
    EXPECT_FALSE(r.description.empty()) << r.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"json", "junit", "html"}));
  try {
    reports::createReporter("xml:a");
    FAIL() << "xml is no format";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "--report 'xml:a': unknown format 'xml'; expected json:PATH, junit:PATH or html:PATH");
  }
}

// ---- transport limits -------------------------------------------------------------------

TEST(TransportKindProperties, StaticLimitsMatchAnInstanceWithoutOpeningAnything) {
  for (const std::string name : {"udp", "loop"}) {
    const auto kind = transport::transportKindProperties(name);
    const auto instance = transport::createTransport(name, {})->properties();
    EXPECT_EQ(kind.name, name);
    EXPECT_EQ(kind.max_message_bytes, instance.max_message_bytes) << name;
    EXPECT_EQ(kind.max_post_bytes, instance.max_post_bytes) << name;
  }
  EXPECT_EQ(transport::transportKindProperties("udp").max_message_bytes, 65507u);
  EXPECT_GT(transport::transportKindProperties("verbs").max_message_bytes, 65507u) << "known without a device";
  EXPECT_THROW(transport::transportKindProperties("tcpx"), ConfigError);
}

TEST(TransportKindProperties, ThePlannerTakesEachTransportsOwnLimit) {
  model::TestSpec spec;
  spec.name = "big";
  spec.params.size_bytes = 100'000;
  spec.params.duration_ns = 1'000'000'000;
  spec.transport = "udp";
  try {
    plan::planTestRounds(spec, 2);
    FAIL() << "100000 bytes do not fit a UDP datagram";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "--size 100000: above the udp transport's maximum message of 65507 bytes");
  }
  spec.transport = "loop";
  EXPECT_EQ(plan::planTestRounds(spec, 2).rounds.size(), 1u) << "the loop transport takes up to 1 MiB";
}

}  // namespace
}  // namespace fabcheck
