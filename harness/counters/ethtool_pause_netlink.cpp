// Pause statistics over the ethtool generic-netlink family (ethtool_pause_netlink.h): the pure
// request builders and answer parsers. The socket side is in ethtool_pause_socket.cpp.
#include "harness/counters/ethtool_pause_netlink.h"

#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>

#include <cerrno>
#include <cstring>

#include "generators/core/errors.h"

namespace fabcheck::counters {
namespace {

std::string onOff(const std::optional<bool>& v) { return !v ? "?" : *v ? "on" : "off"; }

// A u64 statistic of the STATS nest: nullopt when the kernel says "not set".
std::optional<uint64_t> statValue(const NlAttr& a, const std::string& what) {
  const uint64_t v = attrU64(a, what);
  return v == kEthtoolStatNotSet ? std::nullopt : std::optional<uint64_t>(v);
}

void readStats(Bytes nest, const std::string& what, PauseRead& r) {
  for (const NlAttr& s : splitAttributes(nest, what + " ETHTOOL_A_PAUSE_STATS")) {
    if (s.type == ETHTOOL_A_PAUSE_STAT_TX_FRAMES) r.tx_frames = statValue(s, what + " ETHTOOL_A_PAUSE_STAT_TX_FRAMES");
    if (s.type == ETHTOOL_A_PAUSE_STAT_RX_FRAMES) r.rx_frames = statValue(s, what + " ETHTOOL_A_PAUSE_STAT_RX_FRAMES");
    // ETHTOOL_A_PAUSE_STAT_PAD and statistics added after these two are skipped.
  }
}

PauseRead unavailable(PauseAvailability a, const std::string& reason) {
  PauseRead r;
  r.availability = a;
  r.reason = reason;
  return r;
}

std::string kernelSays(const std::string& message) { return message.empty() ? "" : " (kernel: " + message + ")"; }

}  // namespace

std::vector<uint8_t> familyRequest(uint32_t seq) {
  GenlRequest req(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, seq);
  req.putString(CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME);
  return req.bytes();
}

std::vector<uint8_t> pauseRequest(uint16_t family, const std::string& ifname, uint32_t seq) {
  GenlRequest req(family, ETHTOOL_MSG_PAUSE_GET, ETHTOOL_GENL_VERSION, seq);
  const size_t header = req.beginNest(ETHTOOL_A_PAUSE_HEADER);
  req.putString(ETHTOOL_A_HEADER_DEV_NAME, ifname);
  req.putU32(ETHTOOL_A_HEADER_FLAGS, ETHTOOL_FLAG_STATS);
  req.endNest(header);
  return req.bytes();
}

std::optional<uint16_t> parseFamilyAnswer(Bytes answer, uint32_t seq, const std::string& where) {
  const std::string what = "the 'ethtool' family lookup (CTRL_CMD_GETFAMILY) for " + where;
  const GenlAnswer a = parseGenlAnswer(answer, seq, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, what);
  if (!a.complete) throw Error(what + ": the answer ends before the kernel's acknowledgement");
  if (a.error == ENOENT) return std::nullopt;
  if (a.error != 0) throw Error(what + ": " + std::strerror(a.error) + kernelSays(a.message));
  if (a.replies.size() != 1) throw Error(what + ": " + std::to_string(a.replies.size()) + " replies, expected 1");
  for (const NlAttr& attr : a.replies[0]) {
    if (attr.type == CTRL_ATTR_FAMILY_ID) return attrU16(attr, what + " CTRL_ATTR_FAMILY_ID");
  }
  throw Error(what + ": the reply has no CTRL_ATTR_FAMILY_ID");
}

PauseRead parsePauseReply(const std::vector<NlAttr>& attrs, const std::string& where) {
  const std::string what = "the ETHTOOL_MSG_PAUSE_GET reply for " + where;
  PauseRead r;
  bool has_stats = false;
  for (const NlAttr& a : attrs) {
    switch (a.type) {
      case ETHTOOL_A_PAUSE_HEADER: splitAttributes(a.payload, what + " ETHTOOL_A_PAUSE_HEADER"); break;
      case ETHTOOL_A_PAUSE_AUTONEG: r.autoneg = attrU8(a, what + " ETHTOOL_A_PAUSE_AUTONEG") != 0; break;
      case ETHTOOL_A_PAUSE_RX: r.rx_pause = attrU8(a, what + " ETHTOOL_A_PAUSE_RX") != 0; break;
      case ETHTOOL_A_PAUSE_TX: r.tx_pause = attrU8(a, what + " ETHTOOL_A_PAUSE_TX") != 0; break;
      case ETHTOOL_A_PAUSE_STATS:
        readStats(a.payload, what, r);
        has_stats = true;
        break;
      default: break;  // newer attributes (ETHTOOL_A_PAUSE_STATS_SRC...)
    }
  }
  const std::string settings = "pause autoneg " + onOff(r.autoneg) + ", rx " + onOff(r.rx_pause) + ", tx " + onOff(r.tx_pause);
  r.availability = (r.tx_frames || r.rx_frames) ? PauseAvailability::kReported : PauseAvailability::kNotReported;
  if (!has_stats) {
    r.reason = where + ": the kernel's reply has no pause statistics (" + settings + ")";
  } else if (!r.tx_frames && !r.rx_frames) {
    r.reason = where + ": the driver reports no pause statistics (" + settings + ")";
  } else if (!r.tx_frames || !r.rx_frames) {
    r.reason = where + ": the driver does not report " + std::string(r.tx_frames ? "rx_frames" : "tx_frames");
  }
  return r;
}

PauseRead parsePauseAnswer(Bytes answer, uint32_t seq, uint16_t family, const std::string& where) {
  const std::string what = "the ETHTOOL_MSG_PAUSE_GET answer for " + where;
  const GenlAnswer a = parseGenlAnswer(answer, seq, family, ETHTOOL_MSG_PAUSE_GET_REPLY, what);
  if (!a.complete) throw Error(what + ": the answer ends before the kernel's acknowledgement");
  switch (a.error) {
    case 0: break;
    case EOPNOTSUPP:
      return unavailable(PauseAvailability::kNoPauseOps,
                         where + (a.message.empty() ? ": driver has no pause operations (EOPNOTSUPP)"
                                                    : ": not supported (EOPNOTSUPP)" + kernelSays(a.message)));
    case ENODEV: return unavailable(PauseAvailability::kNoDevice, where + ": no such interface (ENODEV)" + kernelSays(a.message));
    default: throw Error(what + ": the kernel refused it: " + std::strerror(a.error) + kernelSays(a.message));
  }
  if (a.replies.size() != 1) throw Error(what + ": " + std::to_string(a.replies.size()) + " replies, expected 1");
  return parsePauseReply(a.replies[0], where);
}

}  // namespace fabcheck::counters
