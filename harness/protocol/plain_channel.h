// A MessageChannel over a bare ControlChannel: no authentication. For the pair tool's explicit
// `--no-auth` lab mode only; the controller<->agent link is always AuthenticatedChannel.
//
// Contract: exactly ControlChannel's framing, limits, timeouts and errors (control_channel.h),
// behind the MessageChannel interface (message_channel.h). `first_frame_limit` bounds the first
// frame received (a server passes kMaxPreAuthFrameBytes for the client's hello, as
// AuthenticatedChannel does); every later frame may be kMaxMessageBytes.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "harness/protocol/control_channel.h"
#include "harness/protocol/message_channel.h"

namespace fabcheck::protocol {

class PlainChannel : public MessageChannel {
 public:
  explicit PlainChannel(ControlChannel channel, uint32_t first_frame_limit = kMaxMessageBytes)
      : channel_(std::move(channel)) {
    channel_.setFrameLimit(first_frame_limit);
  }

  void send(const nlohmann::json& msg, int64_t timeout_ns) override { channel_.send(msg, timeout_ns); }
  nlohmann::json receive(int64_t timeout_ns, std::string_view phase = {}) override {
    nlohmann::json msg = channel_.receive(timeout_ns, phase);
    channel_.setFrameLimit(kMaxMessageBytes);
    return msg;
  }
  std::optional<nlohmann::json> tryReceive(int64_t timeout_ns, std::string_view phase = {}) override {
    std::optional<nlohmann::json> msg = channel_.tryReceive(timeout_ns, phase);
    if (msg) channel_.setFrameLimit(kMaxMessageBytes);
    return msg;
  }
  const std::string& peer() const override { return channel_.peer(); }
  std::string localAddress() const override { return channel_.localAddress(); }
  bool isOpen() const override { return channel_.isOpen(); }
  void close() noexcept override { channel_.close(); }
  int readinessFd() const override { return channel_.fd(); }

 private:
  ControlChannel channel_;
};

}  // namespace fabcheck::protocol
