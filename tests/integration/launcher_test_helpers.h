// Test support for the launchers' integration tests (ssh, slurm, mpirun): a shell-script
// stand-in for `fabcheck agent` that records what it was given, the spec that launches it, and
// the checks that the run secret travelled only through the environment.
#pragma once

#include <sys/types.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/launch/launcher.h"
#include "tests/support/processes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {

// The EXTRA variable of fakeAgentSpec: shell metacharacters that must arrive unexpanded.
inline constexpr const char* kFakeAgentExtra = "a b 'c' $HOME";

// A run secret unique to this test process and call.
inline std::string randomSecret() { return "fabsecret-" + std::to_string(std::random_device{}()) + std::to_string(std::random_device{}()); }

// Writes <dir>/agent.sh, a stand-in for `fabcheck agent`. It sets $id with `id_line` (a sh
// statement) and $d to `dir`; records its arguments, $FABCHECK_RUN_SECRET and $EXTRA one per line
// in <d>/args.<id>, secret.<id>, extra.<id>; runs `record_more` (more such lines); installs the
// leading `trap` lines of `body`; writes its PID to <d>/pid.<id> (last and atomically: the sign it
// started, so a signal a test sends once it sees the PID finds the traps in place); then runs the
// rest of `body`. Returns the path.
inline std::string writeFakeAgent(const std::string& dir, const std::string& id_line, const std::string& body,
                                  const std::string& record_more = "") {
  std::string traps;
  std::string rest = body;
  while (rest.rfind("trap ", 0) == 0) {
    const size_t end = rest.find('\n');
    const size_t cut = end == std::string::npos ? rest.size() : end + 1;
    traps += rest.substr(0, cut);
    rest.erase(0, cut);
  }
  return writeScript(dir + "/agent.sh", id_line + "\n" +
                                            "d=" + dir + "\n"
                                            "printf '%s\\n' \"$@\" > \"$d/args.$id\"\n"
                                            "printf '%s\\n' \"$FABCHECK_RUN_SECRET\" > \"$d/secret.$id\"\n"
                                            "printf '%s\\n' \"$EXTRA\" > \"$d/extra.$id\"\n" +
                                            record_more + traps +
                                            "echo $$ > \"$d/pid.tmp.$id\" && mv \"$d/pid.tmp.$id\" \"$d/pid.$id\"\n" + rest);
}

// The PID the fake agent `id` wrote in `dir`, 0 before it started.
inline pid_t fakeAgentPid(const std::string& dir, int id) {
  return static_cast<pid_t>(std::atoi(slurp(dir + "/pid." + std::to_string(id)).c_str()));
}

// A spec running `binary` as the agent on `hosts`, with agent args "--controller 127.0.0.1:7000"
// and the environment FABCHECK_RUN_SECRET=`secret`, EXTRA=kFakeAgentExtra.
inline launch::LaunchSpec fakeAgentSpec(const std::string& binary, std::vector<launch::HostEntry> hosts,
                                        const std::string& secret, int64_t start_timeout_ns) {
  launch::LaunchSpec s;
  s.binary = binary;
  s.agent_args = {"--controller", "127.0.0.1:7000"};
  s.env = {{"FABCHECK_RUN_SECRET", secret}, {"EXTRA", kFakeAgentExtra}};
  s.hosts = std::move(hosts);
  s.start_timeout_ns = start_timeout_ns;
  return s;
}

// The fake agent `id` in `dir` got exactly `args` (one per line) and the spec's environment.
inline void expectFakeAgentGot(const std::string& dir, int id, const std::string& args, const std::string& secret) {
  const std::string n = std::to_string(id);
  EXPECT_EQ(slurp(dir + "/args." + n), args) << "agent " << id;
  EXPECT_EQ(slurp(dir + "/secret." + n), secret + "\n") << "agent " << id;
  EXPECT_EQ(slurp(dir + "/extra." + n), std::string(kFakeAgentExtra) + "\n") << "values pass unexpanded";
}

// No command line in `cmdlines` (see allCmdlines) holds `secret`.
inline void expectSecretOnNoCommandLine(const std::vector<std::string>& cmdlines, const std::string& secret) {
  for (const auto& c : cmdlines) EXPECT_EQ(c.find(secret), std::string::npos) << "secret on a command line: " << c;
}

// How many of `cmdlines` contain `needle`.
inline int countContaining(const std::vector<std::string>& cmdlines, const std::string& needle) {
  int n = 0;
  for (const auto& c : cmdlines) n += c.find(needle) != std::string::npos;
  return n;
}

}  // namespace fabcheck::testing
