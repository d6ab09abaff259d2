// Faults in the middle of a distributed run, through fabcheck::Runner with the local launcher and
// real agent processes: an agent killed (SIGKILL), frozen (SIGSTOP), or cut off from the
// controller (its control connection reset by a proxy) while its traffic runs. Each must become
// that test's error naming the agent, its host and the phase, within the configured timeouts;
// the test before keeps its results, and the surviving agents run the next test.
//
// Every scenario runs three tests on three agents:
//   "before"  pairs 0→1 (agent 2 sits out), 300 ms
//   "victim"  ring 0→1→2→0 for 3 s; the fault hits agent 2 while it streams
//   "after"   pairs 0→1 again, on the survivors
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "generators/core/host_info.h"
#include "harness/runner/runner.h"
#include "tests/integration/runner_helpers.h"
#include "tests/support/ports.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_helpers.h"

namespace fabcheck {
namespace {

using namespace std::chrono_literals;
using testing::expectEveryFlowDelivered;
using testing::findAgent;
using testing::streamTest;
using testing::threadCount;

constexpr int kVictim = 2;
constexpr int64_t kStepTimeoutNs = 3'000'000'000;

RunOptions faultRun() {
  RunOptions o = testing::localRun(3);
  o.controller.step_timeout_ns = kStepTimeoutNs;
  return o;
}

std::vector<model::TestSpec> scenario() {
  auto victim = streamTest("victim", patterns::Placement::kRing, 10e6);
  victim.params.duration_ns = 3'000'000'000;
  return {streamTest("before", patterns::Placement::kPairs, 10e6), victim,
          streamTest("after", patterns::Placement::kPairs, 10e6)};
}

// Runs a fault against an agent once that agent is streaming in the next test. arm() is called
// from the on_test callback of the test before, while the agent is idle; a thread then waits
// (bounded) until the agent has received "start" — engine::FlowSet runs one thread per flow end,
// the receiver's from "ready" and the sender's from "start", so the ring's agent has two more
// threads than when idle, for longer than a passing helper thread would — lets the traffic run
// 0.5 s and strikes. When in the 3 s of traffic it strikes does not matter to the assertions:
// the controller is in the run phase from "start" until every agent reported "sent".
class MidTrafficFault {
 public:
  ~MidTrafficFault() { join(); }

  void arm(int agent_id, std::function<bool(pid_t)> fault) {
    pid_ = findAgent(agent_id);
    if (pid_ <= 0) {
      why_ = "agent " + std::to_string(agent_id) + " was not found among our child processes";
      return;
    }
    const int idle = threadCount(pid_);
    thread_ = std::thread([this, idle, fault = std::move(fault)] {
      int seen = 0;
      const bool streaming = testing::eventually(
          [&] {
            seen = threadCount(pid_) >= idle + 2 ? seen + 1 : 0;
            return cancel_.load() || seen >= 5;  // 5 polls, 10 ms apart
          },
          20s);
      if (cancel_.load() || !streaming) {
        why_ = "agent pid " + std::to_string(pid_) + " never started streaming (threads stayed below " +
               std::to_string(idle + 2) + ")";
        return;
      }
      testing::eventually([&] { return cancel_.load(); }, 500ms);
      if (!cancel_.load()) fired_ = fault(pid_);
      if (!fired_) why_ = "the fault could not be applied to pid " + std::to_string(pid_);
    });
  }

  void join() {
    if (!thread_.joinable()) return;
    cancel_ = true;  // only shortens the waits of a fault that never came
    thread_.join();
  }
  bool fired() const { return fired_.load(); }
  const std::string& why() const { return why_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = 0;
  std::thread thread_;
  std::atomic<bool> cancel_{false}, fired_{false};
  std::string why_;
};

// What every scenario must show: the fault named agent 2, its host and the run phase; the test
// before kept its results; the survivors ran the test after; only agent 2 is lost.
void expectFaultContained(const RunResult& r) {
  ASSERT_EQ(r.tests.size(), 3u);
  expectEveryFlowDelivered(r.tests[0], 1);
  const std::string& e = r.tests[1].error;
  ::testing::Test::RecordProperty("victim_error", e);
  EXPECT_NE(e.find("agent 2 "), std::string::npos) << e;
  EXPECT_NE(e.find(hostName()), std::string::npos) << "names the agent's host: " << e;
  EXPECT_NE(e.find("during run"), std::string::npos) << "names the phase: " << e;
  expectEveryFlowDelivered(r.tests[2], 1);
  ASSERT_EQ(r.agents.size(), 3u);
  EXPECT_FALSE(r.agents[0].lost) << r.agents[0].lost_reason;
  EXPECT_FALSE(r.agents[1].lost) << r.agents[1].lost_reason;
  EXPECT_TRUE(r.agents[2].lost);
  EXPECT_EQ(r.agents[2].lost_reason, e);
}

TEST(RunnerFaults, AnAgentKilledDuringTrafficIsNamedAndTheSurvivorsRunOn) {
  Runner runner(faultRun());
  MidTrafficFault fault;
  RunResult r = runner.run(scenario(), nullptr, [&](const model::TestOutcome& t) {
    if (t.name == "before") fault.arm(kVictim, [](pid_t pid) { return kill(pid, SIGKILL) == 0; });
  });
  fault.join();
  ASSERT_TRUE(fault.fired()) << fault.why();
  expectFaultContained(r);
  // A dead agent's connection ends at once: no waiting for a timeout.
  EXPECT_EQ(r.tests[1].error.find("within"), std::string::npos) << r.tests[1].error;
}

TEST(RunnerFaults, AFrozenAgentIsNamedWhenTheRunPhaseTimesOut) {
  Runner runner(faultRun());
  MidTrafficFault fault;
  RunResult r = runner.run(scenario(), nullptr, [&](const model::TestOutcome& t) {
    if (t.name == "before") fault.arm(kVictim, [](pid_t pid) { return kill(pid, SIGSTOP) == 0; });
    // Clean-up as soon as the controller gave up on it (a stopped process still takes SIGKILL);
    // resuming it instead could let its sender catch up into the next test's ports.
    if (t.name == "victim" && fault.pid() > 0) kill(fault.pid(), SIGKILL);
  });
  fault.join();
  ASSERT_TRUE(fault.fired()) << fault.why();
  expectFaultContained(r);
  // Declared lost by a deadline of the run phase (its traffic time plus the step timeout), not
  // by a broken connection: a frozen process keeps its sockets open.
  EXPECT_NE(r.tests[1].error.find("within"), std::string::npos) << r.tests[1].error;
}

// A wrapper around the fabcheck binary that points agent `id` at `to` instead of the controller
// at `from` (HOST:PORT), so that only that agent's control connection runs through a proxy.
// The launcher runs "<binary> agent ... --agent-id N"; the wrapper execs the real binary.
class RedirectingBinary {
 public:
  RedirectingBinary(int id, const std::string& from, const std::string& to) {
    char tmpl[] = "/tmp/fabcheck-faults-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    path_ = dir_ + "/fabcheck";
    std::ofstream f(path_);
    f << "#!/bin/sh\n"
         "for a in \"$@\"; do last=$a; done\n"
         "if [ \"$last\" = \""
      << id
      << "\" ]; then\n"
         "  n=$#\n"
         "  for a in \"$@\"; do\n"
         "    if [ \"$a\" = \""
      << from << "\" ]; then a=\"" << to
      << "\"; fi\n"
         "    set -- \"$@\" \"$a\"\n"
         "  done\n"
         "  shift $n\n"
         "fi\n"
         "exec '"
      << testing::kFabcheckBin << "' \"$@\"\n";
    f.close();
    chmod(path_.c_str(), 0755);
  }
  ~RedirectingBinary() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

TEST(RunnerFaults, AnAgentWhoseControlConnectionIsCutIsNamedAndTheOthersStayAvailable) {
  RunOptions o = faultRun();
  o.controller_port = testing::unusedLoopbackPort(SOCK_STREAM);
  testing::TcpProxy proxy("127.0.0.1", o.controller_port);
  RedirectingBinary binary(kVictim, "127.0.0.1:" + std::to_string(o.controller_port),
                           "127.0.0.1:" + std::to_string(proxy.port()));
  o.binary = binary.path();
  Runner runner(o);
  MidTrafficFault fault;
  int through_proxy = -1;
  RunResult r = runner.run(scenario(), nullptr, [&](const model::TestOutcome& t) {
    if (t.name != "before") return;
    through_proxy = proxy.open();
    fault.arm(kVictim, [&](pid_t) { return proxy.cut(); });
  });
  fault.join();
  EXPECT_EQ(through_proxy, 1) << "only agent 2's control connection runs through the proxy";
  ASSERT_TRUE(fault.fired()) << fault.why();
  EXPECT_EQ(proxy.open(), 0);
  expectFaultContained(r);
  EXPECT_EQ(r.tests[1].error.find("within"), std::string::npos) << "a reset needs no timeout: " << r.tests[1].error;
}

}  // namespace
}  // namespace fabcheck
