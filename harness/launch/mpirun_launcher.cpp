#include "harness/launch/mpirun_launcher.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "generators/core/errors.h"
#include "harness/launch/launcher_options.h"
#include "harness/launch/ssh_launcher.h"

namespace fabcheck::launch {
namespace {

constexpr const char* kRankVar = "OMPI_COMM_WORLD_RANK";
constexpr const char* kStartedPrefix = "fabcheck-launch: agent ";
constexpr const char* kStartedSuffix = " started";
constexpr int64_t kMpirunKillWindowNs = 5'000'000'000;  // mpirun's own TERM → KILL sequence

// Runs under `sh -c` on each rank's host with the agent argv as "$@". See mpirun_launcher.h.
constexpr const char* kRankScript =
    "case $1 in */*) [ -x \"$1\" ] ;; *) command -v \"$1\" >/dev/null 2>&1 ;; esac || "
    "{ echo \"fabcheck-launch: $1 is not an executable on $(uname -n)\" >&2; exit 127; }; "
    "echo \"fabcheck-launch: agent ${OMPI_COMM_WORLD_RANK} started\"; "
    "exec \"$@\" >/dev/null";

const std::set<std::string> kMpirunOptionNames = {"mpirun", "mpirun_options", "mpirun_allow_root", "mpirun_oversubscribe"};

std::optional<bool> parseAuto(const std::map<std::string, std::string>& options, const std::string& key) {
  const std::string v = optionValue(options, key);
  if (v == "auto" || v.empty()) return std::nullopt;
  if (const auto yes = parseYesNo(v)) return yes;
  throw ConfigError("mpirun launcher: " + key + " '" + v + "' is not auto or a yes/no value; expected auto, 1 or 0");
}

bool namesThisHost(const std::string& name) {
  if (name == "localhost" || name == "127.0.0.1") return true;
  char buf[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return false;
  const std::string self(buf);
  return name == self || name == self.substr(0, self.find('.'));
}

// The agent command for every rank: the id comes from Open MPI's rank variable.
std::vector<std::string> rankAgentArgv(const LaunchSpec& spec) {
  std::vector<std::string> argv{spec.binary, "agent"};
  argv.insert(argv.end(), spec.agent_args.begin(), spec.agent_args.end());
  argv.insert(argv.end(), {"--agent-id-env", kRankVar});
  return argv;
}

// Ranks whose "started" line is in mpirun's stdout.
int countStarted(const std::string& out, int n) {
  std::vector<bool> seen(static_cast<size_t>(n), false);
  int count = 0;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    const size_t p = line.find(kStartedPrefix);
    if (p == std::string::npos) continue;
    const size_t b = p + std::string_view(kStartedPrefix).size();
    const size_t e = line.find(kStartedSuffix, b);
    if (e == std::string::npos || e == b || e - b > 9) continue;
    const std::string num = line.substr(b, e - b);
    if (num.find_first_not_of("0123456789") != std::string::npos) continue;
    const long r = std::strtol(num.c_str(), nullptr, 10);
    if (r < n && !seen[static_cast<size_t>(r)]) {
      seen[static_cast<size_t>(r)] = true;
      ++count;
    }
  }
  return count;
}

// mpirun's distinct, non-decorative stderr lines (at most 5, in order), joined with "; ".
std::string relevantLines(const std::string& tail) {
  std::vector<std::string> kept;
  std::istringstream in(tail);
  for (std::string line; std::getline(in, line);) {
    const size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line.find_first_not_of("-", b) == std::string::npos) continue;
    line = line.substr(b);
    bool dup = false;
    for (const auto& k : kept) dup = dup || k == line;
    if (!dup && kept.size() < 5) kept.push_back(line);
  }
  std::string s;
  for (const auto& k : kept) s += (s.empty() ? "" : "; ") + k;
  return s;
}

// "a:2,b:1", as --host takes it.
std::string hostList(const std::vector<HostEntry>& hosts) {
  std::string s;
  for (const auto& h : hosts) s += (s.empty() ? "" : ",") + h.name + ":" + std::to_string(h.slots);
  return s;
}

std::string commandLine(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + shellQuote(a);
  return s;
}

// What /proc/<pid>/stat says of a process.
struct ProcStat {
  pid_t ppid = 0;
  pid_t pgid = 0;
  unsigned long long start = 0;
  char state = '?';
};

std::optional<ProcStat> readStat(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  if (!std::getline(f, s)) return std::nullopt;
  const size_t rp = s.rfind(')');
  if (rp == std::string::npos || rp + 2 > s.size()) return std::nullopt;
  std::istringstream in(s.substr(rp + 2));  // fields from 3 (state) on
  ProcStat p;
  std::string skip;
  in >> p.state >> p.ppid >> p.pgid;
  for (int field = 6; field < 22 && in; ++field) in >> skip;
  in >> p.start;
  if (!in) return std::nullopt;
  return p;
}

}  // namespace

MpirunOptions parseMpirunOptions(const std::map<std::string, std::string>& options) {
  checkOptionNames("mpirun", options, kMpirunOptionNames);
  MpirunOptions o;
  if (const auto it = options.find("mpirun"); it != options.end()) {
    if (it->second.empty()) throw ConfigError("mpirun launcher: option mpirun is empty; expected a path or command name");
    o.mpirun = it->second;
  }
  o.extra = splitWords(optionValue(options, "mpirun_options"));
  o.allow_root = parseAuto(options, "mpirun_allow_root");
  o.oversubscribe = parseAuto(options, "mpirun_oversubscribe");
  return o;
}

std::vector<HostEntry> mpirunHosts(const std::vector<HostEntry>& hosts) {
  std::vector<HostEntry> merged;
  for (const auto& h : hosts) {
    if (h.name.empty() || h.name[0] == '-' || h.name.find_first_of(",: \t\r\n") != std::string::npos) {
      throw LaunchError("mpirun launcher: host '" + h.name +
                        "' cannot be passed to mpirun --host; expected a host name without ',', ':' or spaces");
    }
    if (h.slots <= 0) continue;
    bool found = false;
    for (auto& m : merged) {
      if (m.name == h.name) {
        m.slots += h.slots;
        found = true;
      }
    }
    if (!found) merged.push_back(HostEntry{h.name, h.slots, {}});
  }
  return merged;
}

std::vector<std::string> mpirunArgv(const MpirunOptions& o, const LaunchSpec& spec, bool as_root, long local_cpus) {
  const std::vector<HostEntry> hosts = mpirunHosts(spec.hosts);
  int total = 0, local = 0;
  for (const auto& h : hosts) {
    total += h.slots;
    if (namesThisHost(h.name)) local += h.slots;
  }
  std::vector<std::string> argv{o.mpirun, "-q"};
  if (o.allow_root.value_or(as_root)) argv.push_back("--allow-run-as-root");
  if (o.oversubscribe.value_or(local_cpus > 0 && local > local_cpus)) argv.push_back("--oversubscribe");
  argv.insert(argv.end(), {"--bind-to", "none", "--map-by", "slot"});
  argv.insert(argv.end(), o.extra.begin(), o.extra.end());
  argv.insert(argv.end(), {"-np", std::to_string(total), "--host", hostList(hosts)});
  for (const auto& [name, value] : spec.env) argv.insert(argv.end(), {"-x", name});  // by name only
  argv.insert(argv.end(), {"sh", "-c", kRankScript, "fabcheck-launch"});
  const auto agent = rankAgentArgv(spec);
  argv.insert(argv.end(), agent.begin(), agent.end());
  return argv;
}

MpirunLauncher::~MpirunLauncher() { stop(); }

void MpirunLauncher::recordLocalProcs() {
  if (!children_ || children_->size() == 0 || children_->poll(0)) return;  // reaped: its children are gone or not its
  const pid_t parent = children_->pid(0);
  DIR* d = ::opendir("/proc");
  if (!d) return;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
    const auto st = readStat(pid);
    if (!st || st->ppid != parent || st->state == 'Z') continue;
    bool known = false;
    for (const auto& q : local_procs_) known = known || (q.pid == pid && q.start == st->start);
    if (!known) local_procs_.push_back(LocalProc{pid, st->pgid, st->start});
  }
  ::closedir(d);
}

void MpirunLauncher::launch(const LaunchSpec& spec) {
  checkSpec(spec, false);
  const std::vector<HostEntry> hosts = mpirunHosts(spec.hosts);
  const std::vector<std::string> argv = mpirunArgv(opts_, spec, ::geteuid() == 0, ::sysconf(_SC_NPROCESSORS_ONLN));
  children_ = std::make_unique<process::ChildSet>();
  process::SpawnRequest req;
  req.argv = argv;
  req.env = spec.env;
  req.capture_stdout = true;
  size_t child = 0;
  try {
    child = children_->spawn(req);
  } catch (const LaunchError& e) {
    throw LaunchError(std::string("mpirun launcher: ") + e.what() + " (set the launcher option mpirun to its path)");
  }
  int id = 0;
  for (const auto& h : hosts) {
    for (int s = 0; s < h.slots; ++s) agents_.push_back({id++, h.name, child});
  }
  const int n = id;

  // Every rank prints its started line, or mpirun ends, within the start timeout.
  children_->waitUntil(spec.start_timeout_ns, [&] {
    return countStarted(children_->stdoutText(child), n) == n || children_->poll(child).has_value();
  });
  const int started = countStarted(children_->stdoutText(child), n);  // complete once poll() saw the exit
  if (started == n) {
    recordLocalProcs();
    return;
  }
  const auto exit = children_->poll(child);
  const std::string lines = relevantLines(children_->stderrTail(child));
  const std::string count = " (" + std::to_string(started) + " of " + std::to_string(n) + " agents started)";
  stop(0);
  if (exit) {
    throw LaunchError("mpirun launcher: mpirun ended with " + process::describeExit(*exit) + " before every agent started" + count +
                      ": " +
                      (lines.empty() ? "it printed nothing; rerun it by hand without -q to see Open MPI's explanation: " +
                                           commandLine(argv)
                                     : lines));
  }
  throw LaunchError("mpirun launcher: agents not started within " + std::to_string(spec.start_timeout_ns / 1'000'000) +
                    " ms on hosts " + hostList(hosts) + count +
                    (lines.empty() ? "" : "; mpirun said: " + lines));
}

void MpirunLauncher::stop(int64_t grace_ns) noexcept {
  if (!children_ || stopped_ || children_->size() == 0) return;
  stopped_ = true;
  if (grace_ns < 0) grace_ns = 0;
  auto running = [](const LocalProc& p) {
    const auto now = readStat(p.pid);
    return now && now->start == p.start && now->state != 'Z';
  };
  try {
    if (!children_->poll(0)) {
      recordLocalProcs();
      ::kill(children_->pid(0), SIGTERM);  // not yet reaped: still our child, so the PID is still mpirun's
      children_->waitUntil(grace_ns + kMpirunKillWindowNs, [&] {
        if (children_->poll(0)) return true;
        recordLocalProcs();
        return false;
      });
    }
    children_->stop(0, 0);  // mpirun's group: SIGTERM, SIGKILL, reaped (bounded)
    bool left = false;
    for (const auto& p : local_procs_) {
      if (!running(p)) continue;
      left = true;
      ::kill(p.pgid == p.pid ? -p.pid : p.pid, SIGKILL);  // its own group: take its children too
    }
    if (left) {
      children_->waitUntil(1'000'000'000, [&] {
        return std::none_of(local_procs_.begin(), local_procs_.end(), running);
      });
    }
  } catch (...) {
    children_->stop(0, 0);
  }
}

}  // namespace fabcheck::launch
