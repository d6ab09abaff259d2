// The verbs transport's options: what TransportOptions.extra may hold for "verbs", their
// defaults (perftest's where perftest has one) and their checks.
//
// Keys (all strings in TransportOptions.extra; suite keys and `fabcheck gen` flags of the same
// names fill them):
//   verb          send | write | write_imm | read        (default send)
//   connection    rc | ud                                (default rc; ud: SEND only)
//   qps           QPs per connection, 1..64              (default 1; perftest -q)
//   device        RDMA device name (mlx5_0)              (default: the one carrying the data address)
//   port          port number, 1..255                    (default: as device)
//   gid_index     GID table index, 0..1023               (default: the RoCE v2 GID of the data address)
//   mtu           256 | 512 | 1024 | 2048 | 4096         (default: the smaller active MTU of the ends)
//   sl            IB service level 0..15                 (default 0)
//   timeout       local ACK timeout exponent 0..31       (default 14: 4.096 us * 2^14 = 67 ms)
//   retry_cnt     0..7                                   (default 7)
//   rnr_retry     0..7 (7 = retry forever)               (default 7)
//   min_rnr_timer 0..31 (IB encoding)                    (default 12: 0.64 ms)
//   tx_depth      send queue depth 1..8192               (default 128, perftest's)
//   rx_depth      receive queue depth 1..8192            (default 512, perftest's)
//   post_list     work requests per ibv_post_send 1..256 (default 1; perftest -l)
//   cq_mod        signal one send in N, 1..1024          (default 1; perftest --cq-mod)
//   inline        max inline bytes, 0..1024              (default: min(device limit, 236))
//   exchange      tcp                                    (default tcp; rdma_cm is not built yet)
// A shared key (verb, connection, qps, mtu, timeouts, depths...) must be equal on both ends;
// device/port/gid_index are each host's own.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fabcheck::transport::verbs {

enum class Verb : uint8_t { kSend, kWrite, kWriteImm, kRead };
enum class QpKind : uint8_t { kRc, kUd };

struct VerbsOptions {
  Verb verb = Verb::kSend;
  QpKind connection = QpKind::kRc;
  uint32_t qps = 1;
  std::string device;                 // empty: discover from the data address
  std::optional<uint8_t> port;
  std::optional<uint32_t> gid_index;
  std::optional<uint32_t> mtu;        // bytes; empty: min of the two ends' active MTU
  uint8_t sl = 0;
  uint8_t timeout = 14;
  uint8_t retry_cnt = 7;
  uint8_t rnr_retry = 7;
  uint8_t min_rnr_timer = 12;
  uint32_t tx_depth = 128;
  uint32_t rx_depth = 512;
  uint32_t post_list = 1;
  uint32_t cq_mod = 1;
  std::optional<uint32_t> inline_bytes;
};

const char* toString(Verb v) noexcept;
const char* toString(QpKind k) noexcept;

// The keys above, in that order (for error messages, docs and the suite loader).
const std::vector<std::string>& verbsOptionKeys();

// Parses and checks `extra`. Throws ConfigError "verbs: option '<key>' is '<value>'; expected
// <what>" for a bad value, and names the nearest known key for an unknown one.
VerbsOptions parseVerbsOptions(const std::map<std::string, std::string>& extra);

// Checks one key/value pair (the suite loader calls this to report file:line:col). Returns the
// error text without the "verbs: " prefix, or empty when valid.
std::string checkVerbsOption(const std::string& key, const std::string& value);

}  // namespace fabcheck::transport::verbs
