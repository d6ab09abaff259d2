// The tcp summary object (tcp_summary.h).
#include "harness/results/tcp_summary.h"

#include <algorithm>

namespace fabcheck::results {

nlohmann::json summarizeTcp(const std::vector<transport::TcpPathInfo>& connections) {
  if (connections.empty()) return nullptr;
  uint64_t sent = 0, retransmitted = 0, bytes_retransmitted = 0, spurious = 0, reordering = 0;
  double rtt_sum = 0, rtt_max = 0;
  for (const auto& c : connections) {
    sent += c.segments_sent;
    retransmitted += c.segments_retransmitted;
    bytes_retransmitted += c.bytes_retransmitted;
    spurious += c.spurious_retransmissions;
    reordering += c.reordering_events;
    rtt_sum += c.rtt_us;
    rtt_max = std::max(rtt_max, c.rtt_us);
  }
  return {{"connections", connections.size()},
          {"segments_sent", sent},
          {"retransmitted_segments", retransmitted},
          {"retransmission_ratio", sent > 0 ? static_cast<double>(retransmitted) / static_cast<double>(sent) : 0.0},
          {"loss_retransmissions", retransmitted > spurious ? retransmitted - spurious : 0},
          {"bytes_retransmitted", bytes_retransmitted},
          {"spurious_retransmissions", spurious},
          {"reordering_events", reordering},
          {"rtt_us", {{"mean", rtt_sum / static_cast<double>(connections.size())}, {"max", rtt_max}}}};
}

}  // namespace fabcheck::results
