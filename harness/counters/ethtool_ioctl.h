// NIC driver statistics through the kernel's ethtool interface (SIOCETHTOOL: ETHTOOL_GSSET_INFO
// for the count, ETHTOOL_GSTRINGS for the names, ETHTOOL_GSTATS for the values) — what
// `ethtool -S` prints, without running or parsing it.
//
// Contract: never throws for a device's state; `error` is the errno of the call that failed
// (ENODEV: no such interface; EOPNOTSUPP: the driver has no statistics, as loopback and
// bridges) and `reason` says it in words naming the interface (and namespace). `netns` names a
// namespace under /run/netns: the socket is made on a short-lived thread that joined it (a
// socket belongs to the namespace it was created in), so the caller's thread never moves.
// `peer_ifindex` (veth: an index, not a count) is skipped, as the text parser skips it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/counters/ethtool_counter_source.h"

namespace fabcheck::counters {

struct EthtoolRead {
  int error = 0;                   // 0: stats holds every counter the driver reports
  std::string reason;              // when error != 0
  std::vector<EthtoolStat> stats;
};

EthtoolRead readEthtoolStats(const std::string& ifname, const std::string& netns = "");

}  // namespace fabcheck::counters
