// socketInNamespace() (netns_socket.h).
#include "harness/counters/netns_socket.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace fabcheck::counters {

int socketInNamespace(const std::string& netns, int domain, int type, int protocol, bool* entered) {
  if (entered != nullptr) *entered = true;
  if (netns.empty()) {
    const int fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
    return fd >= 0 ? fd : -errno;
  }
  int result = -EINVAL;
  bool joined = false;
  std::thread t([&] {
    const int ns = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
      result = -errno;
      return;
    }
    if (::setns(ns, CLONE_NEWNET) != 0) {
      result = -errno;
    } else {
      joined = true;
      const int fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
      result = fd >= 0 ? fd : -errno;
    }
    ::close(ns);
  });
  t.join();
  if (entered != nullptr) *entered = joined;
  return result;
}

FdCloser::~FdCloser() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace fabcheck::counters
