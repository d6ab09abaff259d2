// Test support for the emulated fabric: whether namespaces work here (skip reason), names
// unique to one test process, a guard that removes a fabric (and anything with its prefix)
// even when the test fails, reading port counters, and sending UDP from inside a namespace.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness/fabric/fabric_manager.h"
#include "harness/launch/emulated_launcher.h"
#include "tests/integration/gen_server.h"
#include "tests/integration/runner_helpers.h"
#include "tests/support/subprocess.h"

namespace fabcheck::testing {

// Skips the test, with the reason, where network namespaces cannot be made (not root...).
#define FABCHECK_SKIP_WITHOUT_NAMESPACES()                                   \
  do {                                                                     \
    if (std::string why = ::fabcheck::testing::fabricSkipReason(); !why.empty()) { \
      GTEST_SKIP() << why;                                                 \
    }                                                                      \
  } while (0)

// Subprocess runs a path, not a name looked up on PATH: where `ip` is.
inline const std::string& ipBinary() {
  static const std::string path = [] {
    for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
      if (::access(p, X_OK) == 0) return std::string(p);
    }
    return std::string("/usr/sbin/ip");
  }();
  return path;
}

// "" when network namespaces can be made here, else why not (for GTEST_SKIP).
inline std::string fabricSkipReason() {
  if (::geteuid() != 0) return "the emulated fabric needs root (CAP_NET_ADMIN); this test runs as uid " + std::to_string(::geteuid());
  const std::string probe = "fc-probe-" + std::to_string(::getpid());
  auto r = run({ipBinary(), "netns", "add", probe}, std::chrono::seconds(10));
  if (r.status.code != 0) return "`ip netns add` fails here: " + r.err;
  run({ipBinary(), "netns", "del", probe}, std::chrono::seconds(10));
  return "";
}

// A fabric name unique to this test process: <tag><pid mod 10^5> (at most 6 characters).
inline std::string uniqueFabricName(char tag) { return std::string(1, tag) + std::to_string(::getpid() % 100000); }

inline std::vector<std::string> linesWith(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(pos, nl - pos);
    if (line.find(needle) != std::string::npos) out.push_back(line);
    pos = nl + 1;
  }
  return out;
}

// Namespaces "fc-<name>-*" and root links "fc<name>*" that exist now.
inline std::vector<std::string> fabricLeftovers(const std::string& name) {
  std::vector<std::string> left;
  const auto ns = run({ipBinary(), "netns", "list"}, std::chrono::seconds(10)).out;
  for (const auto& l : linesWith(ns, "fc-" + name + "-")) left.push_back("netns " + l.substr(0, l.find(' ')));
  const auto links = run({ipBinary(), "-o", "link", "show"}, std::chrono::seconds(10)).out;
  for (const auto& l : linesWith(links, ": fc" + name)) left.push_back("link " + l);
  return left;
}

// Takes the fabric down (fabcheck fabric down) and removes anything left with its prefix.
class FabricGuard {
 public:
  explicit FabricGuard(std::string name) : name_(std::move(name)) {}
  ~FabricGuard() {
    run({kFabcheckBin, "fabric", "down", "--name", name_}, std::chrono::seconds(60));
    for (const auto& l : fabricLeftovers(name_)) {
      if (l.rfind("netns ", 0) == 0) run({ipBinary(), "netns", "del", l.substr(6)}, std::chrono::seconds(10));
    }
  }
  FabricGuard(const FabricGuard&) = delete;
  FabricGuard& operator=(const FabricGuard&) = delete;

 private:
  std::string name_;
};

// Counters of every shaped port, by "<ns>:<dev>".
inline std::map<std::string, fabric::PortCounters> portCountersOf(const std::string& name) {
  process::SystemCommandRunner runner;
  fabric::FabricManager m(runner);
  std::map<std::string, fabric::PortCounters> out;
  for (const auto& p : m.status(name).ports) out[p.port.ns + ":" + p.port.dev] = p.counters;
  return out;
}

// Sends `per_port` datagrams of `size` bytes to dst:port for each port, from inside namespace
// `ns` (a thread that joins it). Returns "" or what failed.
inline std::string sendUdpFrom(const std::string& ns, const std::string& dst, const std::vector<uint16_t>& ports, int per_port,
                               size_t size = 200) {
  std::string error;
  std::thread t([&] {
    const int nsfd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) {
      error = "cannot enter namespace " + ns;
      if (nsfd >= 0) ::close(nsfd);
      return;
    }
    ::close(nsfd);
    std::vector<char> payload(size, 'x');
    for (uint16_t port : ports) {
      const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(port);
      ::inet_pton(AF_INET, dst.c_str(), &to.sin_addr);
      for (int i = 0; i < per_port; ++i) {
        if (::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
          error = "sendto " + dst + ":" + std::to_string(port) + " failed";
        }
      }
      ::close(fd);
    }
  });
  t.join();
  return error;
}

// Runner options for the emulated launcher with these launcher options (fabric_name= or
// fabric=): the fabric's hosts, and the controller address its agents can reach.
inline RunOptions emulatedRun(const std::map<std::string, std::string>& options, int agents) {
  RunOptions o = launcherRun("emulated", launch::defaultHosts("emulated", options, agents), options);
  o.controller_address = launch::emulatedControllerAddress(options);
  return o;
}

// Brings up fabric `name` (a FabricGuard of the caller takes it down): 4 hosts behind a switch
// with 1 Gbit/s ports and 200-packet queues, host h2 on a 20 Mbit/s link. Returns the options of
// a run of 4 agents on it, agent i on host h<i>.
inline RunOptions slowH2FabricRun(const std::string& name) {
  process::SystemCommandRunner runner;
  fabric::FabricManager m(runner);
  m.up(fabric::parseFabricSpec("name=" + name + ",hosts=4,rate=1gbit,queue=200,link.h2.rate=20mbit", "test"));
  return emulatedRun({{"fabric_name", name}}, 4);
}

}  // namespace fabcheck::testing
