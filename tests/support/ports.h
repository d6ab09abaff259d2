// Test support: a loopback port that nothing listens on right now (bound, read back, closed).
// Racy by nature only against other processes taking the same port in the next instant.
#pragma once

#include <cstdint>

namespace fabcheck::testing {

// A host name that fails to resolve inside the resolver library, before any DNS query leaves
// the host: one label longer than DNS's 63-byte limit. Tests of "unresolvable host" use it so
// they never send traffic to the configured (remote) name server.
inline constexpr const char* kUnresolvableHost =
    "fabtest-unresolvable-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.invalid";

// `type` is SOCK_STREAM or SOCK_DGRAM.
uint16_t unusedLoopbackPort(int type);

}  // namespace fabcheck::testing
