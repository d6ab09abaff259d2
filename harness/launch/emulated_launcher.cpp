#include "harness/launch/emulated_launcher.h"

#include <unistd.h>

#include "generators/core/errors.h"
#include "generators/core/log.h"
#include "harness/counters/ecn_mark_counter_source.h"
#include "harness/counters/emulator_counter_source.h"
#include "harness/counters/qdisc_counter_source.h"
#include "harness/fabric/fabric_manager.h"
#include "harness/launch/local_launcher.h"

namespace fabcheck::launch {
namespace {

std::string stateDir(const EmulatedOptions& o) { return o.state_dir.empty() ? fabric::defaultStateDir() : o.state_dir; }

std::optional<fabric::FabricLayout> findUp(const EmulatedOptions& o) {
  process::SystemCommandRunner runner;
  fabric::FabricManager m(runner, stateDir(o));
  return m.find(o.fabric_name);
}

// The layout when the fabric is up, else (fabric=SPEC) the one the spec describes (names and
// leaves are known; addresses are not).
fabric::FabricLayout layoutFor(const EmulatedOptions& o) {
  if (auto l = findUp(o)) return *l;
  if (o.spec.empty()) {
    throw ConfigError("emulated launcher: fabric_name=" + o.fabric_name + ": no such fabric is up; start it with `fabcheck fabric up --fabric name=" +
                      o.fabric_name + ",...` or give fabric=SPEC");
  }
  const auto spec = fabric::parseFabricSpec(o.spec, "emulated launcher: fabric=");
  return fabric::makeLayout(spec, spec.net ? spec.net : 1);
}

}  // namespace

EmulatedOptions parseEmulatedOptions(const OptionMap& options) {
  checkOptionNames("emulated", options, {"fabric", "fabric_name", "calibrate"});
  EmulatedOptions o;
  o.spec = optionValue(options, "fabric");
  o.fabric_name = optionValue(options, "fabric_name");
  const std::string calibrate = optionValue(options, "calibrate");
  if (!calibrate.empty() && calibrate != "yes" && calibrate != "no") {
    throw ConfigError("emulated launcher: calibrate='" + calibrate + "': expected yes or no");
  }
  o.calibrate = calibrate != "no";
  if (o.spec.empty() == o.fabric_name.empty()) {
    throw ConfigError("emulated launcher: expected exactly one of fabric=SPEC (e.g. fabric=hosts=4,topology=switch,rate=1gbit) or fabric_name=NAME, got " +
                      std::string(o.spec.empty() ? "neither" : "both"));
  }
  if (!o.spec.empty()) {
    const auto spec = fabric::parseFabricSpec(o.spec, "emulated launcher: fabric=");
    if (!o.fabric_name.empty() && o.fabric_name != spec.name) {
      throw ConfigError("emulated launcher: fabric_name=" + o.fabric_name + " differs from the name in fabric= (" + spec.name + ")");
    }
    o.fabric_name = spec.name;
  }
  return o;
}

std::vector<HostEntry> emulatedHosts(const OptionMap& options) {
  const auto layout = layoutFor(parseEmulatedOptions(options));
  std::vector<HostEntry> hosts;
  for (const auto& h : layout.hosts) {
    HostEntry e{h.name, 1, {}};
    if (h.leaf >= 0) e.labels["leaf"] = std::to_string(h.leaf);
    hosts.push_back(e);
  }
  return hosts;
}

std::string emulatedControllerAddress(const OptionMap& options) {
  const auto layout = findUp(parseEmulatedOptions(options));
  return layout ? layout->controller_address : "0.0.0.0";
}

EmulatedLauncher::EmulatedLauncher(EmulatedOptions options) : options_(std::move(options)) {}

EmulatedLauncher::~EmulatedLauncher() { stop(); }

void EmulatedLauncher::launch(const LaunchSpec& spec) {
  checkSpec(spec, false);
  process::SystemCommandRunner runner;
  fabric::FabricManager manager(runner, stateDir(options_));
  fabric::FabricLayout layout;
  try {
    if (auto l = manager.find(options_.fabric_name)) {
      layout = *l;
      if (!options_.spec.empty()) {
        const auto want = fabric::parseFabricSpec(options_.spec, "emulated launcher: fabric=");
        auto w = want, have = layout.spec;
        w.net = have.net = 0;
        if (fabric::canonicalSpec(w) != fabric::canonicalSpec(have)) {
          throw LaunchError("emulated launcher: fabric '" + options_.fabric_name + "' is up as '" + fabric::canonicalSpec(layout.spec) +
                            "', not as fabric=" + options_.spec + "; take it down or use fabric_name=" + options_.fabric_name);
        }
      }
    } else if (!options_.spec.empty()) {
      const auto up = manager.up(fabric::parseFabricSpec(options_.spec, "emulated launcher: fabric="), nullptr, options_.calibrate);
      layout = up.layout;
      owns_fabric_ = true;
      if (up.state.auto_rate_bps) {
        log::info("emulated launcher: fabric '{}' rate=auto: ports shaped to {} bit/s (calibration: {:.0f} bit/s per port)",
                  options_.fabric_name, up.state.auto_rate_bps, up.state.calibrated_port_bps);
      }
      if (!up.warning.empty()) log::warn("emulated launcher: {}", up.warning);
    } else {
      throw LaunchError("emulated launcher: fabric_name=" + options_.fabric_name + ": no such fabric is up");
    }
  } catch (const LaunchError&) {
    throw;
  } catch (const Error& e) {
    throw LaunchError(std::string("emulated launcher: ") + e.what());
  }
  calibrated_port_bps_ = 0;
  if (auto st = fabric::readState(stateDir(options_), options_.fabric_name)) {
    calibrated_port_bps_ = static_cast<uint64_t>(st->calibrated_port_bps);
  }
  switch_namespaces_.clear();
  for (const auto& n : layout.nodes) {
    if (n.role != fabric::NodeRole::kHost) switch_namespaces_.push_back(n.ns);
  }
  ecn_pin_dir_.clear();
  for (const auto& p : layout.ports) {
    if (p.shaping.marksEcn()) ecn_pin_dir_ = fabric::ecnPinDir(layout.spec.name);
  }

  std::vector<std::string> args = spec.agent_args;
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--controller" && args[i + 1].rfind("0.0.0.0:", 0) == 0) {
      args[i + 1] = layout.controller_address + args[i + 1].substr(7);
    }
  }
  children_ = std::make_unique<process::ChildSet>();
  int id = 0;
  try {
    for (const auto& host : spec.hosts) {
      const fabric::FabricHost* fh = nullptr;
      for (const auto& h : layout.hosts) {
        if (h.name == host.name || h.ns == host.name) fh = &h;
      }
      if (!fh) {
        throw LaunchError("host '" + host.name + "' is not in fabric '" + options_.fabric_name + "'; expected h0..h" +
                          std::to_string(layout.hosts.size() - 1));
      }
      for (int s = 0; s < host.slots; ++s, ++id) {
        process::SpawnRequest req;
        req.argv = {"ip", "netns", "exec", fh->ns, spec.binary, "agent"};
        req.argv.insert(req.argv.end(), args.begin(), args.end());
        req.argv.insert(req.argv.end(), {"--data-address", fh->data_address, "--agent-id", std::to_string(id)});
        req.env = spec.env;
        if (gettid() == getpid()) req.env["FABCHECK_PARENT_PID"] = std::to_string(getpid());  // parent_watch.h
        agents_.push_back({id, host.name, children_->spawn(req)});
      }
    }
  } catch (const LaunchError& e) {
    stop(0);
    throw LaunchError("emulated launcher: agent " + std::to_string(id) + ": " + e.what());
  }
}

void EmulatedLauncher::stop(int64_t grace_ns) noexcept {
  if (children_) children_->stop(0, grace_ns);
  if (owns_fabric_) {
    owns_fabric_ = false;
    try {
      process::SystemCommandRunner runner;
      fabric::FabricManager(runner, stateDir(options_)).down(options_.fabric_name);
    } catch (const std::exception& e) {
      log::error("emulated launcher: taking fabric '{}' down: {}", options_.fabric_name, e.what());
    }
  }
}

}  // namespace fabcheck::launch

namespace fabcheck::launch {

std::vector<std::unique_ptr<counters::CounterSource>> EmulatedLauncher::fabricCounterSources() {
  std::vector<std::unique_ptr<counters::CounterSource>> out;
  for (const auto& ns : switch_namespaces_) {
    out.push_back(std::make_unique<counters::QdiscCounterSource>(counters::QdiscSourceOptions{.host = ns, .netns = ns}));
  }
  out.push_back(std::make_unique<counters::EmulatorCounterSource>(counters::EmulatorSourceOptions{.calibrated_port_bps = calibrated_port_bps_}));
  if (!ecn_pin_dir_.empty()) {
    out.push_back(std::make_unique<counters::EcnMarkCounterSource>(counters::EcnMarkSourceOptions{.pin_dir = ecn_pin_dir_}));
  }
  return out;
}

}  // namespace fabcheck::launch
