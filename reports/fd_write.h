// Writing a whole buffer to a file descriptor (the report files' writes).
//
// Contract: writeAllToFd() writes all n bytes, retrying short writes and EINTR; returns false at
// the first other failure (errno tells why: ENOSPC, EIO...), having written a prefix.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace fabcheck::reports {

inline bool writeAllToFd(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace fabcheck::reports
