// Which device, port and GID index carry the agent's data address (docs/verbs.md, "Discovery").
//
// Contract of chooseVerbsAddress(api, data_address, options):
// - Looks only through `api` (listDevices, openDevice, queryDevice, queryPort, queryGidEntry,
//   closeDevice); every context it opens it closes again.
// - Candidates: the ports of options.device (else of every device), restricted to options.port
//   when given; ports 1..phys_port_cnt.
// - Without gid_index: on an ACTIVE Ethernet (RoCE) port, the GID entry of type RoCE v2 equal to
//   the address (IPv4 a.b.c.d as ::ffff:a.b.c.d, IPv6 as is); the first such port in device
//   and port order wins. A RoCE v1 entry is never chosen by discovery (the error names its
//   index so the user can pass gid_index). When no RoCE port carries the address, an ACTIVE
//   InfiniBand port is used (its LID, GID index 0) if it is the only one among the candidates
//   or the device was named.
// - With gid_index: the index must exist on the chosen port (the only candidate port, or the
//   one whose entry at that index equals the address) and the port must be ACTIVE; a RoCE v1
//   entry is accepted with a warning.
// - Errors: UnsupportedError when no device can be listed; ConfigError for a bad override or
//   when nothing carries the address. Messages say what was looked at and what to check.
#pragma once

#include <infiniband/verbs.h>

#include <cstdint>
#include <optional>
#include <string>

#include "generators/transport/verbs/verbs_api.h"
#include "generators/transport/verbs/verbs_options.h"

namespace fabcheck::transport::verbs {

struct VerbsAddress {
  std::string device;        // mlx5_0
  uint8_t port = 0;          // 1-based
  uint32_t gid_index = 0;
  ibv_gid gid{};             // the raw GID (the peer's grh.dgid)
  std::string gid_text;      // IPv6 notation: ::ffff:10.0.0.5
  std::string link_layer;    // "roce" | "ib"
  uint16_t lid = 0;          // IB only (0 on RoCE)
  uint32_t active_mtu = 0;   // bytes (ibv_port_attr.active_mtu)
  double speed_gbps = 0;     // portSpeedGbps(active_speed, active_width); 0 when unknown
  std::string gid_type;      // "RoCE v2" | "RoCE v1" | "IB"
  std::string warning;       // non-empty: a choice worth telling the user (RoCE v1 by override)
};

VerbsAddress chooseVerbsAddress(VerbsApi& api, const std::string& data_address,
                                const VerbsOptions& options);

// ibv_mtu <-> bytes. mtuBytes of an unknown value is 0; mtuEnum throws ConfigError naming the
// value and the valid ones (256, 512, 1024, 2048, 4096).
uint32_t mtuBytes(ibv_mtu mtu) noexcept;
ibv_mtu mtuEnum(uint32_t bytes);

// The path MTU of a connection: the smaller of the two ends' active MTUs, or `override_bytes`
// when given, which must not exceed either (ConfigError naming the end that cannot carry it).
ibv_mtu pathMtu(ibv_mtu local_active, ibv_mtu remote_active, std::optional<uint32_t> override_bytes);

// Port speed in Gbit/s from ibv_port_attr's encodings, as ibv_devinfo prints them:
//   active_speed (per lane): 1 SDR 2.5, 2 DDR 5, 4 QDR 10, 8 FDR10 10, 16 FDR 14, 32 EDR 25,
//                            64 HDR 50, 128 NDR 100
//   active_width (lanes):    1 1x, 2 4x, 4 8x, 8 12x, 16 2x
// 0 for an encoding not in the table.
double portSpeedGbps(uint8_t active_speed, uint8_t active_width) noexcept;

// "RoCE v2", "RoCE v1", "IB" for ibv_gid_entry.gid_type; "type N" otherwise.
std::string gidTypeName(uint32_t gid_type);

// The GID an IP data address maps to (IPv4 -> ::ffff:a.b.c.d). ConfigError for text that is not
// an IPv4 or IPv6 address.
ibv_gid gidOfAddress(const std::string& address);
std::string gidText(const ibv_gid& gid);

}  // namespace fabcheck::transport::verbs
