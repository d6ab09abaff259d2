// Test support: a TCP relay on loopback that a test can cut, to break a control connection
// the way a failed link or a middlebox would, without touching either end.
//
// TcpProxy listens on 127.0.0.1 (a kernel-chosen port, port()); for each client it accepts it
// connects to upstream_host:upstream_port (at that moment, so the upstream need not exist
// before) and relays bytes both ways in one background thread (poll, non-blocking sockets).
// A client whose upstream connection fails is closed.
//
// cut() ends every connection relayed so far at once: both sockets of each pair are shut down
// and closed, so each end sees its connection end (EOF / reset) although neither closed it.
// Connections accepted after cut() are relayed as usual. cut() returns once the relay thread
// has done it (bounded: 5 s, else it returns false).
//
// Every wait is bounded; the destructor stops the thread and closes every socket. Not copyable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace fabcheck::testing {

class TcpProxy {
 public:
  TcpProxy(std::string upstream_host, uint16_t upstream_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  uint16_t port() const { return port_; }
  // Connections accepted so far, and those currently relayed (not cut, not ended).
  int accepted() const { return accepted_.load(); }
  int open() const { return open_.load(); }
  // Bytes relayed so far, client→upstream plus upstream→client.
  uint64_t bytesRelayed() const { return bytes_.load(); }

  // Cuts every current connection (see above). True once done.
  bool cut();

 private:
  void loop();
  void wake();

  std::string upstream_host_;
  uint16_t upstream_port_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<int> open_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<bool> stop_{false};

  std::mutex mutex_;
  std::condition_variable cut_done_;
  uint64_t cuts_requested_ = 0;  // under mutex_
  uint64_t cuts_done_ = 0;       // under mutex_

  std::thread thread_;
};

}  // namespace fabcheck::testing
