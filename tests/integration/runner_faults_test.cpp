// Faults in the middle of a distributed run, through fabcheck::Runner with the local launcher and
// real agent processes: an agent killed (SIGKILL), frozen (SIGSTOP), or cut off from the
// controller (its control connection reset by a proxy) while its traffic runs. Each must become
// that test's error naming the agent, its host and the phase, within the configured timeouts;
// the test before keeps its results, and the surviving agents run the next test. With the victim
// test 60 s long, each is named within the step timeout (agents send heartbeats while their
// flows run), not at the end of the test.
//
// Every scenario runs three tests on three agents:
//   "before"  pairs 0→1 (agent 2 sits out), 300 ms
//   "victim"  ring 0→1→2→0 for 3 s; the fault hits agent 2 while it streams
//   "after"   pairs 0→1 again, on the survivors
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include <nlohmann/json.hpp>

#include "generators/core/host_info.h"
#include "harness/runner/runner.h"
#include "tests/integration/runner_helpers.h"
#include "tests/support/ports.h"
#include "tests/support/subprocess.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/temp_dir.h"
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

// The scenario with a victim test of 60 s: a fault that is only noticed at the end of the test's
// duration (the old behaviour) fails the bounds below by far.
std::vector<model::TestSpec> longScenario() {
  std::vector<model::TestSpec> tests = scenario();
  tests[1].params.duration_ns = 60'000'000'000;
  return tests;
}

using Clock = std::chrono::steady_clock;

// Seconds from the fault to the end of the victim test (its error reported to on_test).
double secondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// The long scenario with `signal` sent to the victim's agent mid-traffic (after "before"):
// the run's result and the seconds from the signal to the victim test's end (its error
// reported to on_test). A stopped agent is killed once its test has ended (clean-up).
struct LongFaultRun {
  RunResult result;
  bool fired = false;
  std::string why;
  double detection_s = 0;
};

LongFaultRun runLongScenarioWithSignal(int signal) {
  Runner runner(faultRun());
  MidTrafficFault fault;
  std::atomic<Clock::rep> struck{0};
  Clock::time_point victim_done{};
  LongFaultRun out;
  out.result = runner.run(longScenario(), nullptr, [&](const model::TestOutcome& t) {
    if (t.name == "before") {
      fault.arm(kVictim, [&](pid_t pid) {
        struck = Clock::now().time_since_epoch().count();
        return kill(pid, signal) == 0;
      });
    }
    if (t.name == "victim") {
      victim_done = Clock::now();
      if (signal == SIGSTOP && fault.pid() > 0) kill(fault.pid(), SIGKILL);
    }
  });
  fault.join();
  out.fired = fault.fired();
  out.why = fault.why();
  out.detection_s = secondsBetween(Clock::time_point(Clock::duration(struck.load())), victim_done);
  ::testing::Test::RecordProperty("detection_s", std::to_string(out.detection_s));
  return out;
}

TEST(RunnerFaults, AnAgentKilledInALongTestIsNamedWithinTheStepTimeout) {
  const LongFaultRun run = runLongScenarioWithSignal(SIGKILL);
  ASSERT_TRUE(run.fired) << run.why;
  expectFaultContained(run.result);  // the survivors stopped their 60 s flows at the abort and ran "after"
  EXPECT_LT(run.detection_s, static_cast<double>(kStepTimeoutNs) / 1e9) << run.result.tests[1].error;
}

TEST(RunnerFaults, AnAgentFrozenInALongTestIsNamedWithinTheStepTimeoutOfItsLastHeartbeat) {
  const LongFaultRun run = runLongScenarioWithSignal(SIGSTOP);
  ASSERT_TRUE(run.fired) << run.why;
  expectFaultContained(run.result);
  EXPECT_NE(run.result.tests[1].error.find("heartbeat"), std::string::npos) << run.result.tests[1].error;
  // Its last heartbeat came at most one interval (controller::heartbeatIntervalNs: a quarter of
  // the step timeout) before the fault, so it is named at most the step timeout after the fault
  // (plus the controller's 100 ms look).
  EXPECT_LT(run.detection_s, static_cast<double>(kStepTimeoutNs) / 1e9 + 0.5) << run.result.tests[1].error;
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

// ---- The whole `fabcheck run` (the CLI, its JSON report): an agent killed in a long test is
// marked lost in the report and its flows' figures are not reported as measurements; the
// controller killed in a long test takes its agents with it within a bound (the control channel
// closing, and the parent-death signal).

using nlohmann::json;
using testing::eventually;
using testing::kFabcheckBin;
using testing::parentOf;
using testing::slurp;
using testing::ExitStatus;
using testing::Subprocess;

using testing::kAgentsGoneBound;

// The agent processes whose parent is `parent`, by agent id.
std::vector<pid_t> agentsOf(pid_t parent) {
  std::vector<pid_t> out;
  for (int id = 0; id < 3; ++id) {
    DIR* d = opendir("/proc");
    if (!d) return out;
    while (dirent* e = readdir(d)) {
      const pid_t pid = static_cast<pid_t>(atoi(e->d_name));
      if (pid <= 0 || parentOf(pid) != parent) continue;
      std::string cmd = slurp("/proc/" + std::string(e->d_name) + "/cmdline");
      std::replace(cmd.begin(), cmd.end(), '\0', ' ');
      if (cmd.find(" agent ") != std::string::npos && cmd.find("--agent-id " + std::to_string(id) + " ") != std::string::npos) {
        out.push_back(pid);
      }
    }
    closedir(d);
  }
  return out;
}

// Gone, or exited and waiting for a parent that does not reap it (a zombie runs nothing).
bool agentExited(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || stat.find(" Z ", paren) == paren + 1;
}

class RunFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ + "/s.yaml") << testing::longRingSuite("faults",
                                                              R"(["loss_ratio == 0", "throughput_gbps > 0"])");
  }
  void TearDown() override {
    for (pid_t p : agents_) {
      if (!agentExited(p)) kill(p, SIGKILL);  // only our own agents, and only when a check failed
    }
  }

  // Starts the run, finds its three agents and returns once every one of them streams (one
  // thread more than when the test was announced, for five polls 10 ms apart), or fails.
  Subprocess startStreaming() {
    Subprocess p = Subprocess::start({kFabcheckBin, "run", dir_ + "/s.yaml", "--agents", "3", "--step-timeout", "3s",
                                      "--report", "json:" + dir_ + "/r.json"});
    EXPECT_TRUE(p.waitForStderr("long", 30s)) << p.err();
    EXPECT_TRUE(eventually([&] { return (agents_ = agentsOf(p.pid())).size() == 3; }, 10s)) << p.err();
    std::vector<int> idle;
    for (pid_t a : agents_) idle.push_back(threadCount(a));
    int seen = 0;
    streaming_ = eventually(
        [&] {
          bool all = true;
          for (size_t i = 0; i < agents_.size(); ++i) all = all && threadCount(agents_[i]) >= idle[i] + 1;
          seen = all ? seen + 1 : 0;
          return seen >= 5;
        },
        20s);
    return p;
  }

  testing::TempDir tmp_{"fabcheck-runfaults"};
  const std::string dir_ = tmp_.path();
  std::vector<pid_t> agents_;
  bool streaming_ = false;
};

TEST_F(RunFaults, AKilledAgentIsLostInTheJsonReportAndItsFlowsAreNotMeasured) {
  Subprocess p = startStreaming();
  ASSERT_TRUE(streaming_) << p.err();
  ASSERT_EQ(kill(agents_[2], SIGKILL), 0);
  const auto struck = std::chrono::steady_clock::now();
  const ExitStatus s = p.waitExit(30s);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - struck).count();
  ASSERT_FALSE(s.timed_out) << p.err();
  EXPECT_EQ(s.code, 3) << p.err();
  // Found at once (the Runner tests bound it by the step timeout); then the run's shutdown.
  EXPECT_LT(took, 10.0) << "the run ends soon after the kill, not after the test's 60 s";
  const json j = json::parse(slurp(dir_ + "/r.json"));
  ASSERT_EQ(j["agents"].size(), 3u) << j.dump(2);
  EXPECT_FALSE(j["agents"][0]["lost"].get<bool>());
  EXPECT_FALSE(j["agents"][1]["lost"].get<bool>());
  EXPECT_TRUE(j["agents"][2]["lost"].get<bool>()) << j["agents"].dump(2);
  EXPECT_NE(j["agents"][2]["lost_reason"].get<std::string>().find("agent 2 "), std::string::npos);
  ASSERT_EQ(j["tests"].size(), 1u);
  const json& t = j["tests"][0];
  EXPECT_EQ(t["verdict"], "error");
  EXPECT_NE(t["error"].get<std::string>().find("agent 2 "), std::string::npos) << t["error"];
  // No flow had both ends report: no loss ratio of 0, no throughput, and no SLO on them passed.
  EXPECT_EQ(t["flows_unmeasured"], 3) << t.dump(2);
  EXPECT_FALSE(t["metrics"].contains("loss_ratio")) << t["metrics"].dump(2);
  EXPECT_FALSE(t["metrics"].contains("throughput_gbps")) << t["metrics"].dump(2);
  EXPECT_TRUE(t["metrics_missing"].contains("loss_ratio")) << t.dump(2);
  for (const auto& slo : t["slos"]) EXPECT_NE(slo["verdict"], "pass") << slo.dump();
}

TEST_F(RunFaults, AControllerKilledInALongTestTakesItsAgentsWithItWithinTheBound) {
  Subprocess p = startStreaming();
  ASSERT_TRUE(streaming_) << p.err();
  p.signal(SIGKILL);
  ASSERT_FALSE(p.waitExit(10s).timed_out);
  for (pid_t a : agents_) {
    EXPECT_TRUE(eventually([&] { return agentExited(a); }, kAgentsGoneBound))
        << "agent pid " << a << " still runs " << std::chrono::duration<double>(kAgentsGoneBound).count()
        << " s after its controller was killed";
  }
}

}  // namespace
}  // namespace fabcheck
