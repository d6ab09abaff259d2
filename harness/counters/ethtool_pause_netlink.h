// The standard pause statistics and pause settings of one interface, through the kernel's
// "ethtool" generic-netlink family: ETHTOOL_MSG_PAUSE_GET with ETHTOOL_FLAG_STATS in the request
// header (what `ethtool -I -a <if>` prints), without running or parsing ethtool. Layout:
// linux/ethtool_netlink.h and the kernel's net/ethtool/pause.c — the reply carries
// ETHTOOL_A_PAUSE_HEADER, _AUTONEG/_RX/_TX (u8), and with the flag an ETHTOOL_A_PAUSE_STATS nest of
// u64 _STAT_TX_FRAMES/_STAT_RX_FRAMES (a driver without get_pause_stats leaves it empty; a counter
// it does not fill is left out, or would read ETHTOOL_STAT_NOT_SET; _STAT_PAD pads u64s on
// strict-alignment hosts). Newer attributes (ETHTOOL_A_PAUSE_STATS_SRC...) are ignored.
//
// Contract of readPauseStats(ifname, netns, timeout_ns):
// - Never throws for a device's or kernel's state: `availability` says what was found and
//   `reason` says it in one line naming the interface (and namespace) whenever a counter is
//   missing — the driver has no pause operations (EOPNOTSUPP: veth, loopback), no such interface
//   (ENODEV), no "ethtool" family (kernel before 5.6 or without CONFIG_ETHTOOL_NETLINK), the
//   namespace cannot be entered, or the driver reports no pause statistics. A missing counter
//   is std::nullopt, never 0.
// - Throws fabcheck::Error when the reply is malformed (naming what) or the kernel refuses the
//   request for another reason (errno and the kernel's extended-ack text); TimeoutError when no
//   complete answer arrives within `timeout_ns` (the socket's receive timeout bounds each wait).
// - `netns` names a namespace under /run/netns: the socket is made on a short-lived thread that
//   joined it (netns_socket.h); the caller's thread never moves.
// The parse* functions are pure over the answer's bytes (netlink_message.h) and throw on
// malformed input; the request builders are exposed for tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/counters/netlink_message.h"

namespace fabcheck::counters {

// The kernel's "not filled by the driver" value for a u64 statistic (include/linux/ethtool.h).
inline constexpr uint64_t kEthtoolStatNotSet = ~uint64_t{0};

enum class PauseAvailability {
  kReported,     // the request was answered and at least one counter is present
  kNotReported,  // answered, but the driver reports no pause statistics
  kNoPauseOps,   // EOPNOTSUPP: the driver has no pause operations
  kNoDevice,     // ENODEV
  kNoFamily,     // the kernel has no "ethtool" generic-netlink family
  kNoNamespace,  // the namespace could not be entered
};

struct PauseRead {
  PauseAvailability availability = PauseAvailability::kNotReported;
  std::string reason;                       // one line; empty when both counters are present
  std::optional<bool> autoneg, rx_pause, tx_pause;  // the settings, when answered
  std::optional<uint64_t> tx_frames, rx_frames;     // pause frames sent / received
};

PauseRead readPauseStats(const std::string& ifname, const std::string& netns = "", int64_t timeout_ns = 2'000'000'000);

// CTRL_CMD_GETFAMILY for "ethtool", and ETHTOOL_MSG_PAUSE_GET for `ifname` with the stats flag.
std::vector<uint8_t> familyRequest(uint32_t seq);
std::vector<uint8_t> pauseRequest(uint16_t family, const std::string& ifname, uint32_t seq);

// The family id from the answer to familyRequest(seq); nullopt when the kernel says ENOENT.
std::optional<uint16_t> parseFamilyAnswer(Bytes answer, uint32_t seq, const std::string& where);

// The answer to pauseRequest(family, ..., seq), bytes as received. `where` names the interface
// (and namespace) in reasons and messages.
PauseRead parsePauseAnswer(Bytes answer, uint32_t seq, uint16_t family, const std::string& where);

// The attributes of one ETHTOOL_MSG_PAUSE_GET_REPLY (after its genl header) — settings, counters
// and availability (kReported or kNotReported) with the reason.
PauseRead parsePauseReply(const std::vector<NlAttr>& attrs, const std::string& where);

}  // namespace fabcheck::counters
