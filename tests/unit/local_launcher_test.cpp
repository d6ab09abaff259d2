// The local launcher's mechanics, with /bin/sh scripts standing in for `fabcheck agent`.
// Also: createLauncher and the ssh launcher's pure helpers (quoting, argv, options).
#include "harness/launch/local_launcher.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <set>
#include <thread>

#include "harness/launch/ssh_launcher.h"
#include "tests/support/processes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::launch {
namespace {
using fabcheck::testing::alive;
using fabcheck::testing::eventually;
using fabcheck::testing::slurp;
using fabcheck::testing::TempDir;

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Our own children that are zombies (exited, never reaped).
int zombieChildren() {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string status = slurp(e.path().string() + "/status");
    if (status.find("\nPPid:\t" + std::to_string(::getpid()) + "\n") != std::string::npos &&
        status.find("State:\tZ") != std::string::npos) {
      ++n;
    }
  }
  return n;
}

pid_t readPid(const std::string& path) { return static_cast<pid_t>(std::atoi(slurp(path).c_str())); }

LaunchSpec specFor(const std::string& binary, std::vector<HostEntry> hosts, const std::string& out_dir) {
  LaunchSpec spec;
  spec.binary = binary;
  spec.agent_args = {"--controller", "127.0.0.1:7000"};
  spec.env = {{"FABCHECK_RUN_SECRET", "s3cr3t-7f1d"}, {"OUT_DIR", out_dir}};
  spec.hosts = std::move(hosts);
  return spec;
}

TEST(LocalLauncher, StartsOneAgentPerSlotWithArgvAndEnvAndNoSecretInArgv) {
  TempDir dir;
  const std::string bin = dir.script("agent.sh",
                                     "printf '%s\\n' \"$@\" > \"$OUT_DIR/args.$$\"\n"
                                     "printf '%s\\n' \"$FABCHECK_RUN_SECRET\" > \"$OUT_DIR/secret.$$\"\n"
                                     "printf '%s\\n' \"$HOME\" > \"$OUT_DIR/home.$$\"\n"
                                     "echo $$ > \"$OUT_DIR/done.$$\"\n"
                                     "exec sleep 60\n");
  auto launcher = createLauncher("local", {});
  EXPECT_EQ(launcher->name(), "local");
  launcher->launch(specFor(bin, {{"localhost", 2, {}}, {"other", 1, {}}}, dir.path()));
  auto done = [&] {
    std::vector<pid_t> pids;
    for (const auto& e : fs::directory_iterator(dir.path())) {
      if (e.path().filename().string().rfind("done.", 0) == 0) pids.push_back(readPid(e.path().string()));
    }
    return pids;
  };
  ASSERT_TRUE(eventually([&] { return done().size() == 3; })) << "agents did not all start";
  std::set<std::string> ids;
  for (pid_t pid : done()) {
    const std::string p = std::to_string(pid);
    const std::string args = slurp(dir.path() + "/args." + p);
    ASSERT_EQ(args.rfind("agent\n--controller\n127.0.0.1:7000\n--agent-id\n", 0), 0u) << args;
    ids.insert(args.substr(args.rfind("--agent-id\n") + 11));
    EXPECT_EQ(slurp(dir.path() + "/secret." + p), "s3cr3t-7f1d\n");
    EXPECT_EQ(slurp(dir.path() + "/home." + p), std::string(std::getenv("HOME") ? std::getenv("HOME") : "") + "\n")
        << "the environment is inherited";
    EXPECT_TRUE(alive(pid));
    EXPECT_EQ(slurp("/proc/" + p + "/cmdline").find("s3cr3t"), std::string::npos);
  }
  EXPECT_EQ(ids, (std::set<std::string>{"0\n", "1\n", "2\n"}));
  EXPECT_TRUE(launcher->exited().empty());
  launcher->stop(2'000'000'000);
  for (pid_t pid : done()) EXPECT_FALSE(alive(pid)) << pid;
  EXPECT_EQ(zombieChildren(), 0);
  const auto exits = launcher->exited();
  ASSERT_EQ(exits.size(), 3u);
  EXPECT_EQ(exits[2].agent_id, 2);
  EXPECT_EQ(exits[2].host, "other");
  EXPECT_EQ(exits[2].signal, SIGTERM);
  EXPECT_EQ(exits[2].exit_code, -1);
}

TEST(LocalLauncher, ExitedReportsCodeAndStderrTail) {
  TempDir dir;
  const std::string bin = dir.script("agent.sh",
                                     "echo 'starting' >&2\n"
                                     "echo \"agent $5 cannot reach the controller\" >&2\n"
                                     "exit 3\n");
  LocalLauncher launcher;
  launcher.launch(specFor(bin, {{"localhost", 1, {}}}, dir.path()));
  std::vector<AgentExit> exits;
  ASSERT_TRUE(eventually([&] { return !(exits = launcher.exited()).empty(); }));
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].agent_id, 0);
  EXPECT_EQ(exits[0].host, "localhost");
  EXPECT_EQ(exits[0].exit_code, 3);
  EXPECT_EQ(exits[0].signal, 0);
  EXPECT_EQ(exits[0].stderr_tail, "starting\nagent 0 cannot reach the controller");
  EXPECT_EQ(zombieChildren(), 0);
}

TEST(LocalLauncher, ChattyAgentNeverBlocksAndOnlyTheTailIsKept) {
  TempDir dir;
  // ~400 KB of stderr: far more than a pipe holds, so it ends only if someone keeps reading.
  const std::string bin = dir.script("agent.sh",
                                     "i=0; while [ $i -lt 40000 ]; do echo \"noise line $i\" >&2; i=$((i+1)); done\n"
                                     "exit 0\n");
  LocalLauncher launcher;
  launcher.launch(specFor(bin, {{"localhost", 1, {}}}, dir.path()));
  std::vector<AgentExit> exits;
  ASSERT_TRUE(eventually([&] { return !(exits = launcher.exited()).empty(); }, 60s));
  EXPECT_EQ(exits[0].exit_code, 0);
  const std::string& tail = exits[0].stderr_tail;
  EXPECT_EQ(std::count(tail.begin(), tail.end(), '\n') + 1, static_cast<long>(process::ChildSet::kTailLines));
  EXPECT_EQ(tail.substr(tail.rfind('\n') + 1), "noise line 39999");
}

TEST(LocalLauncher, StopKillsAnAgentThatIgnoresSigtermAndItsChildren) {
  TempDir dir;
  const std::string bin = dir.script("agent.sh",
                                     "trap '' TERM\n"
                                     "sleep 120 &\n"
                                     "echo $! > \"$OUT_DIR/child\"\n"
                                     "echo $$ > \"$OUT_DIR/pid\"\n"
                                     "while :; do wait; done\n");
  LocalLauncher launcher;
  launcher.launch(specFor(bin, {{"localhost", 1, {}}}, dir.path()));
  ASSERT_TRUE(eventually([&] { return readPid(dir.path() + "/pid") > 0; }));
  const pid_t pid = readPid(dir.path() + "/pid");
  const pid_t child = readPid(dir.path() + "/child");
  ASSERT_GT(child, 0);
  launcher.stop(200'000'000);
  EXPECT_FALSE(alive(pid));
  EXPECT_TRUE(eventually([&] { return !alive(child); }, 5s)) << "the agent's own child survived";
  const auto exits = launcher.exited();
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].signal, SIGKILL);
  EXPECT_EQ(zombieChildren(), 0);
  launcher.stop();  // idempotent
}

TEST(LocalLauncher, MissingBinaryIsALaunchErrorNamingIt) {
  TempDir dir;
  LocalLauncher launcher;
  const std::string bin = dir.path() + "/no-such-fabcheck";
  try {
    launcher.launch(specFor(bin, {{"localhost", 2, {}}}, dir.path()));
    ADD_FAILURE() << "expected LaunchError";
  } catch (const LaunchError& e) {
    EXPECT_NE(std::string(e.what()).find("'" + bin + "'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos) << e.what();
  }
  EXPECT_EQ(zombieChildren(), 0);
}

TEST(LocalLauncher, RejectsAnInvalidEnvironmentName) {
  TempDir dir;
  LocalLauncher launcher;
  auto spec = specFor("/bin/true", {{"localhost", 1, {}}}, dir.path());
  spec.env["BAD=NAME"] = "x";
  EXPECT_THROW(launcher.launch(spec), LaunchError);
}

TEST(LauncherRegistry, NamesAndOptions) {
  EXPECT_EQ(createLauncher("ssh", {{"ssh_port", "2222"}})->name(), "ssh");
  EXPECT_THROW(createLauncher("slurmish", {}), ConfigError);
  EXPECT_THROW(createLauncher("local", {{"ssh_port", "22"}}), ConfigError);
  try {
    createLauncher("ssh", {{"ssh_prot", "22"}});
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown option 'ssh_prot'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(createLauncher("ssh", {{"ssh_port", "99999"}}), ConfigError);
  EXPECT_THROW(createLauncher("ssh", {{"ssh_connect_timeout", "0"}}), ConfigError);
  EXPECT_THROW(createLauncher("ssh", {{"deploy", "maybe"}}), ConfigError);
}

TEST(LocalLauncherIdentities, BlocksCoverEveryIdOnceInOrder) {
  using Blocks = std::vector<std::pair<int, int>>;
  EXPECT_EQ(identityBlocks(12, 4), (Blocks{{0, 4}, {4, 4}, {8, 4}}));
  EXPECT_EQ(identityBlocks(10, 4), (Blocks{{0, 4}, {4, 4}, {8, 2}}));
  EXPECT_EQ(identityBlocks(3, 1), (Blocks{{0, 1}, {1, 1}, {2, 1}}));
  EXPECT_EQ(identityBlocks(3, 256), (Blocks{{0, 3}}));
}

TEST(LocalLauncherIdentities, OptionValuesAreCheckedNamingTheValue) {
  EXPECT_EQ(parseLocalOptions({}).identities_per_process, 1);
  EXPECT_TRUE(parseLocalOptions({}).host_counters);
  EXPECT_EQ(parseLocalOptions({{"identities_per_process", "256"}}).identities_per_process, 256);
  EXPECT_FALSE(parseLocalOptions({{"host_counters", "off"}}).host_counters);
  for (const std::string bad : {"0", "-4", "four", "", "4.5", "70000"}) {
    try {
      createLauncher("local", {{"identities_per_process", bad}});
      ADD_FAILURE() << "expected ConfigError for '" << bad << "'";
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()), "local launcher: option 'identities_per_process' is '" + bad +
                                           "'; expected a whole number from 1 to 65536");
    }
  }
  EXPECT_THROW(createLauncher("local", {{"host_counters", "maybe"}}), ConfigError);
}

// 5 agents, 2 per process: 3 processes with --agent-id 0/2/4 and --identities 2/2/1; one
// process's exit names both of its agents (and only them).
TEST(LocalLauncherIdentities, ProcessesServeBlocksAndExitsNameTheirAgents) {
  TempDir dir;
  const std::string bin = dir.script("agent.sh",
                                     // Written whole, then renamed: a reader never sees half of it.
                                     "printf '%s\\n' \"$@\" > \"$OUT_DIR/part.$$\"\n"
                                     "mv \"$OUT_DIR/part.$$\" \"$OUT_DIR/args.$$\"\n"
                                     "case \"$*\" in *'--agent-id 2 '*) exit 7;; esac\n"
                                     "exec sleep 60\n");
  auto launcher = createLauncher("local", {{"identities_per_process", "2"}, {"host_counters", "off"}});
  launcher->launch(specFor(bin, {{"localhost", 5, {}}}, dir.path()));
  auto args = [&] {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir.path())) {
      if (e.path().filename().string().rfind("args.", 0) == 0) out.push_back(slurp(e.path().string()));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  ASSERT_TRUE(eventually([&] { return args().size() == 3; })) << "3 processes expected";
  const std::string tail = "--host-counters\noff\n";
  EXPECT_EQ(args()[0], "agent\n--controller\n127.0.0.1:7000\n--agent-id\n0\n--identities\n2\n" + tail);
  EXPECT_EQ(args()[1], "agent\n--controller\n127.0.0.1:7000\n--agent-id\n2\n--identities\n2\n" + tail);
  EXPECT_EQ(args()[2], "agent\n--controller\n127.0.0.1:7000\n--agent-id\n4\n--identities\n1\n" + tail);
  ASSERT_TRUE(eventually([&] { return launcher->exited().size() == 2; })) << "the process of agents 2 and 3 exits";
  const auto gone = launcher->exited();
  EXPECT_EQ(gone[0].agent_id, 2);
  EXPECT_EQ(gone[1].agent_id, 3);
  EXPECT_EQ(gone[0].exit_code, 7);
  EXPECT_EQ(gone[1].exit_code, 7);
  launcher->stop(0);
  EXPECT_EQ(launcher->exited().size(), 5u);
}

TEST(SshHelpers, ShellQuote) {
  EXPECT_EQ(shellQuote("plain-word_1.2/x:y@z"), "plain-word_1.2/x:y@z");
  EXPECT_EQ(shellQuote(""), "''");
  EXPECT_EQ(shellQuote("two words"), "'two words'");
  EXPECT_EQ(shellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(shellQuote("$(rm -rf /); `x` \"q\" \\ *"), "'$(rm -rf /); `x` \"q\" \\ *'");
}

TEST(SshHelpers, ShellQuoteRoundTripsThroughARealShell) {
  for (const std::string s : {"", "a b", "it's", "'", "''", "$HOME `id` \\n \"x\"", "tab\there", "new\nline", "*?[a]"}) {
    const std::string cmd = "printf %s " + shellQuote(s);
    process::SpawnRequest req;
    req.argv = {"/bin/sh", "-c", cmd};
    const process::RunOutput r = process::runToCompletion(req, 10'000'000'000);
    EXPECT_EQ(r.exit.code, 0);
    EXPECT_EQ(r.out, s) << cmd;
  }
}

TEST(SshHelpers, SshArgvCarriesOptionsAndNoEnvironment) {
  const SshOptions o = parseSshOptions({{"ssh_port", "2222"},
                                        {"ssh_identity", "/k/id"},
                                        {"ssh_config", "/k/cfg"},
                                        {"ssh_user", "bob"},
                                        {"ssh_options", "ServerAliveInterval=5  Compression=no"},
                                        {"ssh_connect_timeout", "7"}});
  const auto argv = sshArgv(o, "node07", "cmd");
  EXPECT_EQ(argv, (std::vector<std::string>{"ssh", "-T", "-o", "BatchMode=yes", "-o", "ConnectTimeout=7", "-p", "2222",
                                            "-i", "/k/id", "-F", "/k/cfg", "-l", "bob", "-o", "ServerAliveInterval=5",
                                            "-o", "Compression=no", "node07", "--", "cmd"}));
  LaunchSpec spec;
  spec.binary = "/opt/fab check/fabcheck";
  spec.agent_args = {"--controller", "10.0.0.1:7000"};
  const std::string remote = remoteAgentCommand(agentArgv(spec, 4));
  EXPECT_NE(remote.find(" '/opt/fab check/fabcheck' agent --controller 10.0.0.1:7000 --agent-id 4"),
            std::string::npos)
      << remote;
}

}  // namespace
}  // namespace fabcheck::launch
