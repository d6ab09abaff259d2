// The description of an emulated fabric, as users type it after `--fabric`:
//   hosts=4,topology=switch,rate=200mbit,queue=20[,queue_bytes=64K][,delay=1ms]
//   [,leaves=2,spines=2][,name=fc0][,net=42][,ecn_threshold=30KB|20p][,link.h2.rate=50mbit]
//   [,link.l0-s1.queue=10][,link.h1.ecn_threshold=10p]
//
// Contract:
// - parseFabricSpec() returns a valid spec or throws ConfigError with ONE line naming the key,
//   the value, where the text came from and what is expected; an unknown key suggests the
//   nearest known one ("unknown key 'rates'; did you mean 'rate'?").
// - Keys: hosts (1..120, default 2); topology (switch | leaf-spine, default switch); rate (every
//   switch egress port, bits per second as units.h parseRate accepts, e.g. 200mbit, 10G; default
//   1gbit; packets per second are refused; `auto`: `up` measures what this machine forwards and
//   picks a round rate the shaped ports carry, fabric_calibration.h — per-link rate overrides stay as given); queue (packets, 1..1000000, default 100) or
//   queue_bytes (a size, 1..4294967295; replaces queue); delay (a duration; needs netem, probed
//   at up); leaves (1..16, default 2) and spines (1..8, default 2), leaf-spine only;
//   name ([a-z0-9]{1,6}, default fc0); net (1..254: the fabric uses 10.<net>.0.0/16; default:
//   the first free one from 100, chosen at up); ecn_threshold (every switch egress port marks
//   CE on ECT packets that find its queue at or above this occupancy: a size as units.h
//   parseSize accepts (30000, 30KB, 64KiB) for bytes, or <N>p (20p) for packets, 1..1000000
//   packets / 1..4294967295 bytes; it must be below the port's queue limit when both are in
//   the same unit; default: no marking. See harness/fabric/ecn_marker.h and docs/fabric.md).
// - Per-link overrides: link.<LINK>.<rate|queue|queue_bytes|delay|ecn_threshold>, LINK is h<i>
//   (the link of host i) or, with leaf-spine, l<a>-s<b> (leaf a to spine b). An override of
//   queue clears the default queue_bytes and vice versa; an ecn_threshold override replaces the
//   default one whatever its unit.
// - canonicalSpec() prints every key in a fixed order with normalised values (rates in bit/s,
//   delays in ns) and without net when it was not given: two specs that mean the same fabric
//   give the same text (used to decide whether `up` is a no-op).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace fabcheck::fabric {

enum class Topology { kSwitch, kLeafSpine };

// The egress of one switch port: rate (htb), a finite queue (pfifo or bfifo), optional delay.
struct PortShaping {
  uint64_t rate_bps = 1'000'000'000;
  uint32_t queue_packets = 100;  // used when queue_bytes == 0
  uint64_t queue_bytes = 0;
  int64_t delay_ns = 0;          // 0: none
  // ECN marking (BPF at the port's egress): both 0 = no marking; at most one is non-zero.
  uint64_t ecn_threshold_bytes = 0;
  uint32_t ecn_threshold_packets = 0;
  bool marksEcn() const { return ecn_threshold_bytes != 0 || ecn_threshold_packets != 0; }
};

// A per-link override: only the members that are set replace the fabric's defaults.
struct LinkOverride {
  uint64_t rate_bps = 0;
  uint32_t queue_packets = 0;
  uint64_t queue_bytes = 0;
  int64_t delay_ns = 0;
  uint64_t ecn_threshold_bytes = 0;
  uint32_t ecn_threshold_packets = 0;
};

struct FabricSpec {
  std::string name = "fc0";
  int hosts = 2;
  Topology topology = Topology::kSwitch;
  int leaves = 2;
  int spines = 2;
  int net = 0;  // 0: chosen at up
  PortShaping port;
  bool rate_auto = false;  // rate=auto: port.rate_bps is chosen by `up` from its calibration
  std::map<std::string, LinkOverride> links;  // by link name: "h2", "l0-s1"
};

constexpr int kMaxHosts = 120;

FabricSpec parseFabricSpec(std::string_view text, std::string_view where);
std::string canonicalSpec(const FabricSpec& spec);
// The shaping of `link` ("h2", "l0-s1"): the fabric's default with the link's override applied.
PortShaping shapingOf(const FabricSpec& spec, const std::string& link);
// True when some port has a delay (netem is needed).
bool wantsDelay(const FabricSpec& spec);
// Parses an ecn_threshold value ("30000", "30KB", "20p") into bytes or packets (one non-zero);
// ConfigError naming `where`, `key` and the value otherwise.
void parseEcnThreshold(const std::string& value, const std::string& where, const std::string& key, uint64_t& bytes,
                       uint32_t& packets);
std::string topologyName(Topology t);

}  // namespace fabcheck::fabric
