#include "reports/growing_json_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "generators/core/errors.h"
#include "reports/fd_write.h"

namespace fabcheck::reports {
namespace {

constexpr const char* kClose = "\n  ]";        // after the last element
constexpr size_t kCopyChunk = 1 << 16;

bool pwriteAll(int fd, const std::string& s, uint64_t at) {
  const char* p = s.data();
  size_t n = s.size();
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(at));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    at += static_cast<uint64_t>(w);
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

GrowingJsonFile::~GrowingJsonFile() {
  if (fd_ >= 0) ::close(fd_);
}

// Bytes [from, to_end) of the current file to `to`, a chunk at a time.
void GrowingJsonFile::copyElements(int to, uint64_t from, uint64_t to_end) const {
  std::vector<char> buf(kCopyChunk);
  while (from < to_end) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kCopyChunk, to_end - from));
    const ssize_t r = ::pread(fd_, buf.data(), want, static_cast<off_t>(from));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) throw Error(where_ + ": reading back the tests written failed: " + (r == 0 ? "short file" : std::strerror(errno)));
    if (!writeAllToFd(to, buf.data(), static_cast<size_t>(r))) {
      throw Error(where_ + ": writing '" + path_ + ".tmp' failed: " + std::strerror(errno) + " (the file keeps its last version)");
    }
    from += static_cast<uint64_t>(r);
  }
}

void GrowingJsonFile::rewrite(const std::string& head, const std::string& tail) {
  const std::string tmp = path_ + ".tmp";
  const int out = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) throw ConfigError(where_ + ": cannot write '" + tmp + "': " + std::strerror(errno));
  const uint64_t new_array_at = head.size();
  const std::string kept = fd_ >= 0 ? " (the file keeps its last version)" : "";
  try {
    bool ok = writeAllToFd(out, head.data(), head.size());
    if (ok && count_ == 0) {
      ok = writeAllToFd(out, "[", 1);
    } else if (ok) {
      copyElements(out, array_at_, elements_end_);
    }
    const std::string close = std::string(count_ == 0 ? "]" : kClose) + tail;
    ok = ok && writeAllToFd(out, close.data(), close.size());
    if (!ok) throw Error(where_ + ": writing '" + tmp + "' failed: " + std::strerror(errno) + kept);
    if (::fsync(out) != 0) throw Error(where_ + ": syncing '" + tmp + "' failed: " + std::strerror(errno) + kept);
  } catch (...) {
    ::close(out);
    ::unlink(tmp.c_str());
    throw;
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::close(out);
    ::unlink(tmp.c_str());
    throw Error(where_ + ": cannot replace the file: " + why);
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = out;
  elements_end_ = new_array_at + (count_ == 0 ? 1 : elements_end_ - array_at_);
  array_at_ = new_array_at;
  tail_ = tail;
}

// The file stays a valid document whatever fails (ENOSPC, EDQUOT, EIO): the bytes past its end
// that the new text needs are first claimed with spaces (trailing whitespace is valid JSON), so a
// full disk fails before any byte of the document is touched; the document is then overwritten
// in place over blocks it already owns. A failure of that overwrite (a copy-on-write file system
// can still say ENOSPC there) puts the old closing and tail back and cuts the file to its old size.
void GrowingJsonFile::append(const std::string& element) {
  if (fd_ < 0) throw Error(where_ + ": a test was written before the report's head");
  std::string text = (count_ == 0 ? "\n" : ",\n") + element;
  const uint64_t new_end = elements_end_ + text.size();
  text += kClose;
  text += tail_;
  const std::string old_suffix = std::string(count_ == 0 ? "]" : kClose) + tail_;
  const uint64_t old_size = elements_end_ + old_suffix.size();
  const uint64_t new_size = elements_end_ + text.size();
  const auto fail = [&](const std::string& what) {
    const std::string why = std::strerror(errno);
    (void)pwriteAll(fd_, old_suffix, elements_end_);
    (void)::ftruncate(fd_, static_cast<off_t>(old_size));
    throw Error(where_ + ": " + what + " failed: " + why + " (the file keeps the " + std::to_string(count_) + " tests written before)");
  };
  if (new_size > old_size && !pwriteAll(fd_, std::string(new_size - old_size, ' '), old_size)) fail("writing");
  if (!pwriteAll(fd_, text, elements_end_)) fail("writing");
  if (::ftruncate(fd_, static_cast<off_t>(new_size)) != 0) fail("cutting the file");
  if (::fdatasync(fd_) != 0) fail("syncing");
  elements_end_ = new_end;
  ++count_;
}

}  // namespace fabcheck::reports
