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

const std::set<std::string> kSshOptionNames = {"ssh_port",  "ssh_identity", "ssh_config",    "ssh_user",
                                               "ssh_options", "ssh_connect_timeout", "fanout", "ssh_multiplex",
                                               "deploy",    "local_binary"};

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
                          const std::string& control_path, process::RunOutput* raw) {
  process::SpawnRequest req;
  req.argv = sshArgv(o, host, shellQuote(path) + " version", control_path);
  *raw = process::runToCompletion(req, timeout_ns);
  if (raw->timed_out || raw->exit.code != 0) return {};
  const std::string out = raw->out.substr(0, raw->out.find('\n'));
  return trim(out);
}

// A whole-number option of the ssh launcher, or `fallback` when absent.
int wholeOption(const std::map<std::string, std::string>& options, const char* key, long min, long max, int fallback,
                const char* what) {
  if (!options.count(key)) return fallback;
  const std::string v = optionValue(options, key);
  const auto n = parseWholeNumber(v, min, max);
  if (!n) {
    throw ConfigError(std::string("ssh launcher: ") + key + " '" + v + "' is not " + what + " from " +
                      std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<int>(*n);
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
  o.connect_timeout_s = wholeOption(options, "ssh_connect_timeout", 1, 9999, 10, "a whole number of seconds");
  o.fanout = wholeOption(options, "fanout", 1, 4096, 32, "a number of ssh processes");
  o.multiplex = wholeOption(options, "ssh_multiplex", 0, 1000, 10, "a number of sessions per connection");
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

std::vector<std::string> sshArgv(const SshOptions& o, const std::string& host, const std::string& remote_command,
                                 const std::string& control_path) {
  std::vector<std::string> argv{"ssh", "-T", "-o", "BatchMode=yes", "-o",
                                "ConnectTimeout=" + std::to_string(o.connect_timeout_s)};
  if (!o.port.empty()) argv.insert(argv.end(), {"-p", o.port});
  if (!o.identity.empty()) argv.insert(argv.end(), {"-i", o.identity});
  if (!o.config.empty()) argv.insert(argv.end(), {"-F", o.config});
  if (!o.user.empty()) argv.insert(argv.end(), {"-l", o.user});
  for (const auto& x : o.extra) argv.insert(argv.end(), {"-o", x});
  if (!control_path.empty()) {
    const auto c = controlOptions(control_path);
    argv.insert(argv.end(), c.begin(), c.end());
  }
  argv.insert(argv.end(), {host, "--", remote_command});
  return argv;
}

bool deployBinary(const SshOptions& o, const std::string& host, const std::string& remote_path, int64_t timeout_ns,
                  const std::string& control_path) {
  const std::string want = std::string("fabcheck ") + kVersion;
  if (remote_path.empty() || remote_path[0] != '/') {
    throw LaunchError("deploy to " + host + ": binary '" + remote_path + "' is not an absolute path; expected /path/to/fabcheck");
  }
  process::RunOutput r;
  if (remoteVersion(o, host, remote_path, timeout_ns, control_path, &r) == want) return false;
  if (r.exit.code == 255) throw LaunchError("ssh to " + host + ": " + sshFailure(r));

  if (::access(o.local_binary.c_str(), R_OK) != 0) {
    throw LaunchError("deploy to " + host + ": cannot read the local binary '" + o.local_binary + "' (" +
                      std::strerror(errno) + ")");
  }
  process::SpawnRequest copy;
  copy.argv = sshArgv(o, host, "sh -c " + shellQuote(kDeployScript) + " fabcheck-deploy " + shellQuote(remote_path),
                      control_path);
  copy.stdin_mode = process::SpawnRequest::Stdin::kFile;
  copy.stdin_file = o.local_binary;
  const process::RunOutput c = process::runToCompletion(copy, timeout_ns);
  if (c.timed_out || c.exit.code != 0) {
    throw LaunchError("deploy to " + host + ": copying '" + o.local_binary + "' to '" + remote_path +
                      "' failed: " + sshFailure(c));
  }
  const std::string got = remoteVersion(o, host, remote_path, timeout_ns, control_path, &r);
  if (got != want) {
    throw LaunchError("deploy to " + host + ": '" + remote_path + "' reports '" + (got.empty() ? sshFailure(r) : got) +
                      "' after the copy; expected '" + want + "'");
  }
  return true;
}

SshLauncher::~SshLauncher() { stop(); }

std::vector<SshLauncher::Slot> SshLauncher::planSlots(const LaunchSpec& spec) {
  std::vector<Slot> slots;
  size_t connection = 0;
  for (const auto& host : spec.hosts) {
    if (host.name.empty() || host.name[0] == '-') throw LaunchError("ssh launcher: host '" + host.name + "' is not a host name");
    int opener = -1;
    for (int s = 0; s < host.slots; ++s) {
      Slot slot{static_cast<int>(slots.size()), host.name, -1, -1};
      if (opts_.multiplex > 0) {
        if (s % opts_.multiplex == 0) {
          masters_[connection] = host.name;
          opener = slot.id;
          ++connection;
        } else {
          slot.after = opener;
        }
        slot.connection = static_cast<int>(connection - 1);
      }
      slots.push_back(slot);
    }
  }
  return slots;
}

void SshLauncher::deploy(const LaunchSpec& spec, const std::vector<Slot>& slots) {
  std::set<std::string> done;
  for (const auto& s : slots) {
    if (!done.insert(s.host).second) continue;
    const std::string path = s.connection >= 0 ? control_.path(static_cast<size_t>(s.connection)) : "";
    deployBinary(opts_, s.host, spec.binary, spec.start_timeout_ns, path);
  }
}

void SshLauncher::settle(const std::vector<Slot>& slots, const std::vector<WindowOutcome>& outcomes, bool keep_going) {
  for (size_t i = 0; i < slots.size(); ++i) {
    const WindowOutcome& o = outcomes[i];
    if (o.failure.empty()) continue;
    if (!keep_going) throw LaunchError("ssh to " + slots[i].host + ": " + o.failure + " (agent " + std::to_string(slots[i].id) + ")");
    AgentExit x{slots[i].id, slots[i].host, 255, 0, "ssh to " + slots[i].host + ": " + o.failure};
    if (o.spawned) {
      if (const auto e = children_->poll(o.child); e && e->signal == 0) x.exit_code = e->code;
    }
    launch_failed_.push_back(std::move(x));
  }
}

void SshLauncher::launch(const LaunchSpec& spec) {
  checkSpec(spec, true);
  children_ = std::make_unique<process::ChildSet>();
  try {
    const std::vector<Slot> slots = planSlots(spec);
    if (opts_.multiplex > 0) control_ = SshControl::create();
    if (opts_.deploy) deploy(spec, slots);
    std::string env_lines;
    for (const auto& [k, v] : spec.env) env_lines += k + "=" + v + "\n";
    env_lines += "\n";
    std::vector<WindowItem> items;
    for (const auto& s : slots) items.push_back({s.after});
    const auto outcomes = runLaunchWindow(*children_, items, opts_.fanout, spec.start_timeout_ns, [&](size_t i) {
      const Slot& s = slots[i];
      process::SpawnRequest req;
      const std::string path = s.connection >= 0 ? control_.path(static_cast<size_t>(s.connection)) : "";
      req.argv = sshArgv(opts_, s.host, remoteAgentCommand(agentArgv(spec, s.id)), path);
      req.stdin_mode = process::SpawnRequest::Stdin::kPipe;
      req.ready_line = kStartedLine;
      const size_t child = children_->spawn(req);
      if (!children_->sendStdin(child, env_lines)) {
        children_->kill(child);
        throw LaunchError("cannot pass the environment on ssh's stdin");
      }
      return child;
    }, spec.while_waiting);
    for (size_t i = 0; i < slots.size(); ++i) {
      if (outcomes[i].spawned) agents_.push_back({slots[i].id, slots[i].host, outcomes[i].child});
    }
    settle(slots, outcomes, spec.keep_going);
  } catch (...) {
    stop(0);
    throw;
  }
}

std::vector<AgentExit> SshLauncher::exited() {
  std::vector<AgentExit> out;
  std::set<int> failed;
  for (const auto& x : launch_failed_) failed.insert(x.agent_id);
  for (auto& x : ChildProcessLauncher::exited()) {
    if (!failed.count(x.agent_id)) out.push_back(std::move(x));
  }
  out.insert(out.end(), launch_failed_.begin(), launch_failed_.end());
  return out;
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
  control_.close(opts_, masters_);
}

}  // namespace fabcheck::launch
