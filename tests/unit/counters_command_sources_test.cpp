// QdiscCounterSource and EthtoolCounterSource on captured command output (a fake runner).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>

#include "generators/core/errors.h"
#include "harness/counters/ethtool_counter_source.h"
#include "harness/counters/qdisc_counter_source.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::counters {
namespace {

// Captured: `tc -s -j qdisc show dev fca` with htb root + pfifo limit 5 child, after a blast
// (values edited to be distinct). tc leaves "dev" out when a device is named.
const char* kTcDev =
    R"([{"kind":"htb","handle":"1:","root":true,"refcnt":3,"options":{"r2q":10,"default":"0x1","direct_packets_stat":0,)"
    R"("direct_qlen":1000},"bytes":1400000,"packets":1000,"drops":250,"overlimits":900,"requeues":0,"backlog":7000,"qlen":5},)"
    R"({"kind":"pfifo","handle":"10:","parent":"1:1","options":{"limit":5},"bytes":1400000,"packets":1000,"drops":250,)"
    R"("overlimits":0,"requeues":0,"backlog":7000,"qlen":5}])";
// Captured: `tc -s -j qdisc show` (all devices).
const char* kTcAll =
    R"([{"kind":"noqueue","handle":"0:","dev":"lo","root":true,"refcnt":2,"options":{},"bytes":0,"packets":0,"drops":0,)"
    R"("overlimits":0,"requeues":0,"backlog":0,"qlen":0},{"kind":"pfifo_fast","handle":"0:","dev":"eth0","root":true,)"
    R"("refcnt":2,"options":{"bands":3,"multiqueue":false},"bytes":156104,"packets":2150,"drops":3,"overlimits":0,)"
    R"("requeues":1,"backlog":0,"qlen":0}])";

using process::CommandResult;
using Answer = std::function<CommandResult(const std::vector<std::string>& argv)>;

// A runner that answers with `answer` and records the timeouts it was given.
class AnsweringRunner : public process::CommandRunner {
 public:
  explicit AnsweringRunner(Answer answer) : answer_(std::move(answer)) {}
  CommandResult run(const std::vector<std::string>& argv, int64_t timeout_ns) override {
    timeouts.push_back(timeout_ns);
    return answer_(argv);
  }
  std::vector<int64_t> timeouts;

 private:
  Answer answer_;
};

std::shared_ptr<process::CommandRunner> answering(Answer answer) { return std::make_shared<AnsweringRunner>(std::move(answer)); }

struct FakeRunner {
  std::map<std::string, CommandResult> results;  // command line → result
  std::vector<std::string> calls;
  std::shared_ptr<process::CommandRunner> runner() {
    return answering([this](const std::vector<std::string>& argv) {
      calls.push_back(process::commandText(argv));
      auto it = results.find(calls.back());
      if (it == results.end()) return CommandResult{.exit_code = 1, .err = "unexpected command " + calls.back()};
      return it->second;
    });
  }
};

TEST(CountersQdisc, ParsesQdiscsOfOneDeviceInANamespace) {
  FakeRunner fake;
  fake.results["tc -netns fc1 -s -j qdisc show dev fca"] = {.exit_code = 0, .out = kTcDev};
  QdiscCounterSource src({.host = "n1", .netns = "fc1", .dev = "fca", .runner = fake.runner()});
  const auto snap = src.snapshot();
  EXPECT_EQ(src.unavailable_reason(), "");
  ASSERT_EQ(snap.samples.size(), 14u);  // 7 per qdisc
  const CounterSample& drops = snap.samples[2];
  EXPECT_EQ(drops.name, "drops");
  EXPECT_EQ(drops.value, 250u);
  EXPECT_EQ(drops.labels,
            (Labels{{"host", "n1"}, {"netns", "fc1"}, {"dev", "fca"}, {"handle", "1:"}, {"kind", "htb"}, {"parent", "root"}}));
  EXPECT_EQ(snap.samples[5].name, "backlog");
  EXPECT_EQ(snap.samples[5].kind, SampleKind::kGauge);
  EXPECT_EQ(snap.samples[9].labels.at("parent"), "1:1");
  // Root totals count the htb once, not htb + its pfifo child.
  EXPECT_EQ(rootQdiscTotal(snap, "drops"), 250u);
  EXPECT_EQ(rootQdiscTotal(snap, "drops", "fca"), 250u);
  EXPECT_EQ(rootQdiscTotal(snap, "drops", "other"), std::nullopt);
}

TEST(CountersQdisc, AllDevicesAndTheParsedView) {
  FakeRunner fake;
  fake.results["tc -s -j qdisc show"] = {.exit_code = 0, .out = kTcAll};
  QdiscCounterSource src({.host = "n1", .runner = fake.runner()});
  const auto qdiscs = src.read();
  ASSERT_EQ(qdiscs.size(), 2u);
  EXPECT_EQ(qdiscs[1].dev, "eth0");
  EXPECT_EQ(qdiscs[1].kind, "pfifo_fast");
  EXPECT_EQ(qdiscs[1].drops, 3u);
  EXPECT_EQ(qdiscs[1].requeues, 1u);
  EXPECT_EQ(rootQdiscTotal(src.snapshot(), "drops"), 3u);
}

TEST(CountersQdisc, UnavailableCases) {
  FakeRunner fake;
  fake.results["tc -s -j qdisc show dev nosuch"] = {.exit_code = 1, .err = "Cannot find device \"nosuch\""};
  fake.results["tc -netns gone -s -j qdisc show"] = {.exit_code = 255,
                                                     .err = "Cannot open network namespace \"gone\": No such file or directory"};
  QdiscCounterSource no_dev({.host = "n1", .dev = "nosuch", .runner = fake.runner()});
  EXPECT_TRUE(no_dev.snapshot().samples.empty());
  EXPECT_EQ(no_dev.unavailable_reason(), "no device 'nosuch'");
  QdiscCounterSource no_ns({.host = "n1", .netns = "gone", .runner = fake.runner()});
  EXPECT_TRUE(no_ns.snapshot().samples.empty());
  EXPECT_EQ(no_ns.unavailable_reason(), "no network namespace 'gone'");
  QdiscCounterSource no_tc({.host = "n1", .runner = answering([](const auto&) { return CommandResult{.not_found = true}; })});
  EXPECT_TRUE(no_tc.snapshot().samples.empty());
  EXPECT_EQ(no_tc.unavailable_reason(), "'tc' is not installed (iproute2)");
}

TEST(CountersQdisc, ErrorsNameTheCommand) {
  using testing::errorOf;
  auto with = [](CommandResult r) {
    return QdiscCounterSource({.host = "n1", .runner = answering([r](const auto&) { return r; })});
  };
  EXPECT_EQ(errorOf<Error>([&] { with({.timed_out = true}).snapshot(); }),
            "'tc -s -j qdisc show' did not finish within 5000 ms");
  EXPECT_EQ(errorOf<Error>([&] { with({.exit_code = 2, .err = "RTNETLINK answers: Operation not permitted"}).snapshot(); }),
            "'tc -s -j qdisc show' failed (exit code 2): RTNETLINK answers: Operation not permitted");
  EXPECT_EQ(errorOf<Error>([&] { with({.exit_code = 0, .out = "{}"}).snapshot(); }),
            "'tc -s -j qdisc show': output is a JSON object; expected a list of qdiscs");
  // A number beyond double's range is out_of_range in nlohmann, not parse_error (fuzzing).
  EXPECT_NE(errorOf<Error>([&] { with({.exit_code = 0, .out = "[1e400]"}).snapshot(); })
                .find("'tc -s -j qdisc show': output is not JSON ("),
            std::string::npos);
  EXPECT_EQ(errorOf<Error>([&] { with({.exit_code = 0, .out = R"([{"kind":"htb","handle":"1:","dev":"x","root":true,"bytes":-1}])"}).snapshot(); }),
            "'tc -s -j qdisc show': qdisc #0 field 'bytes' is -1; expected a non-negative integer (tc -s -j)");
  EXPECT_EQ(errorOf<Error>([&] { with({.exit_code = 0, .out = R"([{"kind":"htb","handle":"1:","root":true}])"}).snapshot(); }),
            "'tc -s -j qdisc show': qdisc #0 field 'dev' is missing; expected a string");
  EXPECT_NE(errorOf<Error>([&] { with({.exit_code = 0, .out = "not json"}).snapshot(); }).find("output is not JSON"), std::string::npos);
}

// mlx5-style `ethtool -S` output, shortened (PFC enabled on priority 3).
const char* kMlx5 =
    "NIC statistics:\n"
    "     rx_packets: 123456\n"
    "     rx_bytes: 987654321\n"
    "     rx_discards_phy: 2\n"
    "     tx_discards_phy: 0\n"
    "     rx_out_of_buffer: 5\n"
    "     rx_prio3_pause: 17\n"
    "     rx_prio3_pause_duration: 4200\n"
    "     rx_prio3_pause_transition: 8\n"
    "     tx_prio3_pause: 3\n"
    "     tx_prio3_pause_duration: 90\n"
    "     tx_pause_storm_warning_events: 0\n"
    "     tx_pause_storm_error_events: 0\n"
    "     module_bus_width: n/a\n";

TEST(CountersEthtool, ParsesMlx5Output) {
  std::vector<std::string> notes;
  const auto stats = parseEthtoolStats(kMlx5, "'ethtool -S eth0'", notes);
  ASSERT_EQ(stats.size(), 12u);
  EXPECT_EQ(stats[0].name, "rx_packets");
  EXPECT_EQ(stats[0].value, 123456u);
  EXPECT_EQ(stats[6].name, "rx_prio3_pause_duration");
  EXPECT_EQ(stats[6].value, 4200u);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], "'ethtool -S eth0': module_bus_width = 'n/a' (not a counter): skipped");
}

TEST(CountersEthtool, SourceOverInterfaces) {
  FakeRunner fake;
  fake.results["ethtool -S eth0"] = {.exit_code = 0, .out = kMlx5};
  fake.results["ethtool -S veth0"] = {.exit_code = 0, .out = "NIC statistics:\n     peer_ifindex: 5\n     rx_queue_0_drops: 4\n"};
  fake.results["ethtool -S br0"] = {.exit_code = 94, .err = "no stats available"};
  EthtoolCounterSource src({.host = "n1", .interfaces = {"eth0", "veth0", "br0"}, .runner = fake.runner()});
  const auto snap = src.snapshot();
  EXPECT_EQ(src.unavailable_reason(), "");
  ASSERT_EQ(snap.samples.size(), 13u);
  EXPECT_EQ(snap.samples.back().name, "rx_queue_0_drops");
  EXPECT_EQ(snap.samples.back().labels, (Labels{{"host", "n1"}, {"dev", "veth0"}}));
  EXPECT_EQ(snap.notes.back(), "no NIC statistics for br0 (no stats available)");
}

TEST(CountersQdisc, RunsTcWithItsTimeoutInNanoseconds) {
  auto runner = std::make_shared<AnsweringRunner>([](const auto&) { return CommandResult{.timed_out = true, .exit_code = -1}; });
  QdiscCounterSource src({.host = "n1", .timeout_ns = 2'500'000'000, .runner = runner});
  EXPECT_EQ(testing::errorOf<Error>([&] { src.snapshot(); }), "'tc -s -j qdisc show' did not finish within 2500 ms");
  EXPECT_EQ(runner->timeouts, std::vector<int64_t>{2'500'000'000});
}

TEST(CountersEthtool, UnavailableCases) {
  FakeRunner fake;
  fake.results["ethtool -S lo"] = {.exit_code = 94, .err = "no stats available"};
  EthtoolCounterSource lo({.host = "n1", .interfaces = {"lo"}, .runner = fake.runner()});
  EXPECT_TRUE(lo.snapshot().samples.empty());
  EXPECT_EQ(lo.unavailable_reason(), "no NIC statistics: lo (no stats available)");
  EthtoolCounterSource missing({.host = "n1", .interfaces = {"eth0"}, .runner = answering([](const auto&) {
                                  return CommandResult{.not_found = true};
                                })});
  EXPECT_TRUE(missing.snapshot().samples.empty());
  EXPECT_EQ(missing.unavailable_reason(), "'ethtool' is not installed");
}

TEST(CountersEthtool, ErrorsNameTheCommand) {
  using testing::errorOf;
  EthtoolCounterSource failing({.host = "n1", .interfaces = {"eth0"}, .runner = answering([](const auto&) {
                                  return CommandResult{.exit_code = 1, .err = "Cannot get stats strings information: Bad address"};
                                })});
  EXPECT_EQ(errorOf<Error>([&] { failing.snapshot(); }),
            "'ethtool -S eth0' failed (exit code 1): Cannot get stats strings information: Bad address");
  std::vector<std::string> notes;
  EXPECT_EQ(errorOf<Error>([&] { parseEthtoolStats("NIC statistics:\n   what\n", "'ethtool -S x'", notes); }),
            "'ethtool -S x': line 2 'what' is not 'name: value'");
}

}  // namespace
}  // namespace fabcheck::counters
