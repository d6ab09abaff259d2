// A whole run whose agents' "NIC" is a real capture (the bnxt_en fixture) replayed over time with
// a PFC storm and a discard written into it: the agents sample it through the test, the
// controller finds the storm and the discard, the lossless SLO fails naming the host and the
// counter, and the JSON, JUnit and HTML reports show it (FABCHECK_COUNTERS_REPLAY,
// harness/counters/replay_counter_source.h).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kFixture = std::string(FABCHECK_SOURCE_DIR) + "/tests/fixtures/nics/bnxt/bnxt_en-6.6";

// The fixture's text with counter `name`'s value replaced ("    name: 123" lines of ethtool -S).
std::string setCounter(std::string text, const std::string& name, uint64_t value) {
  const size_t at = text.find(" " + name + ": ");
  if (at == std::string::npos) {
    ADD_FAILURE() << name << " is not in the fixture";
    return text;
  }
  const size_t from = at + name.size() + 3;
  const size_t to = text.find('\n', from);
  return text.replace(from, to - from, std::to_string(value));
}

// agent<a>/NNNN: 40 captures 100 ms apart of the fixture. Agent 1's priority 3 is paused 95% of
// every interval from 0.5 s to 1.0 s and its rx_stat_discard rises by 12 at 1.5 s; agent 0's
// counters stay as captured.
void writeReplay(const std::string& root) {
  const std::string ethtool = slurp(kFixture + "/ethtool/eth0.txt");
  ASSERT_FALSE(ethtool.empty()) << kFixture;
  const int64_t t0 = 1'725'581'594'000'000'000;
  for (int a = 0; a < 2; ++a) {
    for (int k = 0; k < 40; ++k) {
      char name[16];
      std::snprintf(name, sizeof name, "%04d", k);
      const fs::path dir = fs::path(root) / ("agent" + std::to_string(a)) / name;
      fs::create_directories(dir / "ethtool");
      const uint64_t pause_us = a == 1 ? 95'000ull * static_cast<uint64_t>(std::clamp(k - 4, 0, 5)) : 0;
      std::string text = setCounter(ethtool, "pfc_pri3_rx_duration_us", pause_us);
      text = setCounter(text, "rx_pfc_ena_frames_pri3", pause_us / 100);
      text = setCounter(text, "rx_stat_discard", 49337 + (a == 1 && k >= 15 ? 12 : 0));
      std::ofstream(dir / "ethtool" / "eth0.txt") << text;
      std::ofstream(dir / "meta.json") << json{{"host", "bnxt-replay-" + std::to_string(a)}, {"time_ns", t0 + k * 100'000'000ll},
                                               {"interface", "eth0"}, {"device", ""}}.dump();
    }
  }
}

constexpr const char* kSuite = R"(name: replay
fabric: {line_rate_gbps: 10}
tests:
  - name: lossless
    pattern: stream
    duration: 2s
    rate: 1%
    counters: {interval: 100ms, lossless_priorities: [3]}
    slos: ["lossless.ok == 1", "nic.pfc.storms == 0", "loss_ratio == 0"]
)";

TEST(CountersReplay, AStormAndADiscardFailTheLosslessSloNamingHostAndCounter) {
  TempDir tmp;
  writeReplay(tmp.path() + "/replay");
  std::ofstream(tmp.path() + "/s.yaml") << kSuite;
  const auto r = run({"/usr/bin/env", "FABCHECK_COUNTERS_REPLAY=" + tmp.path() + "/replay", FABCHECK_BIN, "run",
                      tmp.path() + "/s.yaml", "--agents", "2", "--report", "json:" + tmp.path() + "/r.json", "--report",
                      "junit:" + tmp.path() + "/r.xml", "--report", "html:" + tmp.path() + "/r.html"},
                     std::chrono::seconds(60));
  ASSERT_EQ(r.status.code, 1) << r.out << r.err;
  const json report = json::parse(slurp(tmp.path() + "/r.json"));
  const json& t = report["tests"][0];
  EXPECT_EQ(t["verdict"], "fail");
  const json& nic = t["nic"];
  ASSERT_EQ(nic["pfc_storms"].size(), 1u) << nic.dump(1);
  const json& storm = nic["pfc_storms"][0];
  EXPECT_NE(storm["host"].get<std::string>().find("#1"), std::string::npos) << storm.dump();
  EXPECT_EQ(storm["nic"], "eth0");
  EXPECT_EQ(storm["priority"], 3);
  // The captures are 100 ms apart; the sampler sees the ones its reads fall on (a slow host, as
  // under ASan, skips some), so the storm it finds lies within the written one's 500 ms and is
  // at least the rule's 200 ms; durations come from the captures' own times, never the reads'.
  const double ms = storm["duration_ms"].get<double>();
  EXPECT_GE(ms, 200) << storm.dump();
  EXPECT_LE(ms, 500 + 1e-6) << storm.dump();
  EXPECT_EQ(std::fmod(ms, 100), 0) << "a multiple of the captures' 100 ms: " << storm.dump();
  const std::string violations = nic["lossless"]["violations"].dump();
  EXPECT_NE(violations.find("nic.discards rose by 12"), std::string::npos) << violations;
  EXPECT_NE(violations.find("rx_stat_discard"), std::string::npos) << violations;
  EXPECT_EQ(violations.find("#0"), std::string::npos) << "agent 0's NIC stayed clean: " << violations;
  std::map<std::string, json> slos;
  for (const auto& s : t["slos"]) slos[s["expression"]] = s;
  EXPECT_EQ(slos["lossless.ok == 1"]["verdict"], "fail");
  EXPECT_EQ(slos["nic.pfc.storms == 0"]["verdict"], "fail");
  EXPECT_EQ(slos["loss_ratio == 0"]["verdict"], "pass") << "the traffic itself lost nothing";
  std::string replayed;
  for (const auto& h : t["counters"]["hosts"]) {
    if (h["agents"].front() == 1) replayed = h.value("replayed_from", std::string());
  }
  EXPECT_NE(replayed.find("agent1"), std::string::npos) << t["counters"].dump();
  EXPECT_FALSE(t["counters"].contains("agents")) << "whole snapshots only when asked";
  ASSERT_FALSE(nic["pause"].empty());
  EXPECT_GE(nic["pause"][0]["max_duty"].get<double>(), 0.8);
  EXPECT_LE(nic["pause"][0]["max_duty"].get<double>(), 0.95 + 1e-9);

  const std::string junit = slurp(tmp.path() + "/r.xml");
  EXPECT_NE(junit.find("lossless.ok == 1: observed 0, expected == 1 — "), std::string::npos) << junit;
  EXPECT_NE(junit.find("rx_stat_discard"), std::string::npos) << junit;
  const std::string html = slurp(tmp.path() + "/r.html");
  EXPECT_NE(html.find("lossless: broken"), std::string::npos);
  EXPECT_NE(html.find("class=\"storm\""), std::string::npos);
}

}  // namespace
}  // namespace fabcheck::testing
