#include "generators/transport/verbs/soft/soft_fabric_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <random>

namespace fabcheck::transport::verbs::soft {

namespace {

std::string qpnPath(const std::string& dir, uint32_t qpn) {
  return dir + "/qpn/" + std::to_string(qpn);
}

int makeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0777) == 0 || errno == EEXIST) return 0;
  return errno;
}

}  // namespace

int ensureFabricDir(const std::string& dir) {
  if (int e = makeDir(dir)) return e;
  return makeDir(dir + "/qpn");
}

int registerQpn(const std::string& dir, const std::string& socket_path,
                const std::vector<std::string>& gid_hex, uint32_t* qpn) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<uint32_t> pick(2, 0xffffff);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    uint32_t candidate = pick(rng);
    std::string path = qpnPath(dir, candidate);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      return errno;
    }
    std::string text = socket_path + "\n";
    for (const auto& g : gid_hex) text += g + "\n";
    ssize_t n = ::write(fd, text.data(), text.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(text.size())) {
      ::unlink(path.c_str());
      return EIO;
    }
    *qpn = candidate;
    return 0;
  }
  return ENOSPC;
}

std::string lookupQpn(const std::string& dir, uint32_t qpn) {
  std::ifstream in(qpnPath(dir, qpn));
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  return line;
}

void unregisterQpn(const std::string& dir, uint32_t qpn) { ::unlink(qpnPath(dir, qpn).c_str()); }

}  // namespace fabcheck::transport::verbs::soft
