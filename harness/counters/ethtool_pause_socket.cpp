// readPauseStats() (ethtool_pause_netlink.h): the generic-netlink socket side — one socket in
// the namespace, the family lookup, then ETHTOOL_MSG_PAUSE_GET; each answer read until the
// kernel's acknowledgement, every wait bounded by the socket's receive timeout.
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "harness/counters/ethtool_pause_netlink.h"
#include "harness/counters/netns_socket.h"

namespace fabcheck::counters {
namespace {

uint32_t nextSeq() {
  static std::atomic<uint32_t> seq{static_cast<uint32_t>(monoNowNs())};
  return ++seq;
}

void setOption(int fd, int level, int name, int value) { ::setsockopt(fd, level, name, &value, sizeof(value)); }

void setReceiveTimeout(int fd, int64_t ns) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  tv.tv_usec = static_cast<suseconds_t>((ns % 1'000'000'000) / 1000);
  if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1;  // 0 would mean "wait forever"
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

// Sends `request` to the kernel and returns every datagram received until the answer to `seq`
// is complete (parseGenlAnswer), by `deadline_ns` (CLOCK_MONOTONIC).
std::vector<uint8_t> transact(int fd, const std::vector<uint8_t>& request, uint32_t seq, uint16_t family, uint8_t reply_cmd,
                              int64_t deadline_ns, int64_t timeout_ns, const std::string& what) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0) {
    throw Error(what + ": sending the request: " + std::strerror(errno));
  }
  std::vector<uint8_t> all;
  std::vector<uint8_t> buf(64 * 1024);
  for (;;) {
    const int64_t left = deadline_ns - monoNowNs();
    if (left <= 0) throw TimeoutError(what + ": no complete answer within " + std::to_string(timeout_ns / 1'000'000) + " ms");
    setReceiveTimeout(fd, left);
    iovec iov{buf.data(), buf.size()};
    sockaddr_nl from{};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    const ssize_t n = ::recvmsg(fd, &msg, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;  // the deadline check above ends it
    if (n < 0) throw Error(what + ": receiving the answer: " + std::strerror(errno));
    if (msg.msg_flags & MSG_TRUNC) throw Error(what + ": an answer datagram is larger than " + std::to_string(buf.size()) + " bytes");
    if (from.nl_pid != 0) continue;  // not from the kernel
    all.insert(all.end(), buf.begin(), buf.begin() + n);
    if (parseGenlAnswer(all, seq, family, reply_cmd, what).complete) return all;
  }
}

}  // namespace

PauseRead readPauseStats(const std::string& ifname, const std::string& netns, int64_t timeout_ns) {
  const std::string where = ifname + (netns.empty() ? "" : " in namespace " + netns);
  bool entered = true;
  const int fd = socketInNamespace(netns, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, &entered);
  if (fd < 0 && !entered) {
    PauseRead r;
    r.availability = PauseAvailability::kNoNamespace;
    r.reason = "entering the namespace " + netns + " for " + ifname + ": " + std::strerror(-fd);
    return r;
  }
  if (fd < 0) throw Error("generic-netlink socket for " + where + ": " + std::strerror(-fd));
  const FdCloser closer(fd);
  setOption(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);  // the kernel's error text; older kernels: none
  setOption(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);  // errors without a copy of the request
  const int64_t deadline = monoNowNs() + timeout_ns;

  const uint32_t family_seq = nextSeq();
  const std::string family_what = "the 'ethtool' family lookup for " + where;
  const auto family_bytes =
      transact(fd, familyRequest(family_seq), family_seq, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, deadline, timeout_ns, family_what);
  const std::optional<uint16_t> family = parseFamilyAnswer(family_bytes, family_seq, where);
  if (!family) {
    PauseRead r;
    r.availability = PauseAvailability::kNoFamily;
    r.reason = where + ": no 'ethtool' generic-netlink family in this kernel (before Linux 5.6, or built without CONFIG_ETHTOOL_NETLINK)";
    return r;
  }
  const uint32_t seq = nextSeq();
  const auto bytes = transact(fd, pauseRequest(*family, ifname, seq), seq, *family, ETHTOOL_MSG_PAUSE_GET_REPLY, deadline, timeout_ns,
                              "ETHTOOL_MSG_PAUSE_GET for " + where);
  return parsePauseAnswer(bytes, seq, *family, where);
}

}  // namespace fabcheck::counters
