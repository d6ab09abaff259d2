// Test support: a REAL OpenSSH server on 127.0.0.1 for the ssh launcher's tests.
//
// Sshd makes a temp dir with a host key, a client key (authorized) and a second client key (not
// authorized), an sshd_config (ListenAddress 127.0.0.1, a free port, AuthorizedKeysFile in the
// temp dir so nothing global changes apart from `mkdir -p /run/sshd`, StrictModes no, UsePAM no,
// keys only, LogLevel VERBOSE to <dir>/sshd.log), starts `/usr/sbin/sshd -D -f <config> -E <log>`
// as a child and waits (bounded) until the port accepts TCP. clientConfig() is an ssh_config with
// the aliases kAlias (authorized key) and kBadKeyAlias (key not authorized), both 127.0.0.1:<port>,
// no host-key checks. The destructor waits (3 s) for open sessions to end, SIGTERMs the rest,
// then stops sshd by PID (SIGTERM, SIGKILL after 5 s), also after a failed test, and removes the
// temp dir.
//
// Header-only: the integration test binary compiles only tests/integration/*_test.cpp.
// sshdUnavailableReason() is empty when sshd can run here, else the reason to GTEST_SKIP.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/ports.h"
#include "tests/support/subprocess.h"

namespace fabcheck::testing {

inline std::string sshdUnavailableReason() {
  namespace fs = std::filesystem;
  if (::geteuid() != 0) return "the sshd fixture needs root (sshd reads its host key and switches to the user)";
  for (const char* p : {"/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen"}) {
    if (!fs::exists(p)) return std::string(p) + " is missing (install openssh-server and openssh-client)";
  }
  return {};
}

class Sshd {
 public:
  static constexpr const char* kAlias = "fabtest-node";
  static constexpr const char* kBadKeyAlias = "fabtest-badkey";

  Sshd() {
    namespace fs = std::filesystem;
    using namespace std::chrono_literals;
    std::string tmpl = "/tmp/fabcheck-sshd-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    for (const char* key : {"host_key", "client_key", "bad_key"}) {
      const RunResult r = run({"/usr/bin/ssh-keygen", "-t", "ed25519", "-N", "", "-q", "-f", dir_ + "/" + key}, 30s);
      if (r.status.code != 0) {
        ADD_FAILURE() << "ssh-keygen " << key << " failed: " << r.err;
        return;
      }
    }
    fs::copy_file(dir_ + "/client_key.pub", dir_ + "/authorized_keys");
    fs::create_directories("/run/sshd");
    port_ = unusedLoopbackPort(SOCK_STREAM);
    const std::string config = dir_ + "/sshd_config";
    std::ofstream(config) << "ListenAddress 127.0.0.1\n"
                          << "Port " << port_ << "\n"
                          << "HostKey " << dir_ << "/host_key\n"
                          << "PidFile " << dir_ << "/sshd.pid\n"
                          << "AuthorizedKeysFile " << dir_ << "/authorized_keys\n"
                          << "StrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"
                          << "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                          << "LogLevel VERBOSE\n";
    const passwd* pw = ::getpwuid(::geteuid());
    const std::string user = pw ? pw->pw_name : "root";
    std::ofstream cfg(dir_ + "/ssh_config");
    for (const auto& [alias, key] : {std::pair{std::string(kAlias) + " 127.0.0.1", "client_key"},
                                     std::pair{std::string(kBadKeyAlias), "bad_key"}}) {
      cfg << "Host " << alias << "\n  HostName 127.0.0.1\n  Port " << port_ << "\n  User " << user
          << "\n  IdentityFile " << dir_ << "/" << key << "\n  IdentitiesOnly yes\n  IdentityAgent none\n"
          << "  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  GlobalKnownHostsFile /dev/null\n"
          << "  LogLevel ERROR\n";
    }
    cfg.close();
    proc_.emplace(Subprocess::start({"/usr/sbin/sshd", "-D", "-f", config, "-E", dir_ + "/sshd.log"}));
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!accepts()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ADD_FAILURE() << "sshd did not accept on 127.0.0.1:" << port_ << " within 10 s; log: " << log();
        return;
      }
      std::this_thread::sleep_for(20ms);
    }
    ok_ = true;
  }

  ~Sshd() {
    using namespace std::chrono_literals;
    if (proc_) {
      // Sessions first, while the listener still lives to reap them (an orphan here would stay a
      // zombie when PID 1 does not reap): let them end, then SIGTERM what remains.
      if (!waitNoSessions(3s)) {
        for (pid_t s : sessions()) ::kill(s, SIGTERM);
        waitNoSessions(2s);
      }
      proc_->signal(SIGTERM);
      proc_->waitExit(5s);  // SIGKILL at the timeout
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  Sshd(const Sshd&) = delete;
  Sshd& operator=(const Sshd&) = delete;

  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }
  std::string clientConfig() const { return dir_ + "/ssh_config"; }
  std::string badKey() const { return dir_ + "/bad_key"; }
  uint16_t port() const { return port_; }
  pid_t pid() const { return proc_ ? proc_->pid() : -1; }
  std::string log() const {
    std::ifstream f(dir_ + "/sshd.log");
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

 private:
  // sshd's per-connection children.
  std::vector<pid_t> sessions() const {
    std::vector<pid_t> out;
    const std::string ppid = "\nPPid:\t" + std::to_string(proc_->pid()) + "\n";
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream f(e.path() / "status");
      std::stringstream ss;
      ss << f.rdbuf();
      if (ss.str().find(ppid) != std::string::npos) out.push_back(static_cast<pid_t>(std::stoi(name)));
    }
    return out;
  }
  bool waitNoSessions(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!sessions().empty()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  bool accepts() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
  }

  std::string dir_;
  uint16_t port_ = 0;
  bool ok_ = false;
  std::optional<Subprocess> proc_;
};

}  // namespace fabcheck::testing
