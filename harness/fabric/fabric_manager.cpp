#include "harness/fabric/fabric_manager.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>

#include "harness/counters/ecn_mark_counter_source.h"
#include "harness/counters/qdisc_counter_source.h"
#include "harness/fabric/fabric_calibration.h"

namespace fabcheck::fabric {
namespace {

using process::CommandResult;
using process::commandText;

constexpr const char* kInstallHint = " (scripts/install-deps.sh installs iproute2, procps and ethtool)";

bool isGone(const CommandResult& r) {
  return r.err.find("Cannot find device") != std::string::npos || r.err.find("No such file or directory") != std::string::npos;
}

FabricSpec withoutNet(FabricSpec s) {
  s.net = 0;
  return s;
}

// a.b.c.d[/len] → (address, len); false when it is not IPv4.
bool parsePrefix(const std::string& text, uint32_t& addr, int& len) {
  unsigned a, b, c, d;
  int l = 32;
  char slash = 0;
  const int n = std::sscanf(text.c_str(), "%u.%u.%u.%u%c%d", &a, &b, &c, &d, &slash, &l);
  if (n < 4 || a > 255 || b > 255 || c > 255 || d > 255 || (n >= 5 && (slash != '/' || n != 6 || l < 0 || l > 32))) return false;
  addr = (a << 24) | (b << 16) | (c << 8) | d;
  len = l;
  return true;
}

// The marks of the fabric's ECN ports (counters::EcnMarkCounterSource) into their counters.
void addEcnCounts(FabricStatus& s) {
  bool marks = false;
  for (const auto& p : s.ports) marks = marks || p.port.shaping.marksEcn();
  if (!marks) return;
  counters::EcnMarkCounterSource source({.pin_dir = ecnPinDir(s.layout.spec.name)});
  try {
    for (const auto& c : source.snapshot().samples) {
      for (auto& p : s.ports) {
        if (c.labels.at("netns") != p.port.ns || c.labels.at("dev") != p.port.dev) continue;
        if (c.name == "ecn_marked") p.counters.ecn_marked = c.value;
        if (c.name == "ecn_ect_packets") p.counters.ecn_ect_packets = c.value;
      }
    }
  } catch (const std::exception& e) {
    s.counters_error += std::string(s.counters_error.empty() ? "" : "; ") + e.what();
  }
  if (!source.unavailable_reason().empty()) {
    s.counters_error += std::string(s.counters_error.empty() ? "" : "; ") + "ECN marks: " + source.unavailable_reason();
  }
}

}  // namespace

FabricLayout layoutOfState(const FabricState& st, const std::string& where) {
  FabricSpec spec = parseFabricSpec(st.spec, where);
  if (spec.rate_auto && st.auto_rate_bps) spec.port.rate_bps = st.auto_rate_bps;
  return makeLayout(spec, st.net);
}

std::string calibrationWarning(const FabricLayout& layout, const FabricState& st) {
  if (st.calibrated_port_bps <= 0) return "";
  uint64_t top = 0;
  std::string port;
  for (const auto& p : layout.ports) {
    if (p.shaping.rate_bps > top) top = p.shaping.rate_bps, port = p.ns + ":" + p.dev;
  }
  if (static_cast<double>(top) <= st.calibrated_port_bps) return "";
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "fabric '%s': port %s is shaped to %.3g Gbit/s but this machine forwarded %.3g Gbit/s per port with all %zu hosts "
                "sending (calibration): figures above that measure the CPU, not the fabric (rate=auto picks a rate it carries)",
                layout.spec.name.c_str(), port.c_str(), static_cast<double>(top) / 1e9, st.calibrated_port_bps / 1e9, layout.hosts.size());
  return buf;
}

void FabricManager::calibrateHere(FabricState& st, FabricLayout& layout, std::vector<PlanStep>& steps) {
  const auto c = calibrateFabric(layout);
  if (!c) {
    if (layout.spec.rate_auto) throw FabricError("rate=auto needs at least 2 hosts to calibrate the fabric");
    return;
  }
  st.calibrated_port_bps = c->per_port_bps;
  st.calibrated_total_bps = c->total_bps;
  st.calibration_ns = c->duration_ns;
  if (layout.spec.rate_auto) {
    FabricSpec s = layout.spec;
    s.port.rate_bps = st.auto_rate_bps = trialAutoRate(layout, autoRate(c->per_port_bps), st.auto_rate_trials);
    layout = makeLayout(s, layout.net);
    steps = planUp(layout);
  }
  writeState(dir_, st);
}

std::string overlappingRoute(const std::string& routes, int net) {
  static const std::set<std::string> kTypes = {"local", "broadcast", "unicast", "multicast", "unreachable",
                                               "blackhole", "prohibit", "throw", "nat", "anycast"};
  const uint32_t mine = (10u << 24) | (static_cast<uint32_t>(net) << 16);
  std::istringstream in(routes);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string w;
    words >> w;
    if (kTypes.count(w)) words >> w;
    uint32_t addr = 0;
    int len = 0;
    if (w == "default" || !parsePrefix(w, addr, len)) continue;
    const int common = std::min(len, 16);
    const uint32_t mask = common == 0 ? 0 : ~0u << (32 - common);
    if (len == 0) continue;  // a default route written as 0.0.0.0/0
    if ((addr & mask) == (mine & mask)) return line;
  }
  return "";
}

FabricManager::FabricManager(process::CommandRunner& runner, std::string state_dir) : runner_(runner), dir_(std::move(state_dir)) {}

CommandResult FabricManager::run(const std::vector<std::string>& argv) {
  CommandResult r;
  try {
    r = runner_.run(argv);
  } catch (const Error& e) {
    throw FabricError(e.what() + std::string(kInstallHint));
  }
  if (r.not_found) throw FabricError("cannot run `" + commandText(argv) + "`: " + argv.at(0) + " is not installed" + kInstallHint);
  return r;
}

std::vector<FabricState> FabricManager::list() { return listStates(dir_); }

void FabricManager::notFound(const std::string& name) {
  std::string up;
  for (const auto& s : list()) up += (up.empty() ? "" : ", ") + s.name;
  throw FabricNotFound("fabric '" + name + "' is not up (no " + statePath(dir_, name) + "); fabrics up: " + (up.empty() ? "none" : up));
}

bool FabricManager::namespacesPresent(const FabricState& st) {
  const CommandResult r = run({"ip", "netns", "list"});
  if (!r.ok()) return false;
  for (const auto& c : st.created) {
    if (c.kind != Created::Kind::kNamespace) continue;
    bool found = false;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
      if (line.substr(0, line.find(' ')) == c.name) found = true;
    }
    if (!found) return false;
  }
  return true;
}

int FabricManager::chooseNet(const FabricSpec& spec) {
  std::map<int, std::string> used;
  for (const auto& s : list()) {
    if (s.name != spec.name) used[s.net] = "fabric '" + s.name + "'";
  }
  const CommandResult r = run({"ip", "-4", "route", "show", "table", "all"});
  if (!r.ok()) throw FabricError("fabric up '" + spec.name + "': `ip -4 route show table all` failed: " + r.why());
  auto why = [&](int net) -> std::string {
    if (used.count(net)) return used[net];
    const std::string route = overlappingRoute(r.out, net);
    return route.empty() ? "" : "the route '" + route + "' of this host";
  };
  if (spec.net) {
    if (std::string w = why(spec.net); !w.empty()) {
      throw FabricError("fabric up '" + spec.name + "': net=" + std::to_string(spec.net) + " (10." + std::to_string(spec.net) +
                        ".0.0/16) is already in use by " + w + "; choose another net= or leave it out");
    }
    return spec.net;
  }
  for (int i = 0; i < 254; ++i) {
    const int net = (100 + i - 1) % 254 + 1;  // 100..254, then 1..99
    if (why(net).empty()) return net;
  }
  throw FabricError("fabric up '" + spec.name + "': every 10.N.0.0/16 (N 1..254) is in use by a route or another fabric");
}

std::string FabricManager::removeCreated(FabricState& st) {
  std::vector<Created> left;
  std::string problems;
  for (auto it = st.created.rbegin(); it != st.created.rend(); ++it) {
    CommandResult r;
    try {
      r = run(undoCommand(*it));
    } catch (const std::exception& e) {
      r.exit_code = 1;
      r.err = e.what();
    }
    if (r.ok() || isGone(r)) continue;
    left.insert(left.begin(), *it);
    problems += std::string(problems.empty() ? "" : "; ") + "`" + commandText(undoCommand(*it)) + "`: " + r.why();
  }
  st.created = left;
  if (left.empty()) {
    removeState(dir_, st.name);
  } else {
    st.complete = false;
    writeState(dir_, st);
  }
  return problems;
}

CommandResult FabricManager::runStep(const PlanStep& step) {
  if (!step.bpf_pin_dir.empty()) {
    makeEcnPinDir(step.bpf_pin_dir);
    return {};
  }
  if (step.ecn_marker) {
    attachEcnMarker(*step.ecn_marker);
    return {};
  }
  if (!step.batch.empty()) return runBatch(step);
  return run(step.argv);
}

CommandResult FabricManager::runBatch(const PlanStep& step) {
  std::string path = dir_ + "/batch.XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) throw FabricError("fabric batch file in '" + dir_ + "': cannot create it: " + std::strerror(errno));
  const ssize_t n = ::write(fd, step.batch.data(), step.batch.size());
  const int e = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(step.batch.size())) {
    ::unlink(path.c_str());
    throw FabricError("fabric batch file '" + path + "': cannot write it: " + std::strerror(e));
  }
  std::vector<std::string> argv = step.argv;
  argv.push_back(path);
  CommandResult r;
  try {
    r = run(argv);
  } catch (...) {
    ::unlink(path.c_str());
    throw;
  }
  ::unlink(path.c_str());
  return r;
}

UpResult FabricManager::up(const FabricSpec& spec, const std::atomic<bool>* interrupt, bool calibrate) {
  StateLock lock(dir_);
  const std::string want = canonicalSpec(withoutNet(spec));
  if (auto existing = readState(dir_, spec.name)) {
    if (!existing->complete) {
      throw FabricError("fabric '" + spec.name + "': a previous `fabric up` (pid " + std::to_string(existing->pid) +
                        ") did not finish; run `fabcheck fabric down --name " + spec.name + "` to remove what it made");
    }
    if (existing->spec != want || (spec.net && spec.net != existing->net)) {
      throw FabricError("fabric '" + spec.name + "' is already up as '" + existing->spec + ",net=" + std::to_string(existing->net) +
                        "', not '" + canonicalSpec(spec) + "'; run `fabcheck fabric down --name " + spec.name +
                        "` first or choose another name=");
    }
    if (!namespacesPresent(*existing)) {
      throw FabricError("fabric '" + spec.name + "' is recorded as up but some of its namespaces are gone; run `fabcheck fabric down --name " +
                        spec.name + "` and up again");
    }
    FabricLayout have = layoutOfState(*existing, statePath(dir_, spec.name));
    const std::string warning = calibrationWarning(have, *existing);
    return {std::move(have), false, *existing, warning};
  }
  const int net = chooseNet(spec);
  FabricLayout layout = makeLayout(spec, net);
  std::vector<PlanStep> steps = planUp(layout);
  FabricState st{spec.name, want, net, false, static_cast<int>(::getpid()), {}};
  writeState(dir_, st);
  auto fail = [&](const std::string& what, bool unsupported) {
    const std::string left = removeCreated(st);
    const std::string msg = "fabric up '" + spec.name + "': " + what + "; " +
                            (left.empty() ? std::string("removed everything it had made")
                                          : "could not remove: " + left + " (run `fabcheck fabric down --name " + spec.name + "`)");
    if (unsupported) throw UnsupportedError(msg);
    throw FabricError(msg);
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    const PlanStep& step = steps[i];
    if (interrupt && interrupt->load()) fail("interrupted at step " + std::to_string(i + 1) + " of " + std::to_string(steps.size()), false);
    CommandResult r;
    try {
      if (step.calibrate) {
        if (calibrate || spec.rate_auto) calibrateHere(st, layout, steps);  // may replace `steps`
        continue;
      }
      r = runStep(step);
    } catch (const std::exception& e) {
      fail(e.what(), false);
    }
    if (!r.ok()) {
      if (step.netem_probe) {
        fail("delay= needs the netem qdisc, which this kernel does not offer (`" + commandText(step.argv) + "`: " + r.why() +
                 "); remove delay= and link.*.delay=",
             true);
      }
      std::string what = "step " + std::to_string(i + 1) + " of " + std::to_string(steps.size()) + " `" + commandText(step.argv) +
                         "` failed: " + r.why();
      if (step.creates && r.err.find("File exists") != std::string::npos) {
        what += " (" + std::string(step.creates->kind == Created::Kind::kNamespace ? "namespace '" : "interface '") + step.creates->name +
                "' already exists and is not part of this fabric; choose another name=)";
      }
      fail(what, false);
    }
    if (step.creates) {
      st.created.push_back(*step.creates);
      try {
        writeState(dir_, st);
      } catch (const std::exception& e) {
        fail(e.what(), false);
      }
    }
  }
  st.complete = true;
  writeState(dir_, st);
  const std::string warning = calibrationWarning(layout, st);
  return {layout, true, st, warning};
}

void FabricManager::down(const std::string& name) {
  StateLock lock(dir_);
  auto st = readState(dir_, name);
  if (!st) notFound(name);
  const std::string left = removeCreated(*st);
  if (!left.empty()) throw FabricError("fabric down '" + name + "': could not remove " + left);
}

std::optional<FabricLayout> FabricManager::find(const std::string& name) {
  auto st = readState(dir_, name);
  if (!st || !st->complete) return std::nullopt;
  return layoutOfState(*st, statePath(dir_, name));
}

FabricStatus FabricManager::status(const std::string& name) {
  auto st = readState(dir_, name);
  if (!st) notFound(name);
  FabricStatus s;
  s.state = *st;
  s.layout = layoutOfState(*st, statePath(dir_, name));
  std::map<std::string, std::vector<counters::QdiscStats>> by_ns;
  for (const auto& p : s.layout.ports) {
    if (!by_ns.count(p.ns)) {
      const std::vector<std::string> argv{"tc", "-n", p.ns, "-s", "-j", "qdisc", "show"};
      const CommandResult r = run(argv);
      if (!r.ok()) {
        s.counters_error += std::string(s.counters_error.empty() ? "" : "; ") + "`" + commandText(argv) + "`: " + r.why();
        by_ns[p.ns] = {};
      } else {
        try {
          by_ns[p.ns] = counters::parseTcQdiscJson(r.out, commandText(argv));
        } catch (const std::exception& e) {
          s.counters_error += std::string(s.counters_error.empty() ? "" : "; ") + e.what();
          by_ns[p.ns] = {};
        }
      }
    }
    s.ports.push_back({p, portCounters(by_ns[p.ns], p.dev)});
  }
  addEcnCounts(s);
  return s;
}

}  // namespace fabcheck::fabric
