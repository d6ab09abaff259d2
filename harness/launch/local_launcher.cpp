#include "harness/launch/local_launcher.h"

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

LocalLauncher::~LocalLauncher() { stop(); }

void LocalLauncher::launch(const LaunchSpec& spec) {
  checkSpec(spec, false);
  children_ = std::make_unique<process::ChildSet>();
  int id = 0;
  try {
    for (const auto& host : spec.hosts) {
      for (int s = 0; s < host.slots; ++s, ++id) {
        process::SpawnRequest req;
        req.argv = agentArgv(spec, id);
        req.env = spec.env;
        const size_t child = children_->spawn(req);
        agents_.push_back({id, host.name, child});
      }
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
