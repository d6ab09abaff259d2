// What one end of a verbs connection tells the other during the exchange (verbs_bootstrap.h):
// its QPs (numbers and starting PSNs), address (GID or LID), active MTU, the shared options it
// runs with, and the remote-accessible regions of its rendezvous (the CTS FIFO for write_imm,
// the window for one-sided WRITE/READ). Serialised as JSON.
//
// Contract: sideInfoFromJson throws ProtocolError naming the key and what was expected;
// checkCompatible throws ConfigError when the two ends disagree on a shared option (verb,
// connection, qps), naming both values.
#pragma once

#include <infiniband/verbs.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fabcheck::transport::verbs {

struct SideInfo {
  std::string host;             // data address, for messages
  std::string device;           // "mlx5_0"
  uint32_t port = 1;
  uint32_t gid_index = 0;
  std::string gid;              // IPv6 text form of the GID
  std::string link_layer;       // "roce" | "ib"
  uint32_t lid = 0;
  uint32_t active_mtu = 0;      // bytes
  std::string verb;             // shared options
  std::string connection;
  uint32_t qps = 0;
  std::vector<uint32_t> qpns;
  std::vector<uint32_t> psns;
  uint32_t qkey = 0;            // UD
  uint64_t fifo_addr = 0;       // write_imm: where the peer writes "clear to send" entries
  uint32_t fifo_rkey = 0;
  uint32_t fifo_entries = 0;
  uint64_t window_addr = 0;     // write/read: the region one-sided ops target
  uint32_t window_rkey = 0;
  uint64_t window_bytes = 0;
};

std::string toJson(const SideInfo& s);
SideInfo sideInfoFromJson(const std::string& text, const std::string& from);
void checkCompatible(const SideInfo& mine, const SideInfo& theirs);

// Throws ConfigError naming `what` when `text` is not an IPv6-form GID.
ibv_gid gidFromText(const std::string& text, const std::string& what);

}  // namespace fabcheck::transport::verbs
