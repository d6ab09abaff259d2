// SwitchSnmpCounterSource ("switch_snmp"): one switch's port counters over SNMP (snmp_session.h),
// as given by a site file (model/site.h). docs/switches.md "Switch counters over SNMP".
//
// Ports: the first read walks ifName (.1.3.6.1.2.1.31.1.1.1.1) and ifOperStatus
// (.1.3.6.1.2.1.2.2.1.8) to map ifIndex <-> ifName; it walks them again when a read finds an
// ifIndex it does not know. The site file's ports are matched by ifName, else a SONiC name
// EthernetN is ifIndex N+1 (SONiC's ifName is the port's alias); without ports, every oper-up
// port is read. A port the switch lacks is a ConfigError naming it and the switch's ifNames.
//
// Samples, labelled {host: <switch>, switch: <switch>, port: <ifName>, ifindex: <N>}, named by
// their MIB objects:
//   ifHCInOctets ifHCOutOctets ifHCIn/OutUcastPkts ifHCIn/OutMulticastPkts ifHCIn/OutBroadcastPkts
//     (IF-MIB ifXTable, 64-bit)
//   ifInDiscards ifOutDiscards ifInErrors ifOutErrors (IF-MIB ifTable, width_bits 32)
//   cpfcIfPriorityRequests (PFC frames sent = tx pause), cpfcIfPriorityIndications (received =
//     rx pause), + label prio 0..7 (CISCO-PFC-EXT-MIB cpfcIfPriorityTable; never cpfcIfTable,
//     which SONiC fills with priority 3 only)
//   csqIfQosGroupStatsValue_ucastDroppedPkts + label queue (0-based) (CISCO-SWITCH-QOS-MIB
//     csqIfQosGroupStatsTable, direction egress(2), type ucastDroppedPkts(5), group = queue + 1)
// A table the switch does not serve is a snapshot note and its samples are absent.
// Unavailable: the switch does not answer, or refuses the credentials: empty snapshot, and
// unavailable_reason() names the switch, its address and the SNMP error. The next snapshot()
// tries again (a new session).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/counters/counter_source.h"
#include "harness/counters/snmp_session.h"
#include "harness/model/site.h"

namespace fabcheck::counters {

struct SwitchPort {
  uint32_t ifindex = 0;
  std::string name;  // ifName
  bool operator==(const SwitchPort&) const = default;
};

// The ports to read: `wanted` by ifName or SONiC EthernetN (ifIndex N+1), in that order; empty
// `wanted`: every port whose ifOperStatus is up(1), by ifIndex. Throws ConfigError for a name
// the switch lacks, naming `switch_name`, the port and the switch's ifNames.
std::vector<SwitchPort> selectSwitchPorts(const std::map<uint32_t, std::string>& if_names,
                                          const std::map<uint32_t, int64_t>& oper_status,
                                          const std::vector<std::string>& wanted, const std::string& switch_name);

class SwitchSnmpCounterSource : public CounterSource {
 public:
  explicit SwitchSnmpCounterSource(model::SwitchSpec sw);
  ~SwitchSnmpCounterSource() override;

  std::string name() const override { return "switch_snmp"; }
  CounterSnapshot snapshot() override;
  std::string unavailable_reason() const override { return reason_; }
  // {switch: <name>}: names the switch in deltas even when it did not answer (switch_metrics.h).
  Labels scope() const override { return {{"switch", sw_.name}}; }

  const model::SwitchSpec& switchSpec() const { return sw_; }
  // The ports the last successful snapshot read.
  const std::vector<SwitchPort>& ports() const { return ports_; }

 private:
  void mapPorts();
  // One read of every column; with remap_on_unknown, an ifIndex without ifName stops it and
  // clears mapped_.
  CounterSnapshot read(bool remap_on_unknown);

  model::SwitchSpec sw_;
  std::unique_ptr<SnmpSession> session_;
  std::map<uint32_t, std::string> if_names_;
  std::vector<SwitchPort> ports_;
  bool mapped_ = false;
  std::string reason_;
};

}  // namespace fabcheck::counters
