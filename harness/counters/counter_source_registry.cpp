// The counter-source table (counter_source_registry.h): one row per source.
#include "harness/counters/counter_source_registry.h"

#include "generators/core/errors.h"
#include "harness/counters/ecn_mark_counter_source.h"
#include "harness/counters/ethtool_counter_source.h"
#include "harness/counters/infiniband_counter_source.h"
#include "harness/counters/netdev_counter_source.h"
#include "harness/counters/emulator_counter_source.h"
#include "harness/counters/qdisc_counter_source.h"
#include "harness/counters/snmp_counter_source.h"
#include "harness/counters/switch_snmp_counter_source.h"

namespace fabcheck::counters {

const std::vector<CounterSourceInfo>& counterSourceRegistry() {
  static const std::vector<CounterSourceInfo> kSources = {
      {"netdev", "the kernel's per-interface statistics (/sys/class/net/*/statistics), loopback excluded", true,
       [] { return std::make_unique<NetdevCounterSource>(NetdevSourceOptions{}); }},
      // /proc/self/net: the namespace of this process (an agent inside `ip netns exec` reads its own).
      {"snmp", "the network namespace's UDP/TCP counters and IPv4 ECN counters (/proc/self/net/snmp, snmp6, netstat)", true,
       [] {
         return std::make_unique<SnmpCounterSource>(SnmpSourceOptions{
             .snmp_path = "/proc/self/net/snmp", .snmp6_path = "/proc/self/net/snmp6", .netstat_path = "/proc/self/net/netstat"});
       }},
      {"infiniband", "RDMA port counters and hw_counters (/sys/class/infiniband); empty without RDMA devices", true,
       [] { return std::make_unique<InfinibandCounterSource>(InfinibandSourceOptions{}); }},
      {"ethtool", "NIC driver statistics (what `ethtool -S` prints, read through the kernel's ethtool interface; per-priority PFC); empty without NIC statistics",
       true, [] { return std::make_unique<EthtoolCounterSource>(EthtoolSourceOptions{}); }},
      {"qdisc", "queueing-discipline statistics (`tc -s -j qdisc show`): the emulated fabric's switch ports", false,
       [] { return std::make_unique<QdiscCounterSource>(QdiscSourceOptions{}); }},
      {"emulator", "the machine emulating a fabric: per-CPU input backlog drops and softirq squeezes (/proc/net/softnet_stat), "
                   "and the fabric's calibration when the emulated launcher reads it",
       false, [] { return std::make_unique<EmulatorCounterSource>(EmulatorSourceOptions{}); }},
      {"fabric_ecn", "the emulated fabric's ECN marks per switch port (BPF maps pinned in bpffs; default fabric fc0)", false,
       [] { return std::make_unique<EcnMarkCounterSource>(EcnMarkSourceOptions{}); }},
      // One per switch, built from a site file's switch (site_loader.h); without one it is unavailable.
      {"switch_snmp", "a switch's port counters over SNMP: IF-MIB, per-priority PFC, queue drops (a site file's switch)", false,
       [] { return std::make_unique<SwitchSnmpCounterSource>(model::SwitchSpec{}); }},
  };
  return kSources;
}

std::unique_ptr<CounterSource> createCounterSource(std::string_view name) {
  std::string known;
  for (const auto& s : counterSourceRegistry()) {
    if (s.name == name) return s.create();
    known += (known.empty() ? "" : ", ") + s.name;
  }
  throw ConfigError("unknown counter source '" + std::string(name) + "'; expected one of " + known);
}

}  // namespace fabcheck::counters
