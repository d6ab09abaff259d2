#include "harness/results/loss_attribution.h"

#include <fmt/format.h>

#include <set>

namespace fabcheck::results {
namespace {

double numberAt(const nlohmann::json& j, const char* group, const char* key, double absent) {
  if (!j.contains(group) || !j.at(group).is_object()) return absent;
  const auto& g = j.at(group);
  return g.contains(key) && g.at(key).is_number() ? g.at(key).get<double>() : absent;
}

}  // namespace

bool isLossMetric(const std::string& metric) {
  static const std::set<std::string> kLoss = {"loss_ratio", "lost_packets", "tcp.retransmitted_segments",
                                              "tcp.retransmission_ratio", "tcp.loss_retransmissions",
                                              "collective.retransmissions"};
  return kLoss.count(metric) > 0;
}

std::vector<std::string> lossAttribution(const nlohmann::json& metrics) {
  std::vector<std::string> out;
  const double queue = numberAt(metrics, "fabric", "queue_drops", -1);
  if (queue < 0) return out;
  const double emulator = numberAt(metrics, "fabric", "emulator_drops", 0);
  if (queue > 0) out.push_back(fmt::format("the emulated switch queues dropped {:g} packets (fabric.queue_drops)", queue));
  if (queue == 0 && emulator > 0) {
    out.push_back(fmt::format("no switch queue dropped a packet; this machine dropped {:g} in its softnet backlog "
                              "(fabric.emulator_drops): the emulator's loss, not the fabric's",
                              emulator));
  }
  const double retrans = numberAt(metrics, "tcp", "retransmitted_segments", 0);
  if (queue == 0 && retrans > 0) {
    const double spurious = numberAt(metrics, "tcp", "spurious_retransmissions", 0);
    out.push_back(fmt::format("{:g} of {:g} TCP retransmissions were spurious (D-SACK: the segment had arrived; "
                              "reordering or a stall inside the emulator) and no switch queue dropped a packet",
                              spurious, retrans));
  }
  return out;
}

}  // namespace fabcheck::results
