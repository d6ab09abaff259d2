// The counters of one shaped switch port, as `fabric status` and the tests read them: from the
// qdiscs the fabric put there (htb root 1:, queue 10:), parsed by harness/counters
// (parseTcQdiscJson of `tc -s -j qdisc show`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/counters/qdisc_counter_source.h"

namespace fabcheck::fabric {

// Sent bytes/packets, drops, backlog and queue length of the port's queue (handle 10:: what
// left the port and what its finite buffer dropped); overlimits of its htb root (1:: packets
// the rate held back). found=false when the port has no such queue (not shaped by fabcheck).
struct PortCounters {
  uint64_t bytes = 0;
  uint64_t packets = 0;
  uint64_t drops = 0;
  uint64_t overlimits = 0;
  uint64_t backlog = 0;
  uint64_t qlen = 0;
  bool found = false;
  // ECN marking ports (ecn_threshold=): packets set to CE and ECT packets seen since up; unset
  // when the port does not mark.
  std::optional<uint64_t> ecn_marked, ecn_ect_packets;
};

PortCounters portCounters(const std::vector<counters::QdiscStats>& qdiscs, const std::string& dev);

}  // namespace fabcheck::fabric
