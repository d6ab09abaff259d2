// Concurrent registration of agents on the controller's control listener.
//
// Contract:
// - A RegistrationDesk accepts connections and reads their registrations in one background
//   thread, event-driven (epoll over the listener and every connection not yet registered), so
//   thousands of agents register without a thread each, and a silent, slow or hostile peer (a
//   port scanner, a half-open connection) never delays anyone else. Each read is bounded by
//   `per_connection_timeout_ns` from the moment the connection was accepted.
// - next() hands out completed registrations — authenticated, of our protocol version, of type
//   "register", fields parsed into an AgentInfo — in the order they completed. Which agent ids
//   are wanted is the caller's business: it refuses the others with refuse().
// - Every refusal (unauthenticated, garbage, oversized, wrong version, another message type,
//   malformed fields, silent past the timeout, too many connections at once) is logged (warn)
//   with the peer's address and closes the connection. A peer that authenticated is first sent
//   an "error" message saying why, so that the agent can log it (e.g. both protocol versions).
// - At most `max_pending` connections are read at once; when a new one comes beyond that, the
//   oldest pending connection (one that has not registered) is closed, logged, to make room, so
//   idle connections opened before the agents cannot lock them out (issue 19).
// - The destructor stops accepting, cancels the reads still pending (closing those connections,
//   logged) and joins the thread, which it wakes at once. Registrations handed out by next() are
//   the caller's; those completed but not taken are refused (told, logged, closed).
// - next() is called from one thread; the desk is neither copyable nor movable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness/controller/controller.h"
#include "harness/protocol/authenticated_channel.h"

namespace fabcheck::controller {

struct Registration {
  protocol::AuthenticatedChannel channel;
  AgentInfo info;  // id, host facts and peer; clock fields unmeasured
};

// The AgentInfo a "register" message describes. Throws ProtocolError "registration from <peer>:
// ..." naming a missing or malformed field (agent_id is required; the host facts are optional).
AgentInfo agentInfoFromRegistration(const nlohmann::json& reg, const std::string& peer);

struct RegistrationOptions {
  int64_t per_connection_timeout_ns = 30'000'000'000;
  size_t max_pending = 64;
};

class RegistrationDesk {
 public:
  static constexpr int64_t kSliceNs = 100'000'000;

  RegistrationDesk(protocol::ControlListener& listener, const protocol::RunSecret& secret,
                   RegistrationOptions options);
  ~RegistrationDesk();
  RegistrationDesk(const RegistrationDesk&) = delete;
  RegistrationDesk& operator=(const RegistrationDesk&) = delete;

  // The next completed registration, or nullopt when none completed within `timeout_ns`.
  std::optional<Registration> next(int64_t timeout_ns);

  // Tells the peer why it is refused (an "error" message; bounded, best effort), logs it and
  // closes the connection.
  static void refuse(Registration r, const std::string& why);

 private:
  struct Pending {
    protocol::AuthenticatedChannel channel;
    int64_t deadline_ns;
  };
  void loop();
  void acceptReady();
  void readPending(uint64_t key);
  void expireOverdue(int64_t now);
  bool evictOldest(const std::string& newcomer);  // false: nothing to evict (then refuse it)
  void forget(uint64_t key);  // out of the epoll set and the pending map (its channel closes)
  void finishRegistration(protocol::AuthenticatedChannel ch, const nlohmann::json& reg);

  protocol::ControlListener& listener_;
  protocol::RunSecret secret_;
  RegistrationOptions options_;

  // The desk thread's own.
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: the destructor wakes the thread
  uint64_t next_key_ = 0;
  std::map<uint64_t, Pending> pending_;
  std::deque<std::pair<int64_t, uint64_t>> deadlines_;  // (deadline, key) in accept order = deadline order

  std::mutex mutex_;
  std::condition_variable changed_;
  std::atomic<bool> stopping_{false};
  std::deque<Registration> done_;  // under mutex_
  std::thread thread_;
};

}  // namespace fabcheck::controller
