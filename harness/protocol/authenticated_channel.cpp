#include "harness/protocol/authenticated_channel.h"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <memory>
#include <utility>

#include "generators/core/log.h"

namespace fabcheck::protocol {
namespace {

using nlohmann::json;
using Mac = std::array<unsigned char, kMacBytes>;

std::string authWhilePhase(std::string_view phase) {
  return phase.empty() ? std::string() : fmt::format(" while {}", phase);
}

[[noreturn]] void throwOpenSslError(std::string_view step) {
  char reason[256] = "unknown reason";
  if (const unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  throw Error(fmt::format("HMAC-SHA256 in OpenSSL failed at {}: {}", step, reason));
}

struct MacDeleter {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;

// An HMAC-SHA256 context keyed with `secret`.
MacCtx keyedContext(const RunSecret& secret) {
  const std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (!mac) throwOpenSslError("EVP_MAC_fetch");
  MacCtx ctx(EVP_MAC_CTX_new(mac.get()));  // holds its own reference to the algorithm
  if (!ctx) throwOpenSslError("EVP_MAC_CTX_new");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), secret.bytes.data(), secret.bytes.size(), params) != 1) throwOpenSslError("EVP_MAC_init");
  return ctx;
}

// HMAC-SHA256(secret, direction || u64 big-endian counter || payload) on `ctx`, keyed by
// keyedContext(): re-initialised with the same key (a null key keeps it).
Mac computeMac(EVP_MAC_CTX* ctx, char direction, uint64_t counter, std::string_view payload) {
  std::array<unsigned char, 9> prefix{};
  prefix[0] = static_cast<unsigned char>(direction);
  for (int i = 0; i < 8; ++i) prefix[1 + i] = static_cast<unsigned char>(counter >> (56 - 8 * i));
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1) throwOpenSslError("EVP_MAC_init");
  if (EVP_MAC_update(ctx, prefix.data(), prefix.size()) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) != 1) {
    throwOpenSslError("EVP_MAC_update");
  }
  Mac out{};
  size_t length = 0;
  if (EVP_MAC_final(ctx, out.data(), &length, out.size()) != 1 || length != out.size()) {
    throwOpenSslError("EVP_MAC_final");
  }
  return out;
}

// Runs `receive` and logs every refusal (ProtocolError, AuthenticationError included) before
// rethrowing it, so that each refused message leaves a line naming its peer.
template <typename F>
auto logRefusal(F&& receive) -> decltype(receive()) {
  try {
    return receive();
  } catch (const ProtocolError& e) {
    log::warn("refused: {}", e.what());
    throw;
  }
}

}  // namespace

struct AuthenticatedChannel::KeyedMac {
  EVP_MAC_CTX* ctx;  // owned
  explicit KeyedMac(MacCtx c) : ctx(c.release()) {}
  ~KeyedMac() { EVP_MAC_CTX_free(ctx); }
  KeyedMac(const KeyedMac&) = delete;
  KeyedMac& operator=(const KeyedMac&) = delete;
};

void AuthenticatedChannel::KeyedMacDeleter::operator()(KeyedMac* m) const noexcept { delete m; }

Mac AuthenticatedChannel::macOf(char direction, uint64_t counter, std::string_view payload) {
  if (!mac_) mac_.reset(new KeyedMac(keyedContext(secret_)));
  return computeMac(mac_->ctx, direction, counter, payload);
}

AuthenticatedChannel::AuthenticatedChannel(ControlChannel channel, const RunSecret& secret, Role role)
    : channel_(std::move(channel)),
      secret_(secret),
      tx_direction_(role == Role::kConnector ? 'A' : 'C'),
      rx_direction_(role == Role::kConnector ? 'C' : 'A') {
  // Until the peer has proved the secret it gets a small frame, not 16 MiB (see the header).
  if (role == Role::kAcceptor) channel_.setFrameLimit(kMaxPreAuthFrameBytes);
}

void AuthenticatedChannel::send(const json& msg, int64_t timeout_ns) {
  const std::string text = msg.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > kMaxMessageBytes - kMacBytes) {
    throw ProtocolError(fmt::format("message of {} bytes to {} exceeds the 16 MiB limit (with its {}-byte MAC)",
                                    text.size(), peer(), kMacBytes));
  }
  const Mac mac = macOf(tx_direction_, tx_counter_, text);
  std::string frame;
  frame.reserve(kMacBytes + text.size());
  frame.append(reinterpret_cast<const char*>(mac.data()), mac.size());
  frame += text;
  channel_.sendFrame(frame, timeout_ns);
  ++tx_counter_;
}

json AuthenticatedChannel::receive(int64_t timeout_ns, std::string_view phase) {
  return logRefusal([&] { return acceptFrame(channel_.receiveFrame(timeout_ns, phase), phase); });
}

std::optional<json> AuthenticatedChannel::tryReceive(int64_t timeout_ns, std::string_view phase) {
  return logRefusal([&]() -> std::optional<json> {
    std::optional<std::string> frame = channel_.tryReceiveFrame(timeout_ns, phase);
    if (!frame) return std::nullopt;
    return acceptFrame(std::move(*frame), phase);
  });
}

json AuthenticatedChannel::acceptFrame(std::string frame, std::string_view phase) {
  if (frame.size() < kMacBytes) {
    const std::string what =
        fmt::format("message of {} bytes from {}{} is too short to carry its {}-byte authentication code", frame.size(),
                    peer(), authWhilePhase(phase), kMacBytes);
    channel_.close();
    throw ProtocolError(what);
  }
  const std::string_view text = std::string_view(frame).substr(kMacBytes);
  const Mac expected = macOf(rx_direction_, rx_counter_, text);
  if (CRYPTO_memcmp(expected.data(), frame.data(), kMacBytes) != 0) {
    const std::string what = fmt::format("message from {}{} failed authentication (wrong run secret, or tampered)",
                                         peer(), authWhilePhase(phase));
    channel_.close();
    throw AuthenticationError(what);
  }
  if (rx_counter_++ == 0) channel_.setFrameLimit(kMaxMessageBytes);  // the peer holds the secret

  json msg;
  try {
    msg = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw ProtocolError(fmt::format("message of {} bytes from {}{} is not valid JSON (error at byte {})", text.size(),
                                    peer(), authWhilePhase(phase), e.byte));
  } catch (const json::out_of_range&) {  // a number beyond double's range (1e400)
    throw ProtocolError(fmt::format("message of {} bytes from {}{} is not valid JSON (a number out of range)", text.size(),
                                    peer(), authWhilePhase(phase)));
  }
  if (!msg.is_object()) {
    throw ProtocolError(
        fmt::format("message from {}{} is a JSON {}, expected an object", peer(), authWhilePhase(phase), msg.type_name()));
  }
  const auto version = msg.find("version");
  if (version == msg.end() || !version->is_number_integer()) {
    throw ProtocolError(fmt::format("message from {}{} has no integer \"version\" field (ours is {})", peer(),
                                    authWhilePhase(phase), kProtocolVersion));
  }
  const bool ours = version->is_number_unsigned() ? version->get<uint64_t>() == kProtocolVersion
                                                  : version->get<int64_t>() == kProtocolVersion;
  if (!ours) {
    throw ProtocolError(fmt::format("protocol version {} from {} does not match ours ({})", version->dump(), peer(),
                                    kProtocolVersion));
  }
  return msg;
}

}  // namespace fabcheck::protocol
