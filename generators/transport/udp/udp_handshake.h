// The UDP transport's connection handshake: HELLO / HELLO-ACK datagrams.
//
// Layout (16 bytes, little-endian): u32 magic kHandshakeMagic ("FBUH", never the wire header's
// "FBCK"), u8 type (1 HELLO, 2 ACK), u8 version (1), u16 zero, u64 nonce (random per connect).
//
// Client: its socket is connect()ed to the listener; it sends HELLO every kHelloIntervalNs until
// an ACK with its nonce arrives (TimeoutError naming the peer and the timeout; an ICMP port
// unreachable -> TransportError "connection refused by <peer>").
// The nonce is the listener's random token (endpoint field "token", handed to the peer out of
// band), so only a peer that was given the endpoint description can complete the handshake.
// Server: waits for a HELLO carrying the token (from `peer_address` when one is given; any other
// HELLO is dropped, not answered), connect()s the socket to the sender, discards whatever was queued before (strays, repeated HELLOs), then sends the ACK. Since
// the client sends data only after the ACK, everything after that is the peer's. HELLOs that
// still arrive later (repeats sent before the ACK landed) are acked/dropped by the data path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace fabcheck::transport::udp {

constexpr uint32_t kHandshakeMagic = 0x48554246;  // bytes "FBUH" in memory
constexpr uint8_t kHandshakeVersion = 1;
constexpr size_t kHandshakeSize = 16;
constexpr int64_t kHelloIntervalNs = 50'000'000;

enum class HandshakeType : uint8_t { kHello = 1, kAck = 2 };

struct HandshakeMsg {
  HandshakeType type = HandshakeType::kHello;
  uint64_t nonce = 0;
};

void encodeHandshake(const HandshakeMsg& m, std::byte* out) noexcept;
// A handshake message, or nullopt for anything else (data, foreign datagrams).
std::optional<HandshakeMsg> decodeHandshake(std::span<const std::byte> msg) noexcept;
uint64_t randomNonce();

// Sends one handshake message on a connected socket; false (errno set) when the send failed.
bool sendHandshake(int fd, HandshakeType type, uint64_t nonce) noexcept;

// Client side on a connected, non-blocking socket. `peer` names the listener in errors.
void clientHandshake(int fd, uint64_t nonce, const std::string& peer, int64_t timeout_ns);

// Server side on the bound, unconnected, non-blocking listening socket: accepts only a HELLO whose
// nonce is `token` and, when `peer_address` is non-empty, whose source IP is that address.
// `endpoint` names the listener in errors.
void serverHandshake(int fd, const std::string& endpoint, uint64_t token, const std::string& peer_address,
                     int64_t timeout_ns);

}  // namespace fabcheck::transport::udp
