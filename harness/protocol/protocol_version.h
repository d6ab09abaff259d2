// The version every control-connection message carries ("version"), on both protocols
// (controller<->agent, gen client<->server). A peer of another version is refused with both
// versions named (control_channel.h, authenticated_channel.h, message_codec.h).
#pragma once

#include <cstdint>

namespace fabcheck::protocol {

constexpr uint32_t kProtocolVersion = 1;

}  // namespace fabcheck::protocol
