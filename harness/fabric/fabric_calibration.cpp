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
#include <ctime>
#include <thread>
#include <vector>

#include "harness/counters/netns_socket.h"
#include "harness/fabric/fabric_error.h"

namespace fabcheck::fabric {
namespace {

constexpr size_t kDatagram = 1400;
constexpr size_t kWireBytes = kDatagram + 42;  // + UDP, IPv4 and Ethernet headers: what a port carries

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

// Sends until end_ns: as fast as the socket takes datagrams, or paced to `pace_bps` of what a
// port carries (kWireBytes per datagram), catching up after a late wake-up.
void sendUntil(int fd, const sockaddr_in& to, int64_t start_ns, int64_t end_ns, double pace_bps) {
  std::vector<char> payload(kDatagram, 'c');
  uint64_t sent = 0;
  for (int64_t now = nowNs(); now < end_ns; now = nowNs()) {
    if (pace_bps > 0) {
      const double due = static_cast<double>(now - start_ns) / 1e9 * pace_bps / 8 / kWireBytes;
      if (static_cast<double>(sent) >= due) {
        const timespec ts{0, 50'000};
        ::nanosleep(&ts, nullptr);
        continue;
      }
    }
    for (int i = 0; i < 16; ++i) {
      ::sendto(fd, payload.data(), payload.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to), sizeof to);
      ++sent;
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
      bytes += static_cast<uint64_t>(n) + kWireBytes - kDatagram;
    }
    if (nowNs() >= end_ns.load()) return bytes;
  }
}

}  // namespace

std::optional<Calibration> calibrateFabric(const FabricLayout& l, int64_t duration_ns, double pace_bps) {
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
    senders.emplace_back([&, i, to] { sendUntil(tx[i], to, start, end, pace_bps); });
  }
  for (auto& t : senders) t.join();
  rx_end.store(nowNs() + 200'000'000);
  for (auto& t : threads) t.join();
  Calibration c;
  c.duration_ns = duration_ns;
  c.hosts = static_cast<int>(n);
  const double seconds = static_cast<double>(duration_ns) / 1e9;
  for (uint64_t g : got) {
    c.port_bps.push_back(static_cast<double>(g) * 8 / seconds);
    c.total_bps += c.port_bps.back();
  }
  c.per_port_bps = c.total_bps / static_cast<double>(n);
  c.slowest_port_bps = static_cast<double>(*std::min_element(got.begin(), got.end())) * 8 / seconds;
  return c;
}

uint64_t nextLowerRate(uint64_t rate_bps) {
  if (rate_bps <= 1'000'000) return 0;
  const double decade = std::pow(10.0, std::floor(std::log10(static_cast<double>(rate_bps))));
  const double digit = std::floor(static_cast<double>(rate_bps) / decade);
  return static_cast<uint64_t>(digit > 1 ? (digit - 1) * decade : 0.9 * decade);
}

bool carriesRate(const Calibration& c, uint64_t rate_bps) {
  if (c.port_bps.empty()) return false;
  return std::all_of(c.port_bps.begin(), c.port_bps.end(), [&](double b) { return b >= kCarriedShare * static_cast<double>(rate_bps); });
}

uint64_t autoRate(double per_port_bps) {
  const double cap = 0.7 * per_port_bps;
  if (cap < 1e6) return 1'000'000;
  const double decade = std::pow(10.0, std::floor(std::log10(cap)));
  const double digit = std::max(1.0, std::floor(cap / decade));  // 1..9
  return static_cast<uint64_t>(digit * decade);
}

}  // namespace fabcheck::fabric
