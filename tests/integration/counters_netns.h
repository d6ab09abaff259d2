// Test support for the counter integration tests: two fresh network namespaces joined by a veth
// pair, and a way to run code inside one of them.
//
// VethPair creates namespaces "fc-ctest-<pid>-a" and "-b" (`ip netns add`), a veth pair
// fcq0 (in a, 10.99.0.1/24, MAC 02:00:00:00:00:01) — fcq1 (in b, 10.99.0.2/24, MAC ...:02), both
// up, IPv6 disabled in both namespaces (no stray ND/MLD packets) and a permanent neighbour entry
// for 10.99.0.2 in a (no ARP). The destructor deletes both namespaces (and with them the veth),
// also when the test failed. unavailableReason() is empty when this host can do it.
// inNamespace(ns, f) runs f on a new thread that joined the namespace (setns), so sockets and
// /proc/thread-self/net/* there are the namespace's.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/subprocess.h"

namespace fabcheck::testing {

inline RunResult sh(const std::vector<std::string>& argv) { return run(argv, std::chrono::seconds(20)); }

class VethPair {
 public:
  VethPair() : a_("fc-ctest-" + std::to_string(::getpid()) + "-a"), b_("fc-ctest-" + std::to_string(::getpid()) + "-b") {
    if (::geteuid() != 0) {
      reason_ = "needs root to create network namespaces";
      return;
    }
    for (const auto& ns : {a_, b_}) {
      const auto r = sh({"/usr/sbin/ip", "netns", "add", ns});
      if (r.status.code != 0) {
        reason_ = "'ip netns add " + ns + "' failed: " + r.err;
        return;
      }
      created_.push_back(ns);
      must({"/usr/sbin/ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"});
      must({"/usr/sbin/ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1"});
    }
    must({"/usr/sbin/ip", "-n", a_, "link", "add", "fcq0", "address", "02:00:00:00:00:01", "type", "veth", "peer", "name", "fcq1",
          "address", "02:00:00:00:00:02", "netns", b_});
    must({"/usr/sbin/ip", "-n", a_, "addr", "add", "10.99.0.1/24", "dev", "fcq0"});
    must({"/usr/sbin/ip", "-n", b_, "addr", "add", "10.99.0.2/24", "dev", "fcq1"});
    must({"/usr/sbin/ip", "-n", a_, "link", "set", "fcq0", "up"});
    must({"/usr/sbin/ip", "-n", b_, "link", "set", "fcq1", "up"});
    must({"/usr/sbin/ip", "-n", a_, "neigh", "replace", "10.99.0.2", "lladdr", "02:00:00:00:00:02", "dev", "fcq0", "nud", "permanent"});
  }
  ~VethPair() {
    for (const auto& ns : created_) sh({"/usr/sbin/ip", "netns", "del", ns});
  }
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;

  const std::string& unavailableReason() const { return reason_; }
  bool ok() const { return reason_.empty() && !failed_; }
  const std::string& a() const { return a_; }
  const std::string& b() const { return b_; }

  // Runs argv; a failure is a test failure (ADD_FAILURE) and makes ok() false.
  void must(const std::vector<std::string>& argv) {
    if (!reason_.empty() || failed_) return;
    const auto r = sh(argv);
    if (r.status.code != 0) {
      failed_ = true;
      std::string cmd;
      for (const auto& a : argv) cmd += a + " ";
      ADD_FAILURE() << "'" << cmd << "' failed (" << r.status.code << "): " << r.err;
    }
  }

 private:
  std::string a_, b_, reason_;
  std::vector<std::string> created_;
  bool failed_ = false;
};

// Runs f on a thread inside namespace `ns`; rethrows what f throws.
inline void inNamespace(const std::string& ns, const std::function<void()>& f) {
  std::exception_ptr error;
  std::thread t([&] {
    try {
      const std::string path = "/var/run/netns/" + ns;
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
      const int rc = ::setns(fd, CLONE_NEWNET);
      ::close(fd);
      if (rc != 0) throw std::runtime_error("setns " + path + ": " + std::strerror(errno));
      f();
    } catch (...) {
      error = std::current_exception();
    }
  });
  t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace fabcheck::testing
