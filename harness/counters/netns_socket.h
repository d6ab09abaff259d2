// A socket made in a named network namespace without moving the caller's thread.
//
// Contract: socketInNamespace(netns, domain, type, protocol) returns a file descriptor the
// caller owns, or −errno. `netns` names a namespace under /run/netns (empty: the caller's own);
// the socket is made on a short-lived thread that joined it (setns), because a socket belongs
// to the namespace it was created in and keeps it: the caller may use it from any thread.
// `*entered` (when given) says whether the namespace was joined: false when opening or joining
// it failed, so a caller can tell that from socket() failing inside it.
#pragma once

#include <string>

namespace fabcheck::counters {

int socketInNamespace(const std::string& netns, int domain, int type, int protocol, bool* entered = nullptr);

// Closes a descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser();
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace fabcheck::counters
