// Connection reuse for the ssh launcher: OpenSSH connection multiplexing (ControlMaster) with
// the control sockets in a private temp dir of ours.
//
// Contract:
// - SshControl::create() makes a 0700 directory (mkdtemp under $TMPDIR, else /tmp) and throws
//   LaunchError naming it when it cannot. path(k) is connection k's socket, "<dir>/c<k>" (short:
//   a unix socket path holds at most 107 bytes).
// - controlOptions(path) are the ssh -o options that make the first ssh using `path` the master
//   (ControlMaster=auto), detached in the background (ControlPersist) so that ending any one agent's
//   ssh ends no other session, and make the later ones its clients. A master with no session left
//   exits by itself kPersistSeconds later (our safety net when this process dies without
//   closing them).
// - close(opts, hosts) asks every master that was opened (`ssh -O exit`, all at once, bounded by
//   5 s) to exit, then removes the directory. Idempotent; the destructor calls it without hosts
//   (the masters then end kPersistSeconds after their last session) and still removes the dir.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace fabcheck::launch {

struct SshOptions;

class SshControl {
 public:
  static constexpr int kPersistSeconds = 30;

  static SshControl create();
  SshControl() = default;
  ~SshControl();
  SshControl(SshControl&& other) noexcept;
  SshControl& operator=(SshControl&& other) noexcept;
  SshControl(const SshControl&) = delete;
  SshControl& operator=(const SshControl&) = delete;

  bool active() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }
  std::string path(size_t connection) const;

  // Connection index → the host its master connects to (for `ssh -O exit`).
  void close(const SshOptions& o, const std::map<size_t, std::string>& masters) noexcept;

 private:
  void removeDir() noexcept;
  std::string dir_;
};

std::vector<std::string> controlOptions(const std::string& path);

}  // namespace fabcheck::launch
