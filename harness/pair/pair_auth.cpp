#include "harness/pair/pair_auth.h"

#include <cstdlib>

#include "generators/core/errors.h"
#include "harness/protocol/plain_channel.h"

namespace fabcheck::pair {

protocol::RunSecret loadPairSecret(const std::string& secret_file) {
  if (!secret_file.empty()) return protocol::readSecretFile(secret_file, "--secret-file");
  if (const char* hex = std::getenv(kPairSecretEnv); hex != nullptr && *hex != '\0') {
    return protocol::RunSecret::fromHex(hex, kPairSecretEnv);
  }
  throw ConfigError(std::string("no secret: give --secret-file FILE or set ") + kPairSecretEnv +
                    " (64 hex digits, e.g. from `openssl rand -hex 32`), the same on both ends; or --no-auth on "
                    "both ends for an isolated lab");
}

std::unique_ptr<protocol::MessageChannel> openPairChannel(protocol::ControlChannel ch,
                                                          const std::optional<protocol::RunSecret>& secret,
                                                          protocol::AuthenticatedChannel::Role role) {
  if (secret) return std::make_unique<protocol::AuthenticatedChannel>(std::move(ch), *secret, role);
  const bool server = role == protocol::AuthenticatedChannel::Role::kAcceptor;
  return std::make_unique<protocol::PlainChannel>(std::move(ch),
                                                  server ? protocol::kMaxPreAuthFrameBytes : protocol::kMaxMessageBytes);
}

}  // namespace fabcheck::pair
