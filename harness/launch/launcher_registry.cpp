// createLauncher: launcher name → implementation (launcher.h).
#include <string>

#include "harness/launch/launcher.h"
#include "harness/launch/emulated_launcher.h"
#include "harness/launch/local_launcher.h"
#include "harness/launch/mpirun_launcher.h"
#include "harness/launch/slurm_launcher.h"
#include "harness/launch/ssh_launcher.h"

namespace fabcheck::launch {

std::vector<HostEntry> defaultHosts(const std::string& launcher, const std::map<std::string, std::string>& options,
                                    int agents) {
  if (launcher == "local") return {HostEntry{"localhost", agents, {}}};
  if (launcher == "emulated") return emulatedHosts(options);
  if (launcher == "slurm") {
    auto hosts = slurmHostsFromEnvironment(options);  // inside an allocation
    if (hosts.empty() || (hosts.size() == 1 && hosts[0].name == kSlurmAnyNode)) hosts = {HostEntry{kSlurmAnyNode, agents, {}}};
    return hosts;
  }
  return {};
}

std::unique_ptr<Launcher> createLauncher(const std::string& name, const std::map<std::string, std::string>& options) {
  if (name == "local") return std::make_unique<LocalLauncher>(parseLocalOptions(options));
  if (name == "ssh") return std::make_unique<SshLauncher>(parseSshOptions(options));
  if (name == "mpirun") return std::make_unique<MpirunLauncher>(parseMpirunOptions(options));
  if (name == "slurm") return std::make_unique<SlurmLauncher>(parseSlurmOptions(options));
  if (name == "emulated") return std::make_unique<EmulatedLauncher>(parseEmulatedOptions(options));
  throw ConfigError("launcher '" + name + "' is unknown; expected one of: local, ssh, mpirun, slurm, emulated");
}

}  // namespace fabcheck::launch
