#include "harness/launch/slurm_launcher.h"

#include <signal.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>

#include "generators/core/errors.h"
#include "harness/launch/launcher_options.h"

namespace fabcheck::launch {
namespace {

const std::set<std::string> kSlurmOptionNames = {"slurm_mode", "slurm_per", "srun_options", "slurm_partition",
                                            "slurm_time_limit"};
// srun options the launch depends on: the user may not override them through srun_options.
const std::vector<std::string> kReservedLong = {"--export", "--label", "--nodelist", "--nodes", "--ntasks",
                                                "--ntasks-per-node", "--distribution", "--verbose", "--quiet"};
const std::string kReservedShort = "lwNnmvQ";

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool startsWith(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// "  12: text" (srun --label) → 12 and "text".
bool labeled(const std::string& line, int* id, std::string* text) {
  size_t i = line.find_first_not_of(' ');
  if (i == std::string::npos) return false;
  const size_t digits = line.find_first_not_of("0123456789", i);
  if (digits == i || digits == std::string::npos || digits - i > 9 || line.compare(digits, 2, ": ") != 0) return false;
  *id = std::stoi(line.substr(i, digits - i));
  *text = line.substr(digits + 2);
  return true;
}

bool validTimeLimit(const std::string& t) {
  if (t == "UNLIMITED" || t == "INFINITE" || t == "unlimited" || t == "infinite") return true;
  // [days-]a[:b[:c]] with digits, as Slurm's --time takes.
  size_t i = 0;
  auto digits = [&] {
    const size_t s = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > s && i - s <= 6;
  };
  if (!digits()) return false;
  if (i < t.size() && t[i] == '-') {
    ++i;
    if (!digits()) return false;
  }
  for (int colons = 0; i < t.size(); ++colons) {
    if (t[i] != ':' || colons == 2) return false;
    ++i;
    if (!digits()) return false;
  }
  return true;
}

bool validNodeName(const std::string& n) {
  if (n.empty() || n[0] == '-') return false;
  return n.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == std::string::npos;
}

std::vector<int> parseTaskList(const std::string& s) {
  std::vector<int> out;
  std::istringstream in(s);
  for (std::string part; std::getline(in, part, ',');) {
    const size_t dash = part.find('-');
    const std::string lo = part.substr(0, dash);
    const std::string hi = dash == std::string::npos ? lo : part.substr(dash + 1);
    for (const auto& x : {lo, hi}) {
      if (x.empty() || x.size() > 7 || x.find_first_not_of("0123456789") != std::string::npos) return {};
    }
    const int a = std::stoi(lo), b = std::stoi(hi);
    if (b < a || b - a > 1'000'000) return {};
    for (int t = a; t <= b; ++t) out.push_back(t);
  }
  return out;
}

std::optional<process::ProcessExit> parseTaskStatus(std::string status) {
  if (status == "Completed") return process::ProcessExit{0, 0};
  constexpr std::string_view kExited = "Exited with exit code ";
  if (startsWith(status, kExited)) {
    const std::string n = status.substr(kExited.size());
    if (n.empty() || n.size() > 3 || n.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return process::ProcessExit{std::stoi(n), 0};
  }
  if (status == "Out Of Memory") return process::ProcessExit{-1, SIGKILL};
  constexpr std::string_view kCore = " (core dumped)";
  if (status.size() > kCore.size() && status.compare(status.size() - kCore.size(), kCore.size(), kCore) == 0) {
    status.resize(status.size() - kCore.size());
  }
  for (int sig = 1; sig < 65; ++sig) {
    const char* name = ::strsignal(sig);
    if (name && status == name) return process::ProcessExit{-1, sig};
  }
  return std::nullopt;
}

// "J.S" after "StepId=" in `line`, or "".
std::string stepIdIn(const std::string& line) {
  const size_t at = line.find("StepId=");
  if (at == std::string::npos) return {};
  const size_t b = at + 7;
  const size_t e = line.find_first_not_of("0123456789.", b);
  const std::string id = line.substr(b, e == std::string::npos ? std::string::npos : e - b);
  const size_t dot = id.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == id.size() || id.find('.', dot + 1) != std::string::npos) return {};
  return id;
}

bool scancel(const std::string& signal, const std::string& step) {
  try {
    process::SpawnRequest r;
    r.argv = {"scancel", "--signal=" + signal, step};
    const process::RunOutput out = process::runToCompletion(r, 5'000'000'000);
    return !out.timed_out && out.exit.code == 0;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

SlurmOptions parseSlurmOptions(const std::map<std::string, std::string>& options) {
  checkOptionNames("slurm", options, kSlurmOptionNames);
  auto get = [&](const char* k) { return optionValue(options, k); };
  SlurmOptions o;
  const std::string mode = get("slurm_mode");
  if (mode == "allocate") {
    o.mode = SlurmOptions::Mode::kAllocate;
  } else if (!mode.empty() && mode != "srun") {
    throw ConfigError("slurm launcher: slurm_mode '" + mode + "' is unknown; expected srun (inside an allocation) or allocate");
  }
  const std::string per = get("slurm_per");
  if (per == "task") {
    o.per = SlurmOptions::Per::kTask;
  } else if (!per.empty() && per != "node") {
    throw ConfigError("slurm launcher: slurm_per '" + per + "' is unknown; expected node (one agent per node) or task (one per slot)");
  }
  for (const std::string& w : splitWords(get("srun_options"))) {
    for (const auto& r : kReservedLong) {
      if (w == r || startsWith(w, r + "=")) {
        throw ConfigError("slurm launcher: srun_options word '" + w + "' is set by the launcher itself; expected other srun options");
      }
    }
    if (w.size() >= 2 && w[0] == '-' && w[1] != '-' && kReservedShort.find(w[1]) != std::string::npos) {
      throw ConfigError("slurm launcher: srun_options word '" + w + "' is set by the launcher itself; expected other srun options");
    }
    o.srun_extra.push_back(w);
  }
  o.partition = get("slurm_partition");
  if (options.count("slurm_partition") &&
      (o.partition.empty() || o.partition[0] == '-' ||
       o.partition.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._,-") != std::string::npos)) {
    throw ConfigError("slurm launcher: slurm_partition '" + o.partition + "' is not a partition name (letters, digits, '.', '_', '-'; ',' between several)");
  }
  o.time_limit = get("slurm_time_limit");
  if (options.count("slurm_time_limit") && !validTimeLimit(o.time_limit)) {
    throw ConfigError("slurm launcher: slurm_time_limit '" + o.time_limit +
                      "' is not a Slurm time; expected minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]] or UNLIMITED");
  }
  if (o.mode == SlurmOptions::Mode::kSrun) {
    for (const char* k : {"slurm_partition", "slurm_time_limit"}) {
      if (options.count(k)) {
        throw ConfigError(std::string("slurm launcher: ") + k + " applies only with slurm_mode=allocate (slurm_mode=srun runs in the existing allocation)");
      }
    }
  }
  return o;
}

std::vector<std::string> agentArgvIdFromEnv(const LaunchSpec& spec, const std::string& var) {
  std::vector<std::string> argv{spec.binary, "agent"};
  argv.insert(argv.end(), spec.agent_args.begin(), spec.agent_args.end());
  argv.push_back("--agent-id-env");
  argv.push_back(var);
  return argv;
}

std::vector<std::string> srunArgv(const SlurmOptions& o, const LaunchSpec& spec) {
  size_t any = 0;
  for (const auto& h : spec.hosts) {
    if (h.name == kSlurmAnyNode) {
      ++any;
      continue;
    }
    if (!validNodeName(h.name)) {
      throw LaunchError("slurm launcher: host '" + h.name + "' is not a Slurm node name; expected letters, digits, '.', '_', '-'");
    }
    if (o.per == SlurmOptions::Per::kNode && h.slots != 1) {
      throw LaunchError("slurm launcher: slurm_per=node runs one agent per node, but host '" + h.name + "' has slots=" +
                        std::to_string(h.slots) + "; expected slots=1, or set slurm_per=task");
    }
  }
  if (any != 0 && any != spec.hosts.size()) {
    throw LaunchError(std::string("slurm launcher: hosts mix '") + kSlurmAnyNode +
                      "' (any node) with named hosts; expected all named or all '" + kSlurmAnyNode + "'");
  }
  const std::string total = std::to_string(totalSlots(spec.hosts));
  std::vector<std::string> argv{"srun",  "--kill-on-bad-exit=0", "--export=ALL", "--label", "--verbose",
                                "--mpi=none", "--job-name=fabcheck-agents"};
  if (any != 0) {
    if (o.per == SlurmOptions::Per::kNode) argv.push_back("--nodes=" + total);
    argv.push_back("--ntasks=" + total);
    if (o.per == SlurmOptions::Per::kNode) argv.push_back("--ntasks-per-node=1");
  } else {
    std::set<std::string> distinct;
    std::string nodelist;
    for (const auto& h : spec.hosts) {
      distinct.insert(h.name);
      for (int s = 0; s < h.slots; ++s) nodelist += (nodelist.empty() ? "" : ",") + h.name;
    }
    argv.push_back("--nodes=" + std::to_string(distinct.size()));
    argv.push_back("--ntasks=" + total);
    if (o.per == SlurmOptions::Per::kNode) argv.push_back("--ntasks-per-node=1");
    argv.push_back("--nodelist=" + nodelist);
    argv.push_back("--distribution=arbitrary");
  }
  if (!o.partition.empty()) argv.push_back("--partition=" + o.partition);
  if (!o.time_limit.empty()) argv.push_back("--time=" + o.time_limit);
  argv.insert(argv.end(), o.srun_extra.begin(), o.srun_extra.end());
  const auto agent = agentArgvIdFromEnv(spec, "SLURM_PROCID");
  argv.insert(argv.end(), agent.begin(), agent.end());
  return argv;
}

std::vector<HostEntry> slurmHostsFromEnvironment(const std::map<std::string, std::string>& launcher_options) {
  const SlurmOptions o = parseSlurmOptions(launcher_options);
  std::string var = "SLURM_JOB_NODELIST";
  const char* v = std::getenv(var.c_str());
  if (v == nullptr || *v == '\0') {
    var = "SLURM_NODELIST";
    v = std::getenv(var.c_str());
  }
  if (v == nullptr || *v == '\0') return {};
  std::vector<HostEntry> hosts = hostsFromSlurmNodelist(v, "environment variable " + var);
  if (o.per == SlurmOptions::Per::kTask) {
    const char* t = std::getenv("SLURM_TASKS_PER_NODE");
    if (t == nullptr || *t == '\0') {
      throw ConfigError("slurm launcher: slurm_per=task takes each node's slots from SLURM_TASKS_PER_NODE, which is not set; expected it beside " + var);
    }
    const std::vector<int> counts = slurmCountsPerNode(t, "environment variable SLURM_TASKS_PER_NODE");
    if (counts.size() != hosts.size()) {
      throw ConfigError("slurm launcher: SLURM_TASKS_PER_NODE '" + std::string(t) + "' gives " + std::to_string(counts.size()) +
                        " counts for the " + std::to_string(hosts.size()) + " nodes of " + var + "; expected one per node");
    }
    for (size_t i = 0; i < hosts.size(); ++i) hosts[i].slots = counts[i];
  }
  return hosts;
}

std::optional<SrunTaskEnd> parseSrunTaskEnd(const std::string& line) {
  if (!startsWith(line, "srun: ")) return std::nullopt;
  size_t k = line.find(": task ");
  size_t skip = 7;
  if (k == std::string::npos) {
    k = line.find(": tasks ");
    skip = 8;
  }
  if (k == std::string::npos || k < 6) return std::nullopt;
  const size_t hs = line.rfind(": ", k - 1);
  if (hs == std::string::npos) return std::nullopt;
  SrunTaskEnd t;
  t.hosts = line.substr(hs + 2, k - hs - 2);
  const std::string rest = line.substr(k + skip);
  const size_t colon = rest.find(": ");
  if (t.hosts.empty() || colon == std::string::npos) return std::nullopt;
  t.tasks = parseTaskList(rest.substr(0, colon));
  const auto exit = parseTaskStatus(rest.substr(colon + 2));
  if (t.tasks.empty() || !exit) return std::nullopt;
  t.exit = *exit;
  return t;
}

std::string agentLines(const std::string& tail, int id) {
  std::string out;
  auto add = [&](const std::string& l) { out += (out.empty() ? "" : "\n") + l; };
  for (const auto& line : lines(tail)) {
    int label = -1;
    std::string text;
    if (labeled(line, &label, &text)) {
      if (label == id) add(text);
      continue;
    }
    if (startsWith(line, "srun: ")) {
      if (const auto t = parseSrunTaskEnd(line)) {
        for (int x : t->tasks) {
          if (x == id) {
            add(line);
            break;
          }
        }
      } else if (line.find("error:") != std::string::npos || line.find("fatal:") != std::string::npos) {
        add(line);
      }
      continue;
    }
    add(line);
  }
  return out;
}

SlurmLauncher::~SlurmLauncher() { stop(); }

bool SlurmLauncher::scanForStep() {
  if (!children_ || children_->size() == 0) return false;
  for (const auto& line : lines(children_->stderrTail(0))) {
    if (step_.empty()) step_ = stepIdIn(line);
    int id = 0;
    std::string text;
    if (startsWith(line, "srun: launching StepId=") || line.find("_task_start: ") != std::string::npos ||
        line.find("_task_finish: ") != std::string::npos || labeled(line, &id, &text) || parseSrunTaskEnd(line)) {
      launched_ = true;
    }
  }
  return launched_;
}

std::string SlurmLauncher::srunError() const {
  const auto all = lines(children_->stderrTail(0));
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (it->find("error:") != std::string::npos || it->find("fatal:") != std::string::npos) return *it;
  }
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (!it->empty() && !startsWith(*it, "Try ")) return *it;
  }
  return {};
}

void SlurmLauncher::launch(const LaunchSpec& spec) {
  checkSpec(spec, false);
  const char* job = std::getenv("SLURM_JOB_ID");
  const bool in_job = job != nullptr && *job != '\0';
  if (opts_.mode == SlurmOptions::Mode::kSrun && !in_job) {
    throw LaunchError(
        "slurm launcher: slurm_mode=srun starts the agents inside this process's Slurm allocation, but SLURM_JOB_ID is "
        "not set; run inside salloc/sbatch, or set slurm_mode=allocate to let srun allocate the nodes");
  }
  if (opts_.mode == SlurmOptions::Mode::kAllocate && in_job) {
    throw LaunchError(std::string("slurm launcher: slurm_mode=allocate, but this process runs inside Slurm job ") + job +
                      " (SLURM_JOB_ID), where srun would only make a step; expected slurm_mode=srun here");
  }
  process::SpawnRequest req;
  req.argv = srunArgv(opts_, spec);
  req.env = spec.env;
  children_ = std::make_unique<process::ChildSet>();
  size_t child = 0;
  try {
    child = children_->spawn(req);
  } catch (const LaunchError& e) {
    throw LaunchError(std::string("slurm launcher: ") + e.what() + "; expected Slurm's srun on PATH (Debian: slurm-client)");
  }
  int id = 0;
  for (const auto& host : spec.hosts) {
    for (int s = 0; s < host.slots; ++s, ++id) {
      agents_.push_back({id, host.name == kSlurmAnyNode ? std::string("a node Slurm chose") : host.name, child});
    }
  }
  try {
    children_->waitUntil(spec.start_timeout_ns, [&] { return scanForStep() || children_->poll(child).has_value(); });
    if (scanForStep()) return;
    if (const auto e = children_->poll(child)) {
      const std::string why = srunError();
      throw LaunchError("slurm launcher: srun failed: " + (why.empty() ? "srun ended with " + process::describeExit(*e) : why));
    }
    const std::string last = children_->lastStderrLine(child);
    throw LaunchError("slurm launcher: srun did not launch the agents within " +
                      std::to_string(spec.start_timeout_ns / 1'000'000) + " ms (srun's last line: '" + last +
                      "'); expected the job step to start: check squeue, or allow a longer start");
  } catch (...) {
    stop(0);
    throw;
  }
}

std::vector<AgentExit> SlurmLauncher::exited() {
  std::vector<AgentExit> out;
  if (!children_ || agents_.empty()) return out;
  const size_t child = agents_.front().child;
  const auto srun_exit = children_->poll(child);  // first: after an exit, the tail is complete
  const std::string tail = children_->stderrTail(child);
  for (const auto& line : lines(tail)) {
    const auto t = parseSrunTaskEnd(line);
    if (!t) continue;
    const bool one_host = t->hosts.find_first_of("[,") == std::string::npos;
    for (int task : t->tasks) {
      if (task < 0 || static_cast<size_t>(task) >= agents_.size() || ended_.count(task)) continue;
      ended_[task] = AgentExit{task, one_host ? t->hosts : agents_[static_cast<size_t>(task)].host, t->exit.code,
                               t->exit.signal, ""};
    }
  }
  if (srun_exit) {
    process::ProcessExit e = *srun_exit;
    if (e.code > 128 && e.code <= 128 + 64) e = process::ProcessExit{-1, e.code - 128};  // srun's 128+N: tasks got signal N
    for (const auto& a : agents_) {
      if (!ended_.count(a.id)) ended_[a.id] = AgentExit{a.id, a.host, e.code, e.signal, ""};
    }
  }
  for (auto& [id, x] : ended_) {
    const std::string own = agentLines(tail, id);
    if (!own.empty()) x.stderr_tail = own;
    out.push_back(x);
  }
  return out;
}

void SlurmLauncher::stop(int64_t grace_ns) noexcept {
  if (!children_ || stopped_) return;
  stopped_ = true;
  if (grace_ns < 0) grace_ns = 0;
  try {
    if (children_->size() > 0) {
      const size_t c = 0;
      auto ended = [&] { return children_->poll(c).has_value(); };
      if (!ended()) {
        scanForStep();
        if (!step_.empty()) scancel("TERM", step_);  // srun itself would SIGKILL the tasks
        children_->waitUntil(grace_ns, ended);
      }
      if (!ended()) {
        ::kill(children_->pid(c), SIGTERM);  // srun kills the tasks, waits for the step, exits
        children_->waitUntil(kSrunTermWaitNs, ended);
      }
      if (!ended() && !step_.empty()) scancel("KILL", step_);
    }
  } catch (...) {
  }
  children_->stop(0, 0);
}

}  // namespace fabcheck::launch
