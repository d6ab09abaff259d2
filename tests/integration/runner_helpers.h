// Test support for fabcheck::Runner tests: test specs, run options (local launcher or any
// other), finding one of our agent processes, and checking delivered flows.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "harness/runner/runner.h"
#include "tests/integration/gen_server.h"

namespace fabcheck::testing {

// The fault tests' suite: one 60 s ring over three agents at 0.1% of a 10 Gbit/s line, so that a
// fault (or a controller's death) noticed only at the end of the flows fails every bound there.
// `slos`: the test's `slos:` value (a YAML list), none when empty.
inline std::string longRingSuite(const std::string& name, const std::string& slos = "") {
  return "name: " + name +
         "\nfabric: {line_rate_gbps: 10}\ntests:\n  - name: long\n    pattern: stream\n    placement: ring\n"
         "    duration: 60s\n    rate: 0.1%\n" +
         (slos.empty() ? std::string() : "    slos: " + slos + "\n");
}

// How long after its controller's death an agent may take to exit (docs/security.md, "Faults"):
// it notices the control connection closing at once, also while its flows run, then stops them.
inline constexpr std::chrono::seconds kAgentsGoneBound{5};

// A 300 ms stream test (1000-byte messages) with this placement and total rate (0: unlimited).
inline model::TestSpec streamTest(const std::string& name, patterns::Placement placement, double rate_bps) {
  model::TestSpec t;
  t.name = name;
  t.placement = placement;
  t.params.kind = patterns::PatternKind::kStream;
  t.params.size_bytes = 1000;
  t.params.rate_bps = rate_bps;
  t.params.duration_ns = 300'000'000;
  return t;
}

// `agents` local agents of the built binary; registration 20 s, each step 5 s.
inline RunOptions localRun(int agents, std::vector<std::string> agent_args = {}) {
  RunOptions o;
  o.agents = agents;
  o.binary = kFabcheckBin;
  o.agent_args = std::move(agent_args);
  o.controller.register_timeout_ns = 20'000'000'000;
  o.controller.step_timeout_ns = 5'000'000'000;
  return o;
}

// The built binary's agents started by `launcher` on `hosts` with these launcher options;
// registration 30 s, each step 10 s.
inline RunOptions launcherRun(const std::string& launcher, std::vector<launch::HostEntry> hosts,
                              std::map<std::string, std::string> launcher_options = {}) {
  RunOptions o;
  o.launcher = launcher;
  o.hosts = std::move(hosts);
  o.binary = kFabcheckBin;
  o.launcher_options = std::move(launcher_options);
  o.controller.register_timeout_ns = 30'000'000'000;
  o.controller.step_timeout_ns = 10'000'000'000;
  return o;
}

// Every flow of `t` (there are `flows`) delivered every message it sent, with no error.
inline void expectEveryFlowDelivered(const model::TestOutcome& t, size_t flows) {
  EXPECT_EQ(t.error, "") << t.name;
  ASSERT_EQ(t.senders.size(), flows) << t.name;
  ASSERT_EQ(t.receivers.size(), flows) << t.name;
  for (size_t i = 0; i < flows; ++i) {
    EXPECT_EQ(t.receivers[i].flow_id, t.senders[i].flow_id);
    EXPECT_GT(t.senders[i].packets, 0u);
    EXPECT_EQ(t.receivers[i].sequence.received + t.receivers[i].sequence.lost, t.senders[i].packets);
    EXPECT_EQ(t.receivers[i].sequence.lost, 0u) << "flow " << i;
  }
}

// A run of the single test streamTest(name, kRing, 20e6) over `agents` agents: every agent
// registered and was never lost, each sent to the next, and every flow delivered everything.
// Call it inside ASSERT_NO_FATAL_FAILURE when the test goes on to read r.agents or r.tests.
inline void expectRingDelivered(const fabcheck::RunResult& r, size_t agents) {
  ASSERT_EQ(r.agents.size(), agents);
  for (const auto& a : r.agents) EXPECT_FALSE(a.lost) << a.lost_reason;
  ASSERT_EQ(r.tests.size(), 1u);
  expectEveryFlowDelivered(r.tests[0], agents);
  for (const auto& f : r.tests[0].plan.flows) EXPECT_EQ(f.receiver, (f.sender + 1) % static_cast<int>(agents));
}

// The parent pid of `pid` (field 4 of /proc/<pid>/stat), 0 when unreadable.
inline pid_t parentOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  const auto paren = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos) return 0;
  char state = 0;
  int ppid = 0;
  if (std::sscanf(stat.c_str() + paren + 1, " %c %d", &state, &ppid) != 2) return 0;
  return static_cast<pid_t>(ppid);
}

// The pid of the agent with this id that this process launched (the local launcher's agents are
// our children; other tests' agents are not), found by its command line; 0 when there is none.
inline pid_t findAgent(int id) {
  DIR* d = opendir("/proc");
  if (!d) return 0;
  pid_t found = 0;
  while (dirent* e = readdir(d)) {
    const pid_t pid = static_cast<pid_t>(atoi(e->d_name));
    if (pid <= 0 || parentOf(pid) != getpid()) continue;
    std::ifstream in("/proc/" + std::string(e->d_name) + "/cmdline");
    std::string cmd((std::istreambuf_iterator<char>(in)), {});
    std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    if (cmd.rfind(kFabcheckBin + " agent ", 0) == 0 && cmd.find("--agent-id " + std::to_string(id) + " ") != std::string::npos) {
      found = pid;
    }
  }
  closedir(d);
  return found;
}

// How many threads `pid` has now (entries of /proc/<pid>/task); 0 when it is gone.
inline int threadCount(pid_t pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (!d) return 0;
  int n = 0;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

}  // namespace fabcheck::testing
