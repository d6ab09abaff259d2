// Fuzzes the host counter parsers of harness/counters, each fed what a hostile or broken kernel,
// driver or tool could print: `ethtool -S` text, a sysfs counter value, `tc -s -j qdisc` JSON,
// /proc/net/snmp and /proc/net/snmp6, /proc/net/softnet_stat, `lldpcli -f json` output and
// generic-netlink answers (family lookup, ethtool pause statistics). The first byte picks the
// parser. Expected refusal: fabcheck::Error (a parser's one-line complaint).
#include <span>

#include "harness/counters/emulator_counter_source.h"
#include "harness/counters/ethtool_counter_source.h"
#include "harness/counters/ethtool_pause_netlink.h"
#include "harness/counters/lldp_neighbour.h"
#include "harness/counters/qdisc_counter_source.h"
#include "harness/counters/snmp_counter_source.h"
#include "harness/counters/sysfs_reader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0] % 9;
  fabcheck::fuzz::fuzzInput(data + 1, size - 1, [which](const std::string& text) {
    using namespace fabcheck::counters;
    const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
    std::vector<std::string> notes;
    switch (which) {
      case 0: (void)parseEthtoolStats(text, "eth0", notes); break;
      case 1: (void)parseCounterValue(text); break;
      case 2: (void)parseTcQdiscJson(text, "tc qdisc", "eth0"); break;
      case 3: (void)parseProcNetSnmp(text, "/proc/net/snmp"); break;
      case 4: (void)parseProcNetSnmp6(text, "/proc/net/snmp6"); break;
      case 5: (void)parseSoftnetStat(text, "host", "/proc/net/softnet_stat"); break;
      case 6: (void)parseLldpNeighbours(text); break;
      case 7: (void)parseFamilyAnswer(bytes, 7, "eth0"); break;
      default: (void)parsePauseAnswer(bytes, 7, 23, "eth0"); break;
    }
  });
  return 0;
}
