// `fabcheck gen --server`: the responder end of the pair tool.
//
// Listens on a TCP control port. Each connection gets its own thread: it must say an authenticated
// hello (pair_auth.h: the shared secret, unless config.secret is nullopt for --no-auth) within
// config.idle_timeout_ns, else it is dropped; then it is a session (pair_session.h): welcome, then
// for each test: the client's parameters, checked against the server's limits → one data endpoint
// per flow, for the client's address alone → accept the client's connections → run this side's
// flows → return results. A bad request gets an "error" naming the problem and the session goes on;
// a client that vanishes, stays silent past the idle timeout, or fails authentication ends its own
// connection, never the server.
//
// Bounds (config.limits): at most max_sessions authenticated sessions at once (one more is told
// "server busy ..." and closed); at most max_pending connections still in their hello (a new one
// beyond that drops the oldest, so idle connections cannot lock real clients out); at most
// max_pending + max_sessions connection threads (a new connection's thread starts once a dropped
// one's has ended, waiting at most 2 s for that). Memory freed by a session is returned to the
// system when it ends (malloc_trim).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "harness/pair/pair_types.h"

namespace fabcheck::pair {

class PairServer {
 public:
  // Binds the control port now (throws TransportError, e.g. port in use).
  explicit PairServer(ServerConfig config);
  ~PairServer();
  uint16_t port() const;
  // Serves clients until `stop` becomes true (checked at least every 200 ms), or after one
  // authenticated session when config.once. Waits for the sessions running then to end. Returns
  // the number of connections that ended in an error (failed authentication included).
  int serve(const std::atomic<bool>& stop);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fabcheck::pair
