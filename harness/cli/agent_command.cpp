#include <boost/program_options.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "generators/core/errors.h"
#include "generators/core/log.h"
#include "harness/agent/agent.h"
#include "harness/cli/cli.h"
#include "harness/agent/parent_watch.h"
#include "harness/cli/signals.h"
#include "harness/model/units.h"

namespace fabcheck::cli {

int runAgentCommand(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description o("fabcheck agent (started by a launcher; not usually run by hand)");
  o.add_options()("help,h", "print this help")(
      "controller", po::value<std::string>(), "HOST:PORT of the controller to connect back to")(
      "agent-id", po::value<int>(), "this agent's index in the run")(
      "identities", po::value<int>()->default_value(1),
      "serve agent ids agent-id .. agent-id+K-1 from this process (one thread and connection each; no log lines in results)")(
      "host-counters", po::value<std::string>()->default_value("on"), "on, or off: read no host counters around tests")(
      "agent-id-env", po::value<std::string>(),
      "read the index from this environment variable instead (SLURM_PROCID, OMPI_COMM_WORLD_RANK)")(
      "secret-file", po::value<std::string>(), "file (mode 0600) with the run secret; else FABCHECK_RUN_SECRET")(
      "max-rate", po::value<std::string>(), "refuse plans sending faster than this from this agent")(
      "max-duration", po::value<std::string>(), "refuse tests longer than this")(
      "allow-interface", po::value<std::vector<std::string>>(), "only these interfaces (repeatable)")(
      "data-address", po::value<std::string>(), "listen for data flows on this address (default: the control connection's)")(
      "register-deadline", po::value<std::string>()->default_value("10s"),
      "keep retrying registration with the controller (refused, reset, dropped unread) this long, then exit 3")(
      "log-level", po::value<std::string>()->default_value("warn"), "trace, debug, info, warn, error, off");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(o).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "fabcheck agent: %s (see fabcheck agent --help)\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << o << std::endl;
    return kExitOk;
  }
  try {
    agent::AgentOptions a;
    if (!vm.count("controller") || vm.count("agent-id") + vm.count("agent-id-env") != 1) {
      throw ConfigError("--controller HOST:PORT and one of --agent-id N or --agent-id-env VAR are required");
    }
    const std::string c = vm["controller"].as<std::string>();
    const auto colon = c.rfind(':');
    if (colon == std::string::npos) throw ConfigError("--controller '" + c + "': expected HOST:PORT");
    a.controller_host = c.substr(0, colon);
    if (a.controller_host.size() > 2 && a.controller_host.front() == '[') a.controller_host = a.controller_host.substr(1, a.controller_host.size() - 2);
    try {
      a.controller_port = static_cast<uint16_t>(std::stoul(c.substr(colon + 1)));
    } catch (const std::exception&) {
      throw ConfigError("--controller '" + c + "': expected HOST:PORT");
    }
    if (vm.count("agent-id")) {
      a.agent_id = vm["agent-id"].as<int>();
    } else {
      const std::string var = vm["agent-id-env"].as<std::string>();
      const char* v = std::getenv(var.c_str());
      const std::string text = v ? v : "";
      if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
        throw ConfigError("--agent-id-env " + var + ": the variable is " + (v ? "'" + text + "'" : std::string("not set")) +
                          "; expected the agent's index, a whole number");
      }
      a.agent_id = std::stoi(text);
    }
    a.identities = vm["identities"].as<int>();
    if (a.identities < 1 || a.identities > 65536) {
      throw ConfigError("--identities " + std::to_string(a.identities) + ": expected a whole number from 1 to 65536");
    }
    const std::string hc = vm["host-counters"].as<std::string>();
    if (hc != "on" && hc != "off") throw ConfigError("--host-counters '" + hc + "': expected on or off");
    a.host_counters = hc == "on";
    if (vm.count("secret-file")) a.secret_file = vm["secret-file"].as<std::string>();
    if (vm.count("data-address")) a.data_address = vm["data-address"].as<std::string>();
    if (vm.count("max-rate")) a.limits.max_rate_bps = model::parseRate(vm["max-rate"].as<std::string>(), "--max-rate").bits_per_second;
    if (vm.count("max-duration")) a.limits.max_duration_ns = model::parseDurationNs(vm["max-duration"].as<std::string>(), "--max-duration");
    a.connect_timeout_ns = model::parseDurationNs(vm["register-deadline"].as<std::string>(), "--register-deadline");
    if (vm.count("allow-interface")) a.limits.allowed_interfaces = vm["allow-interface"].as<std::vector<std::string>>();
    log::configure("agent" + std::to_string(a.agent_id), vm["log-level"].as<std::string>());
    const std::atomic<bool>& stop = installInterruptHandlers();  // before: the parent's death is a SIGTERM
    if (!agent::followParent()) return 1;
    return agent::runAgent(a, stop);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "fabcheck agent: %s\n", e.what());
    return kExitUsage;
  }
}

}  // namespace fabcheck::cli
