// ECN marking at the emulated fabric's switch ports: loads the BPF program embedded in the
// binary (bpf/ecn_mark.bpf.c, bpf/ecn_mark_object.h) with libbpf and attaches it at a port's
// egress. The model (a virtual queue drained at the port's rate) is in docs/fabric.md.
//
// Contract:
// - ecnPinDir(fabric) = /sys/fs/bpf/fabcheck/<fabric>: every marking port of the fabric pins
//   its state map there as <ns>_<dev> (ecnPinPath). `fabric down` removes the directory;
//   counters::EcnMarkCounterSource reads it from any process of this mount namespace.
// - makeEcnPinDir(dir): mounts bpffs on /sys/fs/bpf when nothing is mounted there (it stays
//   mounted), creates `dir` (and its parent), and empties it when a crashed fabric left pins in
//   it (the caller holds the fabric state lock, so no fabric of that name is up). FabricError
//   naming the path, the step and errno.
// - attachEcnMarker(port): on a short-lived thread that joined the port's namespace
//   (/run/netns/<ns>) — the calling thread never moves — opens and loads the object (the
//   kernel's verifier), writes the port's configuration into the map, pins the map at
//   port.pin_path, creates the device's clsact qdisc (an existing one is reused) and attaches
//   the program at egress (cls_bpf, direct action). The program stays attached after the
//   process exits, until the namespace (or the device) goes. FabricError naming the port, the
//   step and the kernel's or libbpf's message.
#pragma once

#include <cstdint>
#include <string>

namespace fabcheck::fabric {

struct EcnPort {
  std::string ns;        // "fc-x-sw"
  std::string dev;       // "p1"
  std::string pin_path;  // ecnPinPath()
  uint64_t rate_bps = 0;
  uint64_t threshold_bytes = 0;     // one of the two thresholds is non-zero
  uint32_t threshold_packets = 0;
  uint64_t queue_bytes = 0;         // the real queue's limit: bytes (bfifo) or
  uint32_t queue_packets = 0;       // packets (pfifo, netem)
  bool operator==(const EcnPort&) const = default;
};

constexpr const char* kBpffsRoot = "/sys/fs/bpf";

std::string ecnPinDir(const std::string& fabric_name);
std::string ecnPinPath(const std::string& pin_dir, const std::string& ns, const std::string& dev);

void makeEcnPinDir(const std::string& dir);
void attachEcnMarker(const EcnPort& port);

}  // namespace fabcheck::fabric
