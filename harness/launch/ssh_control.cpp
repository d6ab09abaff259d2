#include "harness/launch/ssh_control.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "generators/core/errors.h"
#include "harness/launch/ssh_launcher.h"
#include "harness/process/process.h"

namespace fabcheck::launch {

SshControl SshControl::create() {
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp && *tmp ? tmp : "/tmp";
  if (base.size() > 60) base = "/tmp";  // the socket paths must stay short
  std::string tmpl = base + "/fabcheck-ssh-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw LaunchError("ssh launcher: cannot make a directory for ssh control sockets from '" + tmpl + "': " +
                      std::strerror(errno));
  }
  SshControl c;
  c.dir_ = tmpl;
  return c;
}

SshControl::~SshControl() { removeDir(); }

SshControl::SshControl(SshControl&& other) noexcept : dir_(std::exchange(other.dir_, {})) {}

SshControl& SshControl::operator=(SshControl&& other) noexcept {
  if (this != &other) {
    removeDir();
    dir_ = std::exchange(other.dir_, {});
  }
  return *this;
}

std::string SshControl::path(size_t connection) const { return dir_ + "/c" + std::to_string(connection); }

void SshControl::close(const SshOptions& o, const std::map<size_t, std::string>& masters) noexcept {
  if (dir_.empty()) return;
  try {
    process::ChildSet exits;
    for (const auto& [k, host] : masters) {
      std::error_code ec;
      if (!std::filesystem::exists(path(k), ec)) continue;  // never became a master, or gone
      process::SpawnRequest req;
      req.argv = {"ssh"};
      if (!o.config.empty()) req.argv.insert(req.argv.end(), {"-F", o.config});
      req.argv.insert(req.argv.end(), {"-o", "ControlPath=" + path(k), "-O", "exit", host});
      exits.spawn(req);
    }
    exits.waitUntil(5'000'000'000, [&] {
      for (size_t i = 0; i < exits.size(); ++i) {
        if (!exits.poll(i)) return false;
      }
      return true;
    });
    exits.stop(0, 0);
  } catch (...) {
    // Best effort: a master we could not ask ends kPersistSeconds after its last session.
  }
  removeDir();
}

void SshControl::removeDir() noexcept {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  dir_.clear();
}

std::vector<std::string> controlOptions(const std::string& path) {
  return {"-o", "ControlMaster=auto", "-o", "ControlPath=" + path, "-o",
          "ControlPersist=" + std::to_string(SshControl::kPersistSeconds)};
}

}  // namespace fabcheck::launch
