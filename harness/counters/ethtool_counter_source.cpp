#include "harness/counters/ethtool_counter_source.h"

#include <cstring>
#include <sstream>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "harness/counters/ethtool_ioctl.h"
#include "harness/counters/sysfs_reader.h"

namespace fabcheck::counters {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool noStats(const std::string& err) {
  return err.find("no stats available") != std::string::npos || err.find("Operation not supported") != std::string::npos ||
         err.find("No such device") != std::string::npos;
}

}  // namespace

std::vector<EthtoolStat> parseEthtoolStats(const std::string& text, const std::string& what, std::vector<std::string>& notes) {
  std::vector<EthtoolStat> out;
  std::istringstream in(text);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    const std::string t = trim(line);
    if (t.empty() || t == "NIC statistics:") continue;
    const auto colon = t.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      throw Error(what + ": line " + std::to_string(line_no) + " '" + t.substr(0, 60) + "' is not 'name: value'");
    }
    const std::string name = trim(t.substr(0, colon));
    const std::string value_text = trim(t.substr(colon + 1));
    if (name == "peer_ifindex") continue;
    const auto value = parseCounterValue(value_text);
    if (!value) {
      notes.push_back(what + ": " + name + " = '" + value_text.substr(0, 40) + "' (not a counter): skipped");
      continue;
    }
    out.push_back(EthtoolStat{name, *value});
  }
  return out;
}

EthtoolCounterSource::EthtoolCounterSource(EthtoolSourceOptions options) : options_(std::move(options)) {
  if (options_.host.empty()) options_.host = hostName();
}

// `ethtool -S dev` through the runner (captured output in tests). False when the source cannot
// run at all (reason_ set).
bool EthtoolCounterSource::readByCommand(const std::string& dev, std::vector<EthtoolStat>& stats,
                                         std::vector<std::string>& without, CounterSnapshot& snap) {
  std::vector<std::string> argv{options_.ethtool, "-S", dev};
  if (!options_.netns.empty()) argv.insert(argv.begin(), {"ip", "netns", "exec", options_.netns});
  const std::string what = "'" + process::commandText(argv) + "'";
  const process::CommandResult r = options_.runner->run(argv, options_.timeout_ns);
  if (r.not_found) {
    reason_ = "'" + argv[0] + "' is not installed";
    return false;
  }
  if (r.timed_out) throw Error(what + " did not finish within " + std::to_string(options_.timeout_ns / 1'000'000) + " ms");
  if (r.exit_code != 0) {
    if (!options_.netns.empty() && r.err.find("exec of \"" + options_.ethtool + "\" failed") != std::string::npos) {
      reason_ = "'" + options_.ethtool + "' is not installed";
      return false;
    }
    if (!options_.netns.empty() && r.err.find("Cannot open network namespace") != std::string::npos) {
      reason_ = "no network namespace '" + options_.netns + "'";
      return false;
    }
    if (!noStats(r.err)) throw Error(what + " failed (exit code " + std::to_string(r.exit_code) + "): " + r.err);
    without.push_back(dev + " (" + r.err.substr(r.err.rfind('\n') + 1) + ")");
    return true;
  }
  stats = parseEthtoolStats(r.out, what, snap.notes);
  return true;
}

// The kernel's ethtool interface (ethtool_ioctl.h). False when the namespace cannot be entered.
bool EthtoolCounterSource::readByKernel(const std::string& dev, std::vector<EthtoolStat>& stats,
                                        std::vector<std::string>& without) {
  EthtoolRead r = readEthtoolStats(dev, options_.netns);
  if (r.error == 0) {
    stats = std::move(r.stats);
    return true;
  }
  if (!options_.netns.empty() && r.reason.rfind("entering the namespace", 0) == 0) {
    reason_ = "no network namespace '" + options_.netns + "' (" + r.reason + ")";
    return false;
  }
  without.push_back(dev + " (" + std::strerror(r.error) + ")");
  return true;
}

// The standard pause statistics (ethtool_pause_netlink.h) of `dev`, appended to `stats`; why
// one or both are missing goes to `missing`. False once the kernel has no ethtool family (no
// use asking again for the other interfaces).
bool EthtoolCounterSource::readPause(const std::string& dev, std::vector<EthtoolStat>& stats, std::vector<std::string>& missing) {
  const PauseRead p = options_.pause_reader ? options_.pause_reader(dev, options_.netns) : readPauseStats(dev, options_.netns);
  if (p.tx_frames) stats.push_back(EthtoolStat{"pause_stat.tx_frames", *p.tx_frames});
  if (p.rx_frames) stats.push_back(EthtoolStat{"pause_stat.rx_frames", *p.rx_frames});
  if (!p.reason.empty()) missing.push_back(p.reason);
  return p.availability != PauseAvailability::kNoFamily;
}

CounterSnapshot EthtoolCounterSource::snapshot() {
  reason_.clear();
  CounterSnapshot snap;
  snap.taken_mono_ns = monoNowNs();
  std::vector<std::string> devs = options_.interfaces;
  if (devs.empty()) {
    for (const std::string& dev : listDir(options_.sysfs_root)) {
      const auto type = readSmallFile(options_.sysfs_root + "/" + dev + "/type");
      if (type ? *type != "772" : dev != "lo") devs.push_back(dev);
    }
  }
  if (devs.empty()) {
    reason_ = "no network interface under " + options_.sysfs_root + " (loopback excluded)";
    return snap;
  }
  std::vector<std::string> without, pause_missing;
  bool ask_pause = !options_.runner;
  for (const std::string& dev : devs) {
    std::vector<EthtoolStat> stats;
    const bool ok = options_.runner ? readByCommand(dev, stats, without, snap) : readByKernel(dev, stats, without);
    if (!ok) {
      snap.samples.clear();
      return snap;
    }
    if (stats.empty() && (without.empty() || without.back().rfind(dev + " (", 0) != 0)) without.push_back(dev + " (no counters)");
    if (ask_pause) ask_pause = readPause(dev, stats, pause_missing);
    for (const EthtoolStat& s : stats) {
      Labels labels{{"host", options_.host}, {"dev", dev}};
      if (!options_.netns.empty()) labels["netns"] = options_.netns;
      snap.samples.push_back(CounterSample{.name = s.name, .labels = std::move(labels), .value = s.value});
    }
  }
  if (!pause_missing.empty()) {
    std::string pause_list;
    for (const auto& m : pause_missing) pause_list += (pause_list.empty() ? "" : "; ") + m;
    snap.notes.push_back("pause statistics: " + pause_list);
  }
  std::string list;
  for (const auto& w : without) list += (list.empty() ? "" : ", ") + w;
  if (snap.samples.empty()) {
    reason_ = "no NIC statistics: " + list;
  } else if (!without.empty()) {
    snap.notes.push_back("no NIC statistics for " + list);
  }
  return snap;
}

}  // namespace fabcheck::counters
