// Two connected MessageChannel ends in one process, for tests that run the controller's or the
// agent's state machine against a scripted peer (no sockets, no secret).
//
// Contract: what one end sends, the other receives in order (each message is copied through its
// JSON text, as on the wire). close() on either end closes both: the closing end then throws
// TransportError "control connection to <peer> is closed" on every call; the other end still
// receives what was sent before, then TransportError "peer <name> closed the control connection".
// tryReceive() waits on a condition variable for at most its timeout. Each end is used by one
// thread at a time; the two ends may be used from two threads.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "harness/protocol/message_channel.h"

namespace fabcheck::protocol {

class InMemoryChannel : public MessageChannel {
 public:
  // Two ends: `a_name` is how the second end names the first (its peer()), and vice versa.
  static std::pair<std::unique_ptr<InMemoryChannel>, std::unique_ptr<InMemoryChannel>> makePair(std::string a_name,
                                                                                              std::string b_name);
  ~InMemoryChannel() override;

  void send(const nlohmann::json& message, int64_t timeout_ns) override;
  std::optional<nlohmann::json> tryReceive(int64_t timeout_ns, std::string_view phase = {}) override;
  const std::string& peer() const override { return peer_; }
  std::string localAddress() const override;
  bool isOpen() const override;
  void close() noexcept override;

 private:
  struct Shared;
  InMemoryChannel(std::shared_ptr<Shared> shared, int side, std::string peer);

  std::shared_ptr<Shared> shared_;
  int side_;
  std::string peer_;
};

}  // namespace fabcheck::protocol
