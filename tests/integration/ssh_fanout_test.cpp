// The ssh launcher at scale against a real OpenSSH server on 127.0.0.1 (sshd_fixture.h): the
// launch window (fanout), connection reuse (one master connection per host) and per-host
// failures that let the other agents launch (keep_going, for min_agents).
//
// The window is observed from the launches themselves: an ssh_config LocalCommand, which ssh runs
// after connecting and before the remote command starts, marks its launch "in flight" in a
// directory, records how many are in flight, and holds until the test releases it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "harness/launch/ssh_launcher.h"
#include "tests/integration/launcher_test_helpers.h"
#include "tests/integration/ssh_agents_fixture.h"
#include "tests/integration/sshd_fixture.h"

namespace fabcheck::launch {
namespace {
using fabcheck::testing::alive;
using fabcheck::testing::eventually;
using fabcheck::testing::slurp;
using fabcheck::testing::Sshd;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class SshFanoutTest : public fabcheck::testing::SshAgentsTest {
 protected:
  // The fixture's ssh_config plus hosts "fan-<n>", all the fixture's sshd, whose launches hold in
  // `hold` (a LocalCommand script given the host alias) when it is not empty.
  std::string fanConfig(const std::string& hold) {
    std::string cfg = slurp(sshd_->clientConfig());
    const std::string first = "Host " + std::string(Sshd::kAlias) + " 127.0.0.1\n";
    std::string block = cfg.substr(0, cfg.find("Host ", first.size()));
    block.replace(0, first.size(), "Host fan-*\n");
    if (!hold.empty()) block += "  PermitLocalCommand yes\n  LocalCommand " + hold + " %n\n";
    const std::string path = work_ + "/fan_config";
    std::ofstream(path) << block << cfg;
    return path;
  }

  int acceptedConnections() {
    const std::string log = sshd_->log();
    int n = 0;
    for (size_t at = 0; (at = log.find("Accepted publickey", at)) != std::string::npos; ++at) ++n;
    return n;
  }

  std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

};

TEST_F(SshFanoutTest, NeverMoreThanFanoutLaunchesAreInFlight) {
  const std::string flight = work_ + "/inflight", release = work_ + "/release";
  fs::create_directories(flight);
  fs::create_directories(release);
  // In flight from its mkdir to its rmdir; records the count it saw; held until released (30 s at most).
  const std::string hold = fabcheck::testing::writeScript(
      work_ + "/hold.sh", "d=" + work_ + "\nmkdir \"$d/inflight/$1\"\nls \"$d/inflight\" | wc -l >> \"$d/counts\"\n"
                          "i=0; while [ ! -e \"$d/release/$1\" ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done\n"
                          "rmdir \"$d/inflight/$1\"\n");
  constexpr int kHosts = 6;
  std::vector<HostEntry> hosts;
  for (int i = 0; i < kHosts; ++i) hosts.push_back({"fan-" + std::to_string(i), 1, {}});
  auto launcher = createLauncher("ssh", {{"ssh_config", fanConfig(hold)}, {"fanout", "2"}});
  const LaunchSpec spec = fabcheck::testing::fakeAgentSpec(agentScript("exec sleep 300\n"), hosts, secret_, 60'000'000'000);
  std::string launch_error;
  std::thread launching([&] {
    launch_error = fabcheck::testing::errorOf<LaunchError>([&] { launcher->launch(spec); });
  });
  for (int released = 0; released < kHosts; ++released) {
    const size_t window_full = std::min<size_t>(2, static_cast<size_t>(kHosts - released));
    ASSERT_TRUE(eventually([&] { return entries(flight).size() >= window_full; }, 30s)) << "launch " << released;
    const auto now = entries(flight);
    ASSERT_LE(now.size(), 2u) << "in flight at once: " << now.size();
    std::ofstream(release + "/" + now[0]).put('\n');
    ASSERT_TRUE(eventually([&] { return !fs::exists(flight + "/" + now[0]); }, 30s));
  }
  launching.join();
  EXPECT_EQ(launch_error, "<no exception>");
  int most = 0;
  std::istringstream counts(slurp(work_ + "/counts"));
  for (int n; counts >> n;) most = std::max(most, n);
  EXPECT_EQ(most, 2) << "each launch records how many were in flight when it began";
  for (int id = 0; id < kHosts; ++id) EXPECT_TRUE(eventually([&] { return agentPid(id) > 0; })) << "agent " << id;
  launcher->stop(1'000'000'000);
}

TEST_F(SshFanoutTest, AHostsSlotsShareOneConnectionAndTheSocketsGoAtStop) {
  const std::string bin = agentScript("exec sleep 300\n");
  const int before = acceptedConnections();
  auto launcher = createLauncher("ssh", {{"ssh_config", sshd_->clientConfig()}});
  launcher->launch(fabcheck::testing::fakeAgentSpec(bin, {{Sshd::kAlias, 3, {}}}, secret_, 30'000'000'000));
  ASSERT_TRUE(eventually([&] { return agentPid(0) > 0 && agentPid(1) > 0 && agentPid(2) > 0; }));
  EXPECT_EQ(acceptedConnections() - before, 1) << "three agents over one ssh connection";
  const std::string dir = dynamic_cast<SshLauncher&>(*launcher).controlDir();
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(entries(dir), std::vector<std::string>{"c0"});

  launcher->stop(1'000'000'000);
  EXPECT_TRUE(eventually([&] { return !alive(agentPid(0)) && !alive(agentPid(1)) && !alive(agentPid(2)); }, 3s));
  EXPECT_FALSE(fs::exists(dir)) << "control socket dir left behind";
  // `ssh -O exit` returns once the master was told; the master itself ends a moment later.
  EXPECT_TRUE(eventually([&] { return fabcheck::testing::countContaining(fabcheck::testing::allCmdlines(), dir) == 0; }, 3s))
      << "a master survived stop()";
  EXPECT_EQ(launcher->exited().size(), 3u);
}

TEST_F(SshFanoutTest, MultiplexCapsTheSessionsPerConnection) {
  const std::string bin = agentScript("exec sleep 300\n");
  const int before = acceptedConnections();
  auto launcher = createLauncher("ssh", {{"ssh_config", sshd_->clientConfig()}, {"ssh_multiplex", "2"}});
  launcher->launch(fabcheck::testing::fakeAgentSpec(bin, {{Sshd::kAlias, 3, {}}}, secret_, 30'000'000'000));
  EXPECT_EQ(acceptedConnections() - before, 2) << "slots 0-1 share one connection, slot 2 has its own";
  launcher->stop(1'000'000'000);

  auto plain = createLauncher("ssh", {{"ssh_config", sshd_->clientConfig()}, {"ssh_multiplex", "0"}});
  const int middle = acceptedConnections();
  plain->launch(fabcheck::testing::fakeAgentSpec(bin, {{Sshd::kAlias, 2, {}}}, secret_, 30'000'000'000));
  EXPECT_EQ(acceptedConnections() - middle, 2) << "ssh_multiplex=0: one connection per agent";
  EXPECT_TRUE(dynamic_cast<SshLauncher&>(*plain).controlDir().empty());
  plain->stop(1'000'000'000);
}

TEST_F(SshFanoutTest, KeepGoingReportsAFailedHostByNameAndLaunchesTheOthers) {
  const std::string bin = agentScript("exec sleep 300\n");
  auto launcher = createLauncher("ssh", {{"ssh_config", sshd_->clientConfig()}, {"fanout", "2"}});
  LaunchSpec spec = fabcheck::testing::fakeAgentSpec(
      bin, {{Sshd::kAlias, 1, {}}, {Sshd::kBadKeyAlias, 2, {}}, {Sshd::kAlias, 1, {}}}, secret_, 30'000'000'000);
  spec.keep_going = true;
  ASSERT_NO_THROW(launcher->launch(spec));
  EXPECT_TRUE(eventually([&] { return agentPid(0) > 0 && agentPid(3) > 0; }));
  const auto exits = launcher->exited();
  ASSERT_EQ(exits.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(exits[i].agent_id, static_cast<int>(i) + 1);
    EXPECT_EQ(exits[i].host, Sshd::kBadKeyAlias);
    EXPECT_EQ(exits[i].exit_code, 255);
    EXPECT_EQ(exits[i].stderr_tail.rfind(std::string("ssh to ") + Sshd::kBadKeyAlias + ": ", 0), 0u) << exits[i].stderr_tail;
    EXPECT_NE(exits[i].stderr_tail.find("Permission denied"), std::string::npos) << exits[i].stderr_tail;
  }
  launcher->stop(1'000'000'000);
}

TEST_F(SshFanoutTest, FanoutAndMultiplexOptionsAreChecked) {
  EXPECT_EQ(fabcheck::testing::errorOf<ConfigError>([] { parseSshOptions({{"fanout", "0"}}); }),
            "ssh launcher: fanout '0' is not a number of ssh processes from 1 to 4096");
  EXPECT_EQ(fabcheck::testing::errorOf<ConfigError>([] { parseSshOptions({{"ssh_multiplex", "many"}}); }),
            "ssh launcher: ssh_multiplex 'many' is not a number of sessions per connection from 0 to 1000");
  EXPECT_EQ(parseSshOptions({}).fanout, 32);
  EXPECT_EQ(parseSshOptions({}).multiplex, 10);
}

}  // namespace
}  // namespace fabcheck::launch
