#include "harness/protocol/run_secret.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "generators/core/errors.h"

namespace fabcheck::protocol {
namespace {

std::string secretErrnoText(int err) { return std::error_code(err, std::system_category()).message(); }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Closes an fd on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

// Reads a secret file after checking that only its owner, us, can read it. `via` says how the
// path was given ("FABCHECK_RUN_SECRET_FILE", "--secret-file").
RunSecret readSecretFile(const std::string& path, std::string_view via) {
  // O_NONBLOCK: a FIFO planted at the path must not block the open; fstat then refuses it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    throw ConfigError(fmt::format("cannot open run secret file '{}' (from {}): {}", path, via, secretErrnoText(errno)));
  }
  Fd guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw ConfigError(fmt::format("cannot stat run secret file '{}' (from {}): {}", path, via, secretErrnoText(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    throw ConfigError(fmt::format("run secret file '{}' (from {}) is not a regular file", path, via));
  }
  if ((st.st_mode & 077) != 0) {
    throw ConfigError(fmt::format("run secret file '{}' (from {}) has mode {:04o}; expected 0600 or stricter (chmod 600 it)",
                                  path, via, st.st_mode & 07777));
  }
  if (st.st_uid != ::geteuid()) {
    throw ConfigError(fmt::format("run secret file '{}' (from {}) is owned by uid {}, expected uid {} (this process)",
                                  path, via, st.st_uid, ::geteuid()));
  }
  // 64 hex digits plus whitespace; anything much longer is not a secret file.
  constexpr size_t kMaxBytes = 4096;
  std::string text;
  char buffer[512];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<size_t>(n));
      if (text.size() > kMaxBytes) {
        throw ConfigError(fmt::format("run secret file '{}' (from {}) is longer than {} bytes; expected 64 hex digits",
                                      path, via, kMaxBytes));
      }
      continue;
    }
    if (n == 0) break;
    if (errno == EINTR) continue;
    throw ConfigError(fmt::format("cannot read run secret file '{}' (from {}): {}", path, via, secretErrnoText(errno)));
  }
  RunSecret secret = RunSecret::fromHex(text, fmt::format("file '{}'", path));
  OPENSSL_cleanse(text.data(), text.size());
  OPENSSL_cleanse(buffer, sizeof buffer);
  return secret;
}

std::string RunSecret::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (const uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

RunSecret RunSecret::fromHex(std::string_view text, std::string_view where) {
  const std::string_view digits = trim(text);
  if (digits.size() != 2 * kRunSecretBytes) {
    throw ConfigError(fmt::format("run secret from {} has {} characters; expected {} hex digits", where, digits.size(),
                                  2 * kRunSecretBytes));
  }
  RunSecret secret;
  for (size_t i = 0; i < digits.size(); ++i) {
    const int v = hexValue(digits[i]);
    if (v < 0) {
      throw ConfigError(fmt::format("run secret from {} has a non-hex character at position {}; expected {} hex digits",
                                    where, i, 2 * kRunSecretBytes));
    }
    secret.bytes[i / 2] = static_cast<uint8_t>(secret.bytes[i / 2] << 4 | v);
  }
  return secret;
}

RunSecret generateRunSecret() {
  RunSecret secret;
  if (RAND_bytes(secret.bytes.data(), static_cast<int>(secret.bytes.size())) != 1) {
    char reason[256] = "unknown reason";
    if (const unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, reason, sizeof reason);
    throw Error(fmt::format("cannot generate a run secret: RAND_bytes failed ({})", reason));
  }
  return secret;
}

RunSecret loadRunSecret(const std::string& explicit_file) {
  if (const char* hex = std::getenv(kSecretEnv); hex != nullptr && *hex != '\0') {
    return RunSecret::fromHex(hex, kSecretEnv);
  }
  if (const char* path = std::getenv(kSecretFileEnv); path != nullptr && *path != '\0') {
    return readSecretFile(path, kSecretFileEnv);
  }
  if (!explicit_file.empty()) return readSecretFile(explicit_file, "the command line");
  throw ConfigError(fmt::format(
      "no run secret: set {} (64 hex digits) or {} (a 0600 file holding them); the launcher normally does this",
      kSecretEnv, kSecretFileEnv));
}

void writeSecretFile(const std::string& path, const RunSecret& secret) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw ConfigError(fmt::format("cannot create run secret file '{}': {}", path, secretErrnoText(errno)));
  Fd guard(fd);
  const auto fail = [&](std::string_view what, int err) {
    ::unlink(path.c_str());
    throw ConfigError(fmt::format("cannot {} run secret file '{}': {}", what, path, secretErrnoText(err)));
  };
  // The umask can only clear bits, but make the mode exact whatever it is.
  if (::fchmod(fd, 0600) != 0) fail("set the mode of", errno);
  std::string text = secret.hex() + "\n";
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      const int err = n < 0 ? errno : EIO;
      OPENSSL_cleanse(text.data(), text.size());
      fail("write", err);
    }
  }
  OPENSSL_cleanse(text.data(), text.size());
}

}  // namespace fabcheck::protocol
