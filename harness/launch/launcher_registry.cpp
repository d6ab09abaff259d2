// createLauncher: launcher name → implementation (launcher.h).
#include <string>

#include "harness/launch/launcher.h"
#include "harness/launch/local_launcher.h"
#include "harness/launch/ssh_launcher.h"

namespace fabcheck::launch {

std::unique_ptr<Launcher> createLauncher(const std::string& name, const std::map<std::string, std::string>& options) {
  if (name == "local") {
    if (!options.empty()) {
      throw ConfigError("local launcher: option '" + options.begin()->first + "' is unknown; it takes no options");
    }
    return std::make_unique<LocalLauncher>();
  }
  if (name == "ssh") return std::make_unique<SshLauncher>(parseSshOptions(options));
  throw ConfigError("launcher '" + name + "' is unknown; expected one of: local, ssh");
}

}  // namespace fabcheck::launch
