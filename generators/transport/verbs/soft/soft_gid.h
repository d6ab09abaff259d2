// The soft device's GID table, built as the kernel builds a RoCE port's: index 0 (RoCE v1) and 1
// (RoCE v2) = the fe80:: link-local GID of a made-up MAC, then for every address a RoCE v1 and a
// RoCE v2 entry (IPv4 mapped as ::ffff:a.b.c.d), each with its interface's ifindex.
//
// Contract: buildGidTable() uses `addresses` (textual IPv4/IPv6) or, when empty, every address
// of the host (getifaddrs, loopback included). An address that does not parse throws
// ConfigError naming it. gidHex() is the 32-hex-digit form used in the fabric directory.
#pragma once

#include <infiniband/verbs.h>

#include <string>
#include <vector>

namespace fabcheck::transport::verbs::soft {

std::vector<ibv_gid_entry> buildGidTable(const std::vector<std::string>& addresses, uint64_t mac_seed);
std::string gidHex(const ibv_gid& gid);

}  // namespace fabcheck::transport::verbs::soft
