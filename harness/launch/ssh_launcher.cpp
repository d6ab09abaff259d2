#include "harness/launch/ssh_launcher.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "generators/core/errors.h"
#include "generators/core/version.h"
#include "harness/launch/launcher_options.h"
#include "harness/launch/local_launcher.h"

namespace fabcheck::launch {
namespace {

// Runs on the remote host under `sh -c`, with the agent's argv as "$@". See ssh_launcher.h.
// Single line per statement, no '!' (csh history), no single quotes (it is single-quoted).
constexpr const char* kAgentScript =
    "while IFS= read -r l && [ -n \"$l\" ]; do export \"$l\"; done; "
    "case $1 in */*) [ -x \"$1\" ] ;; *) command -v \"$1\" >/dev/null 2>&1 ;; esac || "
    "{ echo \"fabcheck-launch: $1 is not an executable on $(uname -n)\" >&2; exit 127; }; "
    "exec 3<&0; "
    "\"$@\" </dev/null & a=$!; "
    "echo \"fabcheck-launch: agent started\" >&2; "
    "{ g=2; while read -r c v; do if [ \"$c\" = stop ]; then g=$v; break; fi; done; "
    "kill -TERM $a 2>/dev/null; sleep $g; kill -KILL $a 2>/dev/null; } <&3 >/dev/null 2>&1 & w=$!; "
    "exec 3<&-; "
    "wait $a; r=$?; kill $w 2>/dev/null; exit $r";

// Copies stdin to "$1" through a temp name in the same directory (created when missing).
constexpr const char* kDeployScript =
    "d=$(dirname \"$1\") && mkdir -p \"$d\" && t=\"$1.fabcheck-deploy.$$\" && "
    "{ cat >\"$t\" && chmod 755 \"$t\" && mv -f \"$t\" \"$1\" || { rm -f \"$t\"; exit 1; }; }";

const std::set<std::string> kSshOptionNames = {"ssh_port", "ssh_identity", "ssh_config", "ssh_user", "ssh_options",
                                            "ssh_connect_timeout", "deploy", "local_binary"};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string sshFailure(const process::RunOutput& r) {
  if (r.timed_out) return "timed out";
  return r.err_last_line.empty() ? process::describeExit(r.exit) : r.err_last_line;
}

std::string remoteVersion(const SshOptions& o, const std::string& host, const std::string& path, int64_t timeout_ns,
                          process::RunOutput* raw) {
  process::SpawnRequest req;
  req.argv = sshArgv(o, host, shellQuote(path) + " version");
  *raw = process::runToCompletion(req, timeout_ns);
  if (raw->timed_out || raw->exit.code != 0) return {};
  const std::string out = raw->out.substr(0, raw->out.find('\n'));
  return trim(out);
}

}  // namespace

SshOptions parseSshOptions(const std::map<std::string, std::string>& options) {
  SshOptions o;
  checkOptionNames("ssh", options, kSshOptionNames);
  auto get = [&](const char* k) { return optionValue(options, k); };
  o.port = get("ssh_port");
  if (!o.port.empty() && !parseWholeNumber(o.port, 1, 65535)) {
    throw ConfigError("ssh launcher: ssh_port '" + o.port + "' is not a port number from 1 to 65535");
  }
  o.identity = get("ssh_identity");
  o.config = get("ssh_config");
  o.user = get("ssh_user");
  o.extra = splitWords(get("ssh_options"));
  if (options.count("ssh_connect_timeout")) {
    const std::string v = get("ssh_connect_timeout");
    const auto seconds = parseWholeNumber(v, 1, 9999);
    if (!seconds) {
      throw ConfigError("ssh launcher: ssh_connect_timeout '" + v + "' is not a whole number of seconds from 1 to 9999");
    }
    o.connect_timeout_s = static_cast<int>(*seconds);
  }
  const std::string deploy = get("deploy");
  const auto yes = deploy.empty() ? std::optional<bool>(false) : parseYesNo(deploy);
  if (!yes) throw ConfigError("ssh launcher: deploy '" + deploy + "' is not a yes/no value; expected 1 or 0");
  o.deploy = *yes;
  if (options.count("local_binary")) o.local_binary = get("local_binary");
  return o;
}

std::string shellQuote(std::string_view s) {
  if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-") ==
                        std::string_view::npos) {
    return std::string(s);
  }
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

std::string remoteAgentCommand(const std::vector<std::string>& agent_argv) {
  std::string cmd = "exec sh -c " + shellQuote(kAgentScript) + " fabcheck-launch";
  for (const auto& a : agent_argv) cmd += " " + shellQuote(a);
  return cmd;
}

std::vector<std::string> sshArgv(const SshOptions& o, const std::string& host, const std::string& remote_command) {
  std::vector<std::string> argv{"ssh", "-T", "-o", "BatchMode=yes", "-o",
                                "ConnectTimeout=" + std::to_string(o.connect_timeout_s)};
  if (!o.port.empty()) argv.insert(argv.end(), {"-p", o.port});
  if (!o.identity.empty()) argv.insert(argv.end(), {"-i", o.identity});
  if (!o.config.empty()) argv.insert(argv.end(), {"-F", o.config});
  if (!o.user.empty()) argv.insert(argv.end(), {"-l", o.user});
  for (const auto& x : o.extra) argv.insert(argv.end(), {"-o", x});
  argv.insert(argv.end(), {host, "--", remote_command});
  return argv;
}

bool deployBinary(const SshOptions& o, const std::string& host, const std::string& remote_path, int64_t timeout_ns) {
  const std::string want = std::string("fabcheck ") + kVersion;
  if (remote_path.empty() || remote_path[0] != '/') {
    throw LaunchError("deploy to " + host + ": binary '" + remote_path + "' is not an absolute path; expected /path/to/fabcheck");
  }
  process::RunOutput r;
  if (remoteVersion(o, host, remote_path, timeout_ns, &r) == want) return false;
  if (r.exit.code == 255) throw LaunchError("ssh to " + host + ": " + sshFailure(r));

  if (::access(o.local_binary.c_str(), R_OK) != 0) {
    throw LaunchError("deploy to " + host + ": cannot read the local binary '" + o.local_binary + "' (" +
                      std::strerror(errno) + ")");
  }
  process::SpawnRequest copy;
  copy.argv = sshArgv(o, host, "sh -c " + shellQuote(kDeployScript) + " fabcheck-deploy " + shellQuote(remote_path));
  copy.stdin_mode = process::SpawnRequest::Stdin::kFile;
  copy.stdin_file = o.local_binary;
  const process::RunOutput c = process::runToCompletion(copy, timeout_ns);
  if (c.timed_out || c.exit.code != 0) {
    throw LaunchError("deploy to " + host + ": copying '" + o.local_binary + "' to '" + remote_path +
                      "' failed: " + sshFailure(c));
  }
  const std::string got = remoteVersion(o, host, remote_path, timeout_ns, &r);
  if (got != want) {
    throw LaunchError("deploy to " + host + ": '" + remote_path + "' reports '" + (got.empty() ? sshFailure(r) : got) +
                      "' after the copy; expected '" + want + "'");
  }
  return true;
}

SshLauncher::~SshLauncher() { stop(); }

void SshLauncher::launch(const LaunchSpec& spec) {
  checkSpec(spec, true);
  for (const auto& h : spec.hosts) {
    if (h.name.empty() || h.name[0] == '-') throw LaunchError("ssh launcher: host '" + h.name + "' is not a host name");
  }
  if (opts_.deploy) {
    std::set<std::string> done;
    for (const auto& h : spec.hosts) {
      if (done.insert(h.name).second) deployBinary(opts_, h.name, spec.binary, spec.start_timeout_ns);
    }
  }
  std::string env_lines;
  for (const auto& [k, v] : spec.env) env_lines += k + "=" + v + "\n";
  env_lines += "\n";

  children_ = std::make_unique<process::ChildSet>();
  int id = 0;
  try {
    for (const auto& host : spec.hosts) {
      for (int s = 0; s < host.slots; ++s, ++id) {
        process::SpawnRequest req;
        req.argv = sshArgv(opts_, host.name, remoteAgentCommand(agentArgv(spec, id)));
        req.stdin_mode = process::SpawnRequest::Stdin::kPipe;
        req.ready_line = kStartedLine;
        const size_t child = children_->spawn(req);
        agents_.push_back({id, host.name, child});
        if (!children_->sendStdin(child, env_lines)) {
          throw LaunchError("ssh to " + host.name + ": cannot pass the environment on ssh's stdin");
        }
      }
    }
    // Every ssh either reports the agent started or ends (failure), within the start timeout.
    const bool settled = children_->waitUntil(spec.start_timeout_ns, [&] {
      for (const auto& a : agents_) {
        if (!children_->ready(a.child) && !children_->poll(a.child)) return false;
      }
      return true;
    });
    for (const auto& a : agents_) {
      if (children_->ready(a.child)) continue;
      if (const auto e = children_->poll(a.child)) {
        const std::string last = children_->lastStderrLine(a.child);
        throw LaunchError("ssh to " + a.host + ": " + (last.empty() ? "ssh ended with " + process::describeExit(*e) : last) +
                          " (agent " + std::to_string(a.id) + ")");
      }
      if (!settled) {
        throw LaunchError("ssh to " + a.host + ": agent " + std::to_string(a.id) + " not started within " +
                          std::to_string(spec.start_timeout_ns / 1'000'000) + " ms");
      }
    }
  } catch (...) {
    stop(0);
    throw;
  }
}

void SshLauncher::stop(int64_t grace_ns) noexcept {
  if (!children_ || stopped_) return;
  stopped_ = true;
  if (grace_ns < 0) grace_ns = 0;
  const std::string line = "stop " + std::to_string((grace_ns + 999'999'999) / 1'000'000'000) + "\n";
  for (const auto& a : agents_) {
    children_->sendStdin(a.child, line);
    children_->closeStdin(a.child);
  }
  children_->stop(grace_ns + 2'000'000'000, 500'000'000);
}

}  // namespace fabcheck::launch
