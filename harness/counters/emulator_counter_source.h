// EmulatorCounterSource ("emulator"): what the machine running an emulated fabric lost or
// stalled on by itself, apart from the fabric's queues — so loss or retransmissions without
// queue drops are shown as the emulator's, not the fabric's (docs/fabric.md "Calibration").
//
// Samples, labelled {host, cpu}: from /proc/net/softnet_stat (one line of hex columns per CPU;
// the kernel's per-CPU input backlog is shared by every namespace):
//   backlog_drops (column 2): packets dropped because the CPU's input backlog
//     (net.core.netdev_max_backlog) was full — veth and bridge forwarding go through it;
//   time_squeeze (column 3): times the receive softirq ran out of budget with work left.
// And, labelled {host}, the gauge calibrated_port_bps when the fabric was calibrated (the
// figure `fabric up` recorded, fabric_calibration.h), so reports carry it beside the drops.
// Unavailable (empty snapshot + reason): the file cannot be opened. A line with fewer than 3
// columns or a column that is not hex → fabcheck::Error naming the file, line and value.
#pragma once

#include <cstdint>
#include <string>

#include "harness/counters/counter_source.h"

namespace fabcheck::counters {

struct EmulatorSourceOptions {
  std::string host;                            // "host" label; empty: this host's name
  std::string path = "/proc/net/softnet_stat";
  uint64_t calibrated_port_bps = 0;            // 0: no calibration to report
};

// Parses softnet_stat text into samples (exposed for unit tests); `what` names it in errors.
std::vector<CounterSample> parseSoftnetStat(const std::string& text, const std::string& host, const std::string& what);

class EmulatorCounterSource : public CounterSource {
 public:
  explicit EmulatorCounterSource(EmulatorSourceOptions options);
  std::string name() const override { return "emulator"; }
  CounterSnapshot snapshot() override;
  std::string unavailable_reason() const override { return reason_; }

 private:
  EmulatorSourceOptions o_;
  std::string reason_;
};

}  // namespace fabcheck::counters
