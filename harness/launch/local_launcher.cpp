#include "harness/launch/local_launcher.h"

#include <unistd.h>

#include <algorithm>

#include "harness/launch/launcher_options.h"

namespace fabcheck::launch {

std::vector<std::string> agentArgv(const LaunchSpec& spec, int agent_id) {
  std::vector<std::string> argv{spec.binary, "agent"};
  argv.insert(argv.end(), spec.agent_args.begin(), spec.agent_args.end());
  argv.push_back("--agent-id");
  argv.push_back(std::to_string(agent_id));
  return argv;
}

void checkEnv(const std::map<std::string, std::string>& env, bool single_line) {
  for (const auto& [k, v] : env) {
    if (!process::isEnvName(k)) {
      throw LaunchError("launch: environment name '" + k + "' is not valid; expected [A-Za-z_][A-Za-z0-9_]*");
    }
    if (single_line && v.find('\n') != std::string::npos) {
      throw LaunchError("launch: environment value of '" + k + "' holds a newline; expected one line");
    }
  }
}

LocalOptions parseLocalOptions(const std::map<std::string, std::string>& options) {
  checkOptionNames("local", options, {"identities_per_process", "host_counters"});
  LocalOptions o;
  if (options.count("identities_per_process")) {
    const std::string v = optionValue(options, "identities_per_process");
    const auto k = parseWholeNumber(v, 1, 65536);
    if (!k) {
      throw ConfigError("local launcher: option 'identities_per_process' is '" + v +
                        "'; expected a whole number from 1 to 65536");
    }
    o.identities_per_process = static_cast<int>(*k);
  }
  if (options.count("host_counters")) {
    const std::string v = optionValue(options, "host_counters");
    if (v != "on" && v != "off") throw ConfigError("local launcher: option 'host_counters' is '" + v + "'; expected on or off");
    o.host_counters = v == "on";
  }
  return o;
}

std::vector<std::pair<int, int>> identityBlocks(int agents, int k) {
  std::vector<std::pair<int, int>> out;
  for (int first = 0; first < agents; first += k) out.emplace_back(first, std::min(k, agents - first));
  return out;
}

LocalLauncher::~LocalLauncher() { stop(); }

void LocalLauncher::launch(const LaunchSpec& spec) {
  checkSpec(spec, false);
  children_ = std::make_unique<process::ChildSet>();
  std::vector<std::string> host_of;  // agent id → its host entry's label
  for (const auto& host : spec.hosts) host_of.insert(host_of.end(), static_cast<size_t>(host.slots), host.name);
  int id = 0;
  try {
    for (const auto& [first, count] : identityBlocks(static_cast<int>(host_of.size()), options_.identities_per_process)) {
      id = first;
      process::SpawnRequest req;
      req.argv = agentArgv(spec, first);
      if (options_.identities_per_process > 1) req.argv.insert(req.argv.end(), {"--identities", std::to_string(count)});
      if (!options_.host_counters) req.argv.insert(req.argv.end(), {"--host-counters", "off"});
      req.env = spec.env;
      if (gettid() == getpid()) req.env["FABCHECK_PARENT_PID"] = std::to_string(getpid());  // parent_watch.h
      const size_t child = children_->spawn(req);
      for (int a = first; a < first + count; ++a) agents_.push_back({a, host_of[static_cast<size_t>(a)], child});
    }
  } catch (const LaunchError& e) {
    children_->stop(0, 0);
    throw LaunchError("local launcher: agent " + std::to_string(id) + ": " + e.what());
  }
}

void LocalLauncher::stop(int64_t grace_ns) noexcept {
  if (children_) children_->stop(0, grace_ns);
}

}  // namespace fabcheck::launch
