#include "generators/transport/verbs/soft/soft_wire.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace fabcheck::transport::verbs::soft {

namespace {

bool fillAddress(const std::string& path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return true;
}

}  // namespace

SoftWire::~SoftWire() {
  if (fd_ >= 0) ::close(fd_);
  if (!path_.empty()) ::unlink(path_.c_str());
}

int SoftWire::open(const std::string& fabric_dir) {
  std::random_device rd;
  path_ = fabric_dir + "/dev-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000);
  sockaddr_un addr;
  if (!fillAddress(path_, addr)) {
    path_.clear();
    return ENAMETOOLONG;
  }
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return errno;
  int size = 4 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    path_.clear();
    return e;
  }
  buf_.resize(sizeof(PacketHeader) + kMaxPiece);
  return 0;
}

int SoftWire::send(const std::string& to, const PacketHeader& h, const void* payload) const {
  sockaddr_un addr;
  if (!fillAddress(to, addr)) return ENOENT;
  iovec iov[2] = {{const_cast<PacketHeader*>(&h), sizeof h},
                  {const_cast<void*>(payload), h.payload_len}};
  msghdr msg{};
  msg.msg_name = &addr;
  msg.msg_namelen = sizeof addr;
  msg.msg_iov = iov;
  msg.msg_iovlen = h.payload_len > 0 ? 2 : 1;
  if (::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return 0;
  return errno == EWOULDBLOCK ? EAGAIN : errno;
}

bool SoftWire::receive(PacketHeader& h, std::vector<uint8_t>& payload) {
  for (;;) {
    ssize_t n = ::recv(fd_, buf_.data(), buf_.size(), MSG_DONTWAIT);
    if (n < 0) return false;
    if (static_cast<size_t>(n) < sizeof h) continue;
    std::memcpy(&h, buf_.data(), sizeof h);
    if (h.magic != kPacketMagic || sizeof h + h.payload_len != static_cast<size_t>(n)) continue;
    payload.assign(buf_.data() + sizeof h, buf_.data() + n);
    return true;
  }
}

}  // namespace fabcheck::transport::verbs::soft
