#include "harness/counters/sampled_counters.h"

#include <regex>
#include <set>

#include "harness/counters/nic_vocabulary.h"
#include "harness/counters/pfc_counter_names.h"
#include "harness/counters/switch_metrics.h"

namespace fabcheck::counters {

namespace {

bool perPriorityTraffic(const std::string& name) {
  static const std::regex kPrio(R"((rx|tx)_prio[0-7]_(packets|bytes)|(rx|tx)_pfc_ena_frames_pri[0-7]|(rx|tx)_priority_[0-7]_(packets|bytes)(\.nic)?)");
  return std::regex_match(name, kPrio);
}

bool ethtoolSampled(const std::string& name) {
  static const std::set<std::string> kNames = {
      "tx_pause_storm_error_events", "tx_pause_storm_warning_events", "rx_discards_phy", "tx_discards_phy",
      "rx_out_of_buffer", "rx_pause_ctrl_phy", "tx_pause_ctrl_phy", "pause_stat.rx_frames", "pause_stat.tx_frames"};
  return parsePfcCounterName(name).has_value() || kNames.count(name) > 0 || perPriorityTraffic(name);
}

bool infinibandSampled(const CounterSample& s) {
  static const std::set<std::string> kPortCounters = {"port_xmit_discards", "port_rcv_errors", "link_downed",
                                                      "symbol_error", "port_xmit_wait"};
  const auto dir = s.labels.find("dir");
  if (dir == s.labels.end()) return false;
  return dir->second == "hw_counters" || kPortCounters.count(s.name) > 0;
}

}  // namespace

bool sampledCounter(const std::string& source, const CounterSample& sample) {
  if (!matchNicCounter(source, sample.name, sample.labels).empty()) return true;  // every nic.* metric's counters
  if (source == "ethtool") return ethtoolSampled(sample.name);
  if (source == "infiniband") return infinibandSampled(sample);
  if (source == kSwitchSnmpSource) return true;  // a switch's port counters are all verdict inputs
  return false;
}

}  // namespace fabcheck::counters
