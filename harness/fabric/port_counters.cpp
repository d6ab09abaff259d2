#include "harness/fabric/port_counters.h"

namespace fabcheck::fabric {

PortCounters portCounters(const std::vector<counters::QdiscStats>& qdiscs, const std::string& dev) {
  PortCounters c;
  for (const auto& q : qdiscs) {
    if (q.dev != dev) continue;
    if (q.handle == "10:") {
      c.bytes = q.bytes, c.packets = q.packets, c.drops = q.drops, c.backlog = q.backlog, c.qlen = q.qlen;
      c.found = true;
    } else if (q.handle == "1:") {
      c.overlimits = q.overlimits;
    }
  }
  return c;
}

}  // namespace fabcheck::fabric
