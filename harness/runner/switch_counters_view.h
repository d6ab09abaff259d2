// `fabcheck counters --site FILE --switch NAME`: what fabcheck reads from one switch over SNMP
// (switch_snmp_counter_source.h), per port: a table of rx/tx bytes, packets, discards and errors,
// PFC pause frames per priority, queue drops, and every raw MIB object with its value.
// Called by counters_command.cpp; docs/counters.md "Switch counters".
//
// Modes: values once (now), or --interval T --count N: per interval the deltas (counter_delta.h:
// 32-bit wrap of ifTable counters is handled), from the snapshots' own times.
// --json: {"mode": "values"|"deltas", "switch", "address", "snmp": "2c"|"3",
//   "snapshots"|"intervals": [{"snapshot" | "from","to","interval_ns", "unavailable"?, "notes",
//   "ports": [{"port", "ifindex", "rx_bytes"?, "tx_bytes"?, "rx_packets"?, "tx_packets"?,
//   "rx_discards"?, "tx_discards"?, "rx_errors"?, "tx_errors"?, "pfc": {"<prio>":
//   {"rx_pause_frames"?, "tx_pause_frames"?}}, "queue_drops": {"<queue>": n},
//   "raw": [{"raw", "prio"?, "queue"?, "value"|"delta"?, "status"?}]}]}]}.
// A figure whose raw counters are absent is left out (text: "-"), never zero.
// Errors: ConfigError (unknown switch, unknown port); a switch that does not answer is not an
// error: the view says "unavailable: <reason>".
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace fabcheck::runner {

struct SwitchCountersOptions {
  std::string site_file;
  std::string switch_name;
  bool json = false;
  int64_t interval_ns = 0;  // with count: deltas
  int count = 0;
};

void runSwitchCounters(const SwitchCountersOptions& options, std::ostream& out);

}  // namespace fabcheck::runner
