#include "harness/cli/fabric_command.h"

#include <cstdio>
#include <iostream>
#include <string>

#include "harness/cli/cli.h"
#include "harness/cli/signals.h"
#include "harness/fabric/fabric_manager.h"
#include "harness/model/units.h"

namespace fabcheck::cli {
namespace {

constexpr const char* kFabricUsage =
    "usage: fabcheck fabric up --fabric SPEC [--no-calibrate]\n"
    "       fabcheck fabric down [--name NAME]\n"
    "       fabcheck fabric status [--name NAME]\n"
    "SPEC: hosts=4,topology=switch|leaf-spine,rate=200mbit,queue=20[,queue_bytes=64K][,delay=1ms]\n"
    "      [,leaves=2,spines=2][,name=fc0][,net=N][,ecn_threshold=30KB|20p][,link.h2.rate=50mbit] (docs/fabric.md)\n"
    "up measures what this machine forwards through the fabric (about 1 s) unless --no-calibrate;\n"
    "rate=auto shapes the ports at a round rate below that.\n"
    "Needs root (CAP_NET_ADMIN). Default NAME: fc0.\n";

std::string shapingText(const fabric::PortShaping& s) {
  std::string q = s.queue_bytes ? std::to_string(s.queue_bytes) + " B" : std::to_string(s.queue_packets) + " pkts";
  std::string t = model::formatRate(static_cast<double>(s.rate_bps)) + ", queue " + q;
  if (s.delay_ns) t += ", delay " + model::formatDuration(s.delay_ns);
  if (s.ecn_threshold_bytes) t += ", ecn " + std::to_string(s.ecn_threshold_bytes) + " B";
  if (s.ecn_threshold_packets) t += ", ecn " + std::to_string(s.ecn_threshold_packets) + " pkts";
  return t;
}

void printStatus(const fabric::FabricStatus& s) {
  const auto& l = s.layout;
  std::printf("fabric %s: %s, topology %s, %zu hosts, net %s, controller (management) address %s\n", l.spec.name.c_str(),
              s.state.complete ? "up" : "HALF MADE (run fabcheck fabric down)", fabric::topologyName(l.spec.topology).c_str(),
              l.hosts.size(), l.data_prefix.c_str(), l.controller_address.c_str());
  std::printf("  spec: %s\n", s.state.spec.c_str());
  if (s.state.calibrated_port_bps > 0) {
    std::printf("  calibration: %s per port with every host sending (%s in all)%s\n", model::formatRate(s.state.calibrated_port_bps).c_str(),
                model::formatRate(s.state.calibrated_total_bps).c_str(),
                s.state.auto_rate_bps ? (", rate=auto chose " + model::formatRate(static_cast<double>(s.state.auto_rate_bps))).c_str() : "");
  } else {
    std::printf("  calibration: none (--no-calibrate)\n");
  }
  std::printf("hosts:\n");
  for (const auto& h : l.hosts) {
    std::printf("  %-4s %-16s data %-14s mgmt %-14s%s\n", h.name.c_str(), h.ns.c_str(), h.data_address.c_str(), h.mgmt_address.c_str(),
                h.leaf >= 0 ? (" leaf " + std::to_string(h.leaf)).c_str() : "");
  }
  std::printf("links:\n");
  for (const auto& k : l.links) std::printf("  %-6s %s <-> %s\n", k.name.c_str(), k.a.c_str(), k.b.c_str());
  std::printf("egress ports:\n  %-18s %-5s %-7s %-32s %12s %10s %8s %10s %8s\n", "namespace", "dev", "toward", "shaping", "sent_bytes",
              "sent_pkts", "drops", "overlimits", "backlog");
  for (const auto& p : s.ports) {
    const auto& c = p.counters;
    std::printf("  %-18s %-5s %-7s %-32s %12llu %10llu %8llu %10llu %8llu%s\n", p.port.ns.c_str(), p.port.dev.c_str(),
                p.port.toward.c_str(), shapingText(p.port.shaping).c_str(), static_cast<unsigned long long>(c.bytes),
                static_cast<unsigned long long>(c.packets), static_cast<unsigned long long>(c.drops),
                static_cast<unsigned long long>(c.overlimits), static_cast<unsigned long long>(c.backlog),
                c.found ? "" : "  (queue not found)");
  }
  for (const auto& p : s.ports) {
    const auto& c = p.counters;
    if (c.ecn_marked) {
      std::printf("  ecn %-18s %-5s marked %llu of %llu ECT packets\n", p.port.ns.c_str(), p.port.dev.c_str(),
                  static_cast<unsigned long long>(*c.ecn_marked), static_cast<unsigned long long>(c.ecn_ect_packets.value_or(0)));
    }
  }
  if (!s.counters_error.empty()) std::printf("counters: %s\n", s.counters_error.c_str());
}

int runUp(fabric::FabricManager& manager, const std::string& spec_text, bool calibrate) {
  const auto spec = fabric::parseFabricSpec(spec_text, "--fabric");
  if (spec.rate_auto && !calibrate) throw ConfigError("--fabric rate=auto: needs the calibration that --no-calibrate turns off");
  const auto r = manager.up(spec, &installInterruptHandlers(), calibrate);
  std::printf("fabric %s %s: %d hosts (%s), net %s, controller address %s\n", spec.name.c_str(), r.created ? "is up" : "was already up",
              spec.hosts, fabric::topologyName(spec.topology).c_str(), r.layout.data_prefix.c_str(), r.layout.controller_address.c_str());
  if (r.state.calibrated_port_bps > 0) {
    std::printf("fabric %s calibration: %s per port with all %d hosts sending\n", spec.name.c_str(),
                model::formatRate(r.state.calibrated_port_bps).c_str(), spec.hosts);
  }
  if (r.state.auto_rate_bps) {
    std::printf("fabric %s rate=auto: ports shaped to %s (trials with every host paced to the rate: %s)\n", spec.name.c_str(),
                model::formatRate(static_cast<double>(r.state.auto_rate_bps)).c_str(), r.state.auto_rate_trials.c_str());
  }
  if (!r.warning.empty()) std::fprintf(stderr, "warning: %s\n", r.warning.c_str());
  return kExitOk;
}

}  // namespace

int runFabricCommand(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help") {
    std::fputs(kFabricUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitUsage : kExitOk;
  }
  const std::string verb = argv[1];
  std::string spec_text, name;
  bool have_spec = false, have_name = false, calibrate = true;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const std::string& opt) -> std::string {
      if (a.rfind(opt + "=", 0) == 0) return a.substr(opt.size() + 1);
      if (i + 1 >= argc) throw ConfigError(opt + ": expected a value");
      return argv[++i];
    };
    try {
      if (a == "--fabric" || a.rfind("--fabric=", 0) == 0) {
        spec_text = value("--fabric"), have_spec = true;
      } else if (a == "--no-calibrate" && verb == "up") {
        calibrate = false;
      } else if (a == "--name" || a.rfind("--name=", 0) == 0) {
        name = value("--name"), have_name = true;
      } else {
        std::fprintf(stderr, "fabcheck fabric %s: unknown option '%s'\n%s", verb.c_str(), a.c_str(), kFabricUsage);
        return kExitUsage;
      }
    } catch (const ConfigError& e) {
      std::fprintf(stderr, "fabcheck fabric %s: %s\n", verb.c_str(), e.what());
      return kExitUsage;
    }
  }
  try {
    process::SystemCommandRunner runner;
    fabric::FabricManager manager(runner);
    if (verb == "up") {
      if (!have_spec) throw ConfigError("--fabric SPEC is required (e.g. --fabric hosts=4,topology=switch,rate=200mbit,queue=20)");
      if (have_name) throw ConfigError("--name is not used by up; put name=NAME in the spec");
      return runUp(manager, spec_text, calibrate);
    }
    if (have_spec) throw ConfigError("--fabric is only for up; " + verb + " takes --name NAME");
    if (verb == "down") {
      manager.down(have_name ? name : "fc0");
      std::printf("fabric %s is down\n", (have_name ? name : std::string("fc0")).c_str());
      return kExitOk;
    }
    if (verb == "status") {
      if (have_name) {
        printStatus(manager.status(name));
      } else {
        const auto all = manager.list();
        if (all.empty()) std::printf("no fabric is up\n");
        for (const auto& s : all) printStatus(manager.status(s.name));
      }
      return kExitOk;
    }
    std::fprintf(stderr, "fabcheck fabric: unknown verb '%s'; expected up, down or status\n%s", verb.c_str(), kFabricUsage);
    return kExitUsage;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "fabcheck fabric %s: %s\n", verb.c_str(), e.what());
    return kExitUsage;
  } catch (const fabric::FabricNotFound& e) {
    std::fprintf(stderr, "fabcheck fabric %s: %s\n", verb.c_str(), e.what());
    return kExitUsage;
  } catch (const Error& e) {
    std::fprintf(stderr, "fabcheck fabric %s: %s\n", verb.c_str(), e.what());
    return kExitInfrastructure;
  }
}

}  // namespace fabcheck::cli
