// The "ssh" launcher: agents on remote hosts through the user's own OpenSSH client.
//
// Contract (on top of launcher.h):
// - One ssh process per agent slot, numbered from 0 in hosts order:
//     ssh -T -o BatchMode=yes -o ConnectTimeout=<s> [-p port] [-i key] [-F config] [-l user]
//         [-o <extra>...] <host> -- <remote command>
//   Options (createLauncher's map): ssh_port, ssh_identity, ssh_config, ssh_user,
//   ssh_options (whitespace-separated extra -o values, e.g. "ServerAliveInterval=5"),
//   ssh_connect_timeout (seconds, default 10), deploy ("1"/"0"), local_binary (deploy source,
//   default /proc/self/exe). Anything else is a ConfigError.
// - Secrets stay off every command line, local and remote: the remote command is a fixed POSIX
//   sh script (remoteAgentCommand) that reads "NAME=value" lines from its stdin up to an empty
//   line and exports them; launch() writes every spec.env entry that way on ssh's stdin.
// - Remote lifetime is tied to our end of ssh's stdin: the script starts the agent in the
//   background, prints the line kStartedLine on stderr (launch() waits for it, or for ssh to
//   exit, at most spec.start_timeout_ns; an early exit → LaunchError "ssh to <host>: <ssh's last
//   stderr line>"), and a watcher keeps reading stdin. On a "stop <s>" line or EOF (our side
//   closed, crashed, or the connection dropped) it sends SIGTERM to the agent and SIGKILL <s>
//   seconds later (2 on a bare EOF). The script exits with the agent's status, so ssh's exit code
//   is the agent's: codes 129..192 are reported as the signal (code-128), 255 is ssh's own error.
//   Only the agent process is signalled remotely: children it leaves behind holding the session's
//   stderr keep that ssh session open until they end or stop() kills the local ssh.
// - stop(grace): writes "stop <ceil(grace s)>", closes stdin, waits up to grace + 2 s for the ssh
//   processes to end, then SIGTERM, 0.5 s later SIGKILL to the local ssh processes.
// - deploy=1: before launching, per distinct host, `<binary> version` over ssh; unless it prints
//   "fabcheck <kVersion>", copies local_binary over ssh (stdin → cat into a temp name in the
//   target's directory, created if missing; chmod 755; mv) and checks the version again.
//   spec.binary must then be absolute. Errors name the host.
// - The remote login shell must accept POSIX sh quoting (sh, bash, dash, zsh, ksh).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/launch/child_process_launcher.h"

namespace fabcheck::launch {

inline constexpr const char* kStartedLine = "fabcheck-launch: agent started";

struct SshOptions {
  std::string port;       // empty: ssh's default
  std::string identity;
  std::string config;
  std::string user;
  std::vector<std::string> extra;  // -o values
  int connect_timeout_s = 10;
  bool deploy = false;
  std::string local_binary = "/proc/self/exe";
};

SshOptions parseSshOptions(const std::map<std::string, std::string>& options);  // throws ConfigError

// Quotes `s` as one word for a POSIX shell ('...' with '\'' for quotes; safe words unchanged).
std::string shellQuote(std::string_view s);
// The remote command line (one string, for the remote login shell) running `agent_argv`.
std::string remoteAgentCommand(const std::vector<std::string>& agent_argv);
// Full local argv of ssh for `host` running `remote_command`.
std::vector<std::string> sshArgv(const SshOptions& o, const std::string& host, const std::string& remote_command);
// Deploy step for one host (see above). Returns true when it copied. Throws LaunchError.
bool deployBinary(const SshOptions& o, const std::string& host, const std::string& remote_path, int64_t timeout_ns);

class SshLauncher : public ChildProcessLauncher {
 public:
  explicit SshLauncher(SshOptions options) : opts_(std::move(options)) { status_via_shell_ = true; }
  ~SshLauncher() override;
  std::string name() const override { return "ssh"; }
  void launch(const LaunchSpec& spec) override;
  void stop(int64_t grace_ns = 2'000'000'000) noexcept override;

 private:
  SshOptions opts_;
  bool stopped_ = false;
};

}  // namespace fabcheck::launch
