#include "harness/fabric/fabric_calibration.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "harness/counters/netns_socket.h"
#include "harness/fabric/fabric_error.h"

namespace fabcheck::fabric {
namespace {

constexpr size_t kDatagram = 1400;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

sockaddr_in addressOf(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

// A UDP socket in host `h`'s namespace; bound to its data address when `bind_port` is non-zero.
int hostSocket(const FabricHost& h, uint16_t bind_port) {
  const int fd = counters::socketInNamespace(h.ns, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw FabricError("fabric calibration: cannot open a UDP socket in " + h.ns + ": " + std::strerror(-fd));
  const int buf = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  if (bind_port) {
    const sockaddr_in a = addressOf(h.data_address, bind_port);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      const int e = errno;
      ::close(fd);
      throw FabricError("fabric calibration: cannot bind " + h.data_address + ":" + std::to_string(bind_port) + " in " + h.ns + ": " +
                        std::strerror(e));
    }
  }
  return fd;
}

void sendUntil(int fd, const sockaddr_in& to, int64_t end_ns) {
  std::vector<char> payload(kDatagram, 'c');
  while (nowNs() < end_ns) {
    for (int i = 0; i < 64; ++i) {
      ::sendto(fd, payload.data(), payload.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    }
  }
}

uint64_t receiveUntil(int fd, const std::atomic<int64_t>& end_ns) {
  std::vector<char> buf(kDatagram + 1);
  uint64_t bytes = 0;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 10);
    for (;;) {
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n <= 0) break;
      bytes += static_cast<uint64_t>(n) + 42;  // + UDP, IPv4 and Ethernet headers: what a port carries
    }
    if (nowNs() >= end_ns.load()) return bytes;
  }
}

}  // namespace

std::optional<Calibration> calibrateFabric(const FabricLayout& l, int64_t duration_ns) {
  const size_t n = l.hosts.size();
  if (n < 2) return std::nullopt;
  struct Sockets {
    std::vector<int> rx, tx;
    ~Sockets() {
      for (int fd : rx) ::close(fd);
      for (int fd : tx) ::close(fd);
    }
  } s;
  for (const auto& h : l.hosts) {
    s.rx.push_back(hostSocket(h, kCalibrationPort));
    s.tx.push_back(hostSocket(h, 0));
  }
  const std::vector<int>& rx = s.rx;
  const std::vector<int>& tx = s.tx;
  std::vector<uint64_t> got(n, 0);
  std::atomic<int64_t> rx_end{INT64_MAX};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) threads.emplace_back([&, i] { got[i] = receiveUntil(rx[i], rx_end); });
  const int64_t start = nowNs(), end = start + duration_ns;
  std::vector<std::thread> senders;
  for (size_t i = 0; i < n; ++i) {
    const sockaddr_in to = addressOf(l.hosts[(i + 1) % n].data_address, kCalibrationPort);
    senders.emplace_back([&, i, to] { sendUntil(tx[i], to, end); });
  }
  for (auto& t : senders) t.join();
  rx_end.store(nowNs() + 200'000'000);
  for (auto& t : threads) t.join();
  Calibration c;
  c.duration_ns = duration_ns;
  c.hosts = static_cast<int>(n);
  const double seconds = static_cast<double>(duration_ns) / 1e9;
  for (uint64_t g : got) c.total_bps += static_cast<double>(g) * 8 / seconds;
  c.per_port_bps = c.total_bps / static_cast<double>(n);
  c.slowest_port_bps = static_cast<double>(*std::min_element(got.begin(), got.end())) * 8 / seconds;
  return c;
}

uint64_t autoRate(double per_port_bps) {
  const double cap = 0.7 * per_port_bps;
  if (cap < 1e6) return 1'000'000;
  const double decade = std::pow(10.0, std::floor(std::log10(cap)));
  const double digit = std::max(1.0, std::floor(cap / decade));  // 1..9
  return static_cast<uint64_t>(digit * decade);
}

}  // namespace fabcheck::fabric
