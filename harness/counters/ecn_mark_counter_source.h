// EcnMarkCounterSource: what the emulated fabric's ECN-marking switch ports counted, read from
// the BPF maps they pinned in bpffs (harness/fabric/ecn_marker.h: one map per port, named
// <ns>_<dev>, in the fabric's pin directory /sys/fs/bpf/fabcheck/<fabric>).
//
// Samples (64-bit counters, since the port's program was attached), labelled
// {host = the port's namespace, netns, dev}:
//   ecn_packets        every packet seen at the port's egress
//   ecn_ect_packets    IPv4/IPv6 packets that arrived ECT(0) or ECT(1)
//   ecn_marked         of those, set to CE by this port
//   ecn_ce_arrived     packets that arrived CE already (marked upstream)
//   ecn_not_ect_over   Not-ECT packets that found the queue over the threshold (not marked)
//   ecn_virtual_drops  packets the port's virtual queue had no room for (not marked)
//   ecn_mark_failures  marks decided that could not be written into the packet
// gauges: ecn_virtual_backlog (bytes in the virtual queue at its last update).
//
// Unavailable (empty snapshot + reason): the pin directory does not exist (the fabric is not up
// or has no ecn_threshold), or holds no map. Errors (fabcheck::Error): a pinned object that
// cannot be opened or read, or whose value is not the size of struct fabcheck_ecn_port
// (names the path and errno).
#pragma once

#include <string>

#include "harness/counters/counter_source.h"

namespace fabcheck::counters {

struct EcnMarkSourceOptions {
  std::string pin_dir = "/sys/fs/bpf/fabcheck/fc0";  // /sys/fs/bpf/fabcheck/<fabric>
};

class EcnMarkCounterSource : public CounterSource {
 public:
  explicit EcnMarkCounterSource(EcnMarkSourceOptions options);

  std::string name() const override { return "fabric_ecn"; }
  CounterSnapshot snapshot() override;
  std::string unavailable_reason() const override { return reason_; }

 private:
  EcnMarkSourceOptions options_;
  std::string reason_;
};

}  // namespace fabcheck::counters
