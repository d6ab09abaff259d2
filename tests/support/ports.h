// Test support: a loopback port that nothing listens on right now (bound, read back, closed).
// Racy by nature only against other processes taking the same port in the next instant.
#pragma once

#include <cstdint>

namespace fabcheck::testing {

// `type` is SOCK_STREAM or SOCK_DGRAM.
uint16_t unusedLoopbackPort(int type);

}  // namespace fabcheck::testing
