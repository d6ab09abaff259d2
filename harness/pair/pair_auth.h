// How the pair tool's two ends prove they share a secret (`fabcheck gen --secret-file FILE`, or
// FABCHECK_SECRET in the environment; never on the command line, where `ps` shows it).
//
// Contract:
// - loadPairSecret(file): the secret from `file` when non-empty (the run-secret file rules of
//   run_secret.h: a regular file we own, mode 0600 or stricter, 64 hex digits), else from
//   FABCHECK_SECRET (64 hex digits). ConfigError naming the source on a bad secret, and
//   "no secret: give --secret-file FILE or set FABCHECK_SECRET (64 hex digits, e.g. from
//   `openssl rand -hex 32`), or --no-auth on both ends for a lab" when neither is set.
// - openPairChannel(ch, secret, role): the channel both ends talk through: AuthenticatedChannel
//   (authenticated_channel.h: HMAC-SHA256 on every message, counters against replay within the
//   connection) when a secret is given, PlainChannel (plain_channel.h) when not. As the acceptor
//   (the server) either bounds the client's first frame, its hello, to kMaxPreAuthFrameBytes.
// - kNoAuthWarning is the line both ends print at start under --no-auth.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "harness/protocol/authenticated_channel.h"
#include "harness/protocol/control_channel.h"
#include "harness/protocol/message_channel.h"
#include "harness/protocol/run_secret.h"

namespace fabcheck::pair {

constexpr const char* kPairSecretEnv = "FABCHECK_SECRET";
constexpr const char* kNoAuthWarning =
    "WARNING: --no-auth: the pair tool's control channel is NOT authenticated; anyone who can reach "
    "the server's port can make it send traffic. Use only in an isolated lab.";

protocol::RunSecret loadPairSecret(const std::string& secret_file);

std::unique_ptr<protocol::MessageChannel> openPairChannel(protocol::ControlChannel ch,
                                                          const std::optional<protocol::RunSecret>& secret,
                                                          protocol::AuthenticatedChannel::Role role);

}  // namespace fabcheck::pair
