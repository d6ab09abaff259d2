// The "ssh" launcher: agents on remote hosts through the user's own OpenSSH client.
//
// Contract (on top of launcher.h):
// - One ssh process per agent slot, numbered from 0 in hosts order:
//     ssh -T -o BatchMode=yes -o ConnectTimeout=<s> [-p port] [-i key] [-F config] [-l user]
//         [-o <extra>...] [<connection reuse options>] <host> -- <remote command>
//   Options (createLauncher's map): ssh_port, ssh_identity, ssh_config, ssh_user,
//   ssh_options (whitespace-separated extra -o values, e.g. "ServerAliveInterval=5"),
//   ssh_connect_timeout (seconds, default 10), fanout (1..4096, default 32), ssh_multiplex
//   (0..1000, default 10), deploy ("1"/"0"), local_binary (deploy source, default
//   /proc/self/exe). Anything else is a ConfigError.
// - Fan-out (launch_window.h): at most `fanout` ssh processes are in their connect/launch phase at
//   once (from spawn until the started line, or ssh's exit, or the start timeout); the next starts
//   as one leaves it. Agents that started keep their ssh for the whole run.
// - Connection reuse (ssh_control.h), unless ssh_multiplex=0: a host's slots share one OpenSSH
//   master connection per `ssh_multiplex` slots (sshd's MaxSessions defaults to 10 sessions per
//   connection). The first slot of each group opens it, in the background (ControlPersist); the
//   others start once it launched and ride on it; when it failed, they fail with its reason.
//   Deploy (below) opens the host's first connection, and the launch reuses it. Control sockets
//   live in a private temp dir; stop() asks the masters to exit and removes it.
// - Secrets stay off every command line, local and remote: the remote command is a fixed POSIX
//   sh script (remoteAgentCommand) that reads "NAME=value" lines from its stdin up to an empty
//   line and exports them; launch() writes every spec.env entry that way on ssh's stdin.
// - Remote lifetime is tied to our end of ssh's stdin: the script starts the agent in the
//   background, prints the line kStartedLine on stderr (the end of the launch phase; at most
//   spec.start_timeout_ns after that ssh was spawned), and a watcher keeps reading stdin. On a
//   "stop <s>" line or EOF (our side closed, crashed, or the connection dropped) it sends SIGTERM
//   to the agent and SIGKILL <s> seconds later (2 on a bare EOF). The script exits with the
//   agent's status, so ssh's exit code is the agent's: codes 129..192 are reported as the signal
//   (code-128), 255 is ssh's own error. Only the agent process is signalled remotely: children it
//   leaves behind holding the session's stderr keep that ssh session open until they end or
//   stop() kills the local ssh. Stopping uses each agent's own session: no new connection.
// - A slot whose ssh ends before the started line, or is not started in time, is a LaunchError
//   "ssh to <host>: <ssh's last stderr line> (agent <id>)" (the first in agent order), and
//   everything started is stopped — unless spec.keep_going: then launch() returns with the others
//   started and exited() reports each failed slot with its host and that reason as stderr_tail
//   (exit code 255 when its ssh never ran or was killed).
// - stop(grace): writes "stop <ceil(grace s)>", closes stdin, waits up to grace + 2 s for the ssh
//   processes to end, then SIGTERM, 0.5 s later SIGKILL to the local ssh processes; then closes
//   the master connections (`ssh -O exit`) and removes the control socket dir.
// - deploy=1: before launching, per distinct host, `<binary> version` over ssh; unless it prints
//   "fabcheck <kVersion>", copies local_binary over ssh (stdin → cat into a temp name in the
//   target's directory, created if missing; chmod 755; mv) and checks the version again.
//   spec.binary must then be absolute. Errors name the host. Hosts are deployed one at a time.
// - The remote login shell must accept POSIX sh quoting (sh, bash, dash, zsh, ksh).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/launch/child_process_launcher.h"
#include "harness/launch/launch_window.h"
#include "harness/launch/ssh_control.h"

namespace fabcheck::launch {

inline constexpr const char* kStartedLine = "fabcheck-launch: agent started";

struct SshOptions {
  std::string port;       // empty: ssh's default
  std::string identity;
  std::string config;
  std::string user;
  std::vector<std::string> extra;  // -o values
  int connect_timeout_s = 10;
  int fanout = 32;     // ssh processes in their connect/launch phase at once (pdsh's default)
  int multiplex = 10;  // agent sessions per master connection; 0: no connection reuse
  bool deploy = false;
  std::string local_binary = "/proc/self/exe";
};

SshOptions parseSshOptions(const std::map<std::string, std::string>& options);  // throws ConfigError

// Quotes `s` as one word for a POSIX shell ('...' with '\'' for quotes; safe words unchanged).
std::string shellQuote(std::string_view s);
// The remote command line (one string, for the remote login shell) running `agent_argv`.
std::string remoteAgentCommand(const std::vector<std::string>& agent_argv);
// Full local argv of ssh for `host` running `remote_command`; with a `control_path`, over that
// shared connection (controlOptions, ssh_control.h).
std::vector<std::string> sshArgv(const SshOptions& o, const std::string& host, const std::string& remote_command,
                                 const std::string& control_path = "");
// Deploy step for one host (see above), over `control_path` when given. Returns true when it
// copied. Throws LaunchError.
bool deployBinary(const SshOptions& o, const std::string& host, const std::string& remote_path, int64_t timeout_ns,
                  const std::string& control_path = "");

class SshLauncher : public ChildProcessLauncher {
 public:
  explicit SshLauncher(SshOptions options) : opts_(std::move(options)) { status_via_shell_ = true; }
  ~SshLauncher() override;
  std::string name() const override { return "ssh"; }
  void launch(const LaunchSpec& spec) override;
  void stop(int64_t grace_ns = 2'000'000'000) noexcept override;
  std::vector<AgentExit> exited() override;
  // The directory of the control sockets while launched, empty before and after (tests).
  const std::string& controlDir() const { return control_.dir(); }

 private:
  struct Slot {
    int id = 0;
    std::string host;
    int connection = -1;  // control socket index; -1: none
    int after = -1;       // the slot that opens its connection; -1: it opens it (or none)
  };
  std::vector<Slot> planSlots(const LaunchSpec& spec);
  void deploy(const LaunchSpec& spec, const std::vector<Slot>& slots);
  // Throws (first failure in agent order) unless keep_going; else records them in launch_failed_.
  void settle(const std::vector<Slot>& slots, const std::vector<WindowOutcome>& outcomes, bool keep_going);

  SshOptions opts_;
  SshControl control_;
  std::map<size_t, std::string> masters_;  // connection index → host
  std::vector<AgentExit> launch_failed_;   // keep_going: slots that never launched
  bool stopped_ = false;
};

}  // namespace fabcheck::launch
