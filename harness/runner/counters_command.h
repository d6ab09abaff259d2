// `fabcheck counters`: this host's NIC counters in fabcheck's vocabulary (flat_metrics.h,
// nic_vocabulary.h), live or from capture directories (counter_capture.h). The CLI parses the
// flags into CountersCommandOptions and calls runCountersCommand; everything else is here.
//
// Modes (docs/counters.md):
// - live, once: each metric's value now (the counters' current values summed), with the raw
//   counters it came from (source, device, raw name, vendor), then the absent metrics with why.
// - live, --interval T --count N: N intervals of T; per interval each metric's delta and rate
//   (per second), from the source's own snapshot times.
// - --save DIR: one live snapshot written as a capture directory.
// - --capture A: values of A; --capture A --capture B ...: deltas and rates between consecutive
//   captures, the interval from their meta.json time_ns. Wrap, saturation and reset are handled
//   by counter_delta.h as for live counters (a metric with a counter without delta is absent).
// - --interface/--device narrow the live sources to one NIC (nic_selection.h, hostCounterSet()).
// - --site FILE --switch NAME: that switch's counters over SNMP instead (switch_counters_view.h),
//   once or with --interval/--count; no --interface/--device/--save/--capture.
// --json prints one JSON object instead of text: {"mode": "values"|"deltas", "host", "interface",
// "device", "snapshots": [...] | "intervals": [{"interval_ns", "metrics": [{"metric","unit",
// "value"|"delta","rate_per_s"?,"from":[{"source","vendor","dev","port"?,"raw","value"|"delta"}]}],
// "absent": {metric: reason}}]}.
// Errors: ConfigError (one line: which flag or file, what was expected).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace fabcheck::runner {

struct CountersCommandOptions {
  std::string interface;
  std::string device;
  bool json = false;
  int64_t interval_ns = 0;  // with count: live deltas
  int count = 0;
  std::string save_dir;
  std::vector<std::string> captures;
  std::string site_file;    // with switch_name: a switch over SNMP
  std::string switch_name;
};

void runCountersCommand(const CountersCommandOptions& options, std::ostream& out);

}  // namespace fabcheck::runner
