// `fabcheck gen --server`: the responder end of the pair tool.
//
// Listens on a TCP control port; per client session: hello/welcome (versions, host facts),
// then for each test: the client's parameters → listen one data endpoint per flow → send their
// descriptions → accept the client's connections → run this side's flows → return results.
// A bad request gets an "error" message naming the problem and the session goes on; a client
// that vanishes or stays silent past the timeouts ends its session, never the server.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "harness/pair/pair_types.h"

namespace fabcheck::pair {

class PairServer {
 public:
  // Binds the control port now (throws TransportError, e.g. port in use).
  explicit PairServer(ServerConfig config);
  ~PairServer();
  uint16_t port() const;
  // Serves clients until `stop` becomes true (checked at least every 200 ms), or after one
  // session when config.once. Returns the number of sessions that ended in an error.
  int serve(const std::atomic<bool>& stop);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fabcheck::pair
