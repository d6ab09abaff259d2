// The commands that build a fabric, in order, and how to undo what they create. Pure (no I/O):
// unit tests compare it with expectations and run it against a recording fake.
//
// Contract:
// - planUp(layout) lists argv's (`ip`, `tc`, `sysctl` via `ip netns exec`, `ethtool`) in an
//   order where each step only needs earlier ones: namespaces (IPv6 off so no neighbour
//   discovery chatter crosses the fabric; routers get ip_forward=1,
//   fib_multipath_hash_policy=1 (L4 hash) and rp_filter=0), the management bridge and one
//   management veth per host, the data links (bridge ports or point-to-point /31s), routes
//   (leaf: ECMP `nexthop via` every spine; spine: each host via its leaf), then the shaping of
//   every port: `htb` root with one class at the port's rate, and a `pfifo limit` /
//   `bfifo limit` (or `netem` when a delay is asked) below it.
// - Steps that create a namespace or a root-namespace link say so (`creates`); everything else
//   lives inside a namespace and goes away with it. Undoing = deleting what was created, in
//   reverse order (undoCommand).
// - Every data interface gets its fixed MAC, and once the links are up every namespace of the
//   data network gets its permanent neighbour entries (`ip -n NS -batch`, a step with `batch`
//   lines) and the switch its static FDB entries (`bridge -n NS -batch`): no ARP and no flooding
//   on the data ports (fabric_neighbours.h).
// - Right before the shaping steps comes one in-process step with `calibrate` set (argv empty):
//   the manager measures the unshaped fabric there when asked (and for rate=auto).
// - Host data interfaces have segmentation offloads off (ethtool -K eth0 tso off gso off
//   tx-udp-segmentation off) so the switch queues count real packets, not GSO super-packets.
// - When a delay is asked, the first namespace gets a probe step (netem on its lo) that fails
//   with the kernel's word when netem is missing.
// - When some port has an ecn_threshold, two kinds of in-process steps (argv empty) come last:
//   one that makes the fabric's bpffs pin directory (`bpf_pin_dir`, creates a kBpfPins whose
//   undo is `rm -rf` of it), then one per marking port (`ecn_marker`, ecn_marker.h). The
//   manager runs them; everything else is a command.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/fabric/ecn_marker.h"
#include "harness/fabric/fabric_layout.h"

namespace fabcheck::fabric {

struct Created {
  enum class Kind { kNamespace, kRootLink, kBpfPins };
  Kind kind = Kind::kNamespace;
  std::string name;
  bool operator==(const Created&) const = default;
};

struct PlanStep {
  std::vector<std::string> argv;
  std::optional<Created> creates;
  bool netem_probe = false;
  std::string bpf_pin_dir;               // non-empty: make this pin directory (makeEcnPinDir)
  std::optional<EcnPort> ecn_marker;     // attach the ECN marker to this port (attachEcnMarker)
  bool calibrate = false;                // in-process: where `up` may calibrate (fabric_calibration.h),
                                         // after the links and before any port is shaped
  std::string batch;                     // non-empty: argv is `ip|bridge -n NS -batch`; the runner writes
                                         // these lines to a file and appends its path
};

std::vector<PlanStep> planUp(const FabricLayout& layout);
std::vector<std::string> undoCommand(const Created& c);
// The tc commands that shape one port (root htb, class 1:1, leaf queue 10:). The htb bucket
// (burst and cburst) holds htbBurstBytes() of the rate: tc's default with high-resolution timers
// is one packet, and a software shaper whose timer wakes late then loses the time for good (a
// ring of four TCP flows through 300 Mbit/s ports carried 200-230 Mbit/s each; with 1 ms, 275-285).
std::vector<std::vector<std::string>> shapingCommands(const FabricPort& port);
// 1 ms of the rate in bytes, at least two full frames.
uint64_t htbBurstBytes(uint64_t rate_bps);
// The ECN marker of a port that has an ecn_threshold (pins under `pin_dir`); nullopt otherwise.
std::optional<EcnPort> ecnPortOf(const FabricPort& port, const std::string& pin_dir);

}  // namespace fabcheck::fabric
