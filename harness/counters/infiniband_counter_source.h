// InfinibandCounterSource: RDMA port counters from /sys/class/infiniband/<dev>/ports/<p>/
// counters/* (IBA PMA PortCounters) and hw_counters/* (driver counters; mlx5 q-counters), and
// the device-wide <dev>/hw_counters/*.
//
// Samples, labelled {host, dev, port (absent for device-wide), dir ("counters"|"hw_counters")}:
// - counters/: each file that holds a number, saturating at its IBA width: symbol_error,
//   port_rcv_errors, port_xmit_discards, VL15_dropped... 16 bits; link_downed,
//   link_error_recovery... 8 bits; local_link_integrity_errors, excessive_buffer_overrun_errors
//   4 bits; other names 32 bits. port_{xmit,rcv}_{data,packets} are 64-bit on HCAs with extended
//   counters and 32-bit without: they are reported 32-bit saturating while their value fits in
//   32 bits, 64-bit saturating beyond (so a value of exactly 2^32 − 1 is taken as saturated).
// - port_xmit_data / port_rcv_data count octets/4: also reported as port_xmit_bytes /
//   port_rcv_bytes (×4, 64-bit saturating; 2^64 − 1 when the raw counter is saturated).
// - hw_counters/: 32-bit wrapping (mlx5 q-counters), or 64-bit when the value exceeds 32 bits.
//   `lifespan` (a setting: how long the driver caches values, ms) is not a counter and is skipped;
//   set it to 0 for exact before/after reads.
// - A file reading "N/A (no PMA)" (or anything not a number) is skipped with a note.
// Unavailable: no <root> ("no /sys/class/infiniband (no RDMA devices)"), or no device in it.
#pragma once

#include <string>
#include <vector>

#include "harness/counters/counter_source.h"

namespace fabcheck::counters {

struct InfinibandSourceOptions {
  std::string host;  // "host" label; empty: this host's name
  std::string sysfs_root = "/sys/class/infiniband";
  std::vector<std::string> devices;  // empty: every device
};

// The IBA width of a PortCounters attribute, by its sysfs name (32 when not a known narrow one).
int pmaCounterWidth(const std::string& name);

class InfinibandCounterSource : public CounterSource {
 public:
  explicit InfinibandCounterSource(InfinibandSourceOptions options);

  std::string name() const override { return "infiniband"; }
  CounterSnapshot snapshot() override;
  std::string unavailable_reason() const override { return reason_; }

 private:
  void readDir(const std::string& dir, const Labels& labels, bool pma, CounterSnapshot& snap) const;
  InfinibandSourceOptions options_;
  std::string reason_;
};

}  // namespace fabcheck::counters
