// Typed exceptions of the control plane (docs/architecture.md, "Conventions").
//
// Contract: every message is one line that names the offending value, where it came from
// (option, file:line:col, host, phase) and what was expected. The data path (send/receive
// loops) never throws; it counts and returns a status instead.
#pragma once

#include <stdexcept>
#include <string>

namespace fabcheck {

// Base of every fabcheck error. `what()` is the full one-line message.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad user input: an option, a suite value, a malformed unit. CLI exit code 2.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// The host cannot do what was asked (no RDMA device, no GSO). Carries the reason.
class UnsupportedError : public Error {
 public:
  using Error::Error;
};

// A transport failed at set-up or tear-down (bind, connect, peer refused).
class TransportError : public Error {
 public:
  using Error::Error;
};

// A wait ran out of time. The message names what was awaited and for how long.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

// A control-channel peer sent something unacceptable (bad framing, wrong version).
class ProtocolError : public Error {
 public:
  using Error::Error;
};

// Agents (or any child process) could not be started or reached. CLI exit code 3 (infrastructure).
class LaunchError : public Error {
 public:
  using Error::Error;
};

}  // namespace fabcheck
