// What this machine can forward through an emulated fabric it built: every host sends to the
// next one in a ring (host i → host i+1 mod n) at once, as fast as its UDP socket lets it, for a
// short while, through the data ports before they are shaped; what arrived is the figure.
// A 2-core VM forwards far less than the 1 Gbit/s a spec may ask: then every "fabric" figure
// measures the CPU, which the calibration makes visible (docs/fabric.md "Calibration").
//
// Contract:
// - calibrateFabric(layout, duration_ns): needs at least 2 hosts (else nullopt). Opens one
//   receiving and one sending UDP socket per host in its namespace (counters/netns_socket.h;
//   port kCalibrationPort, 1400-byte datagrams, the data addresses), runs the senders for
//   duration_ns on one thread each, counts what every receiver got until 200 ms after they stop.
//   per_port_bps = every receiver's bits / hosts / duration: what a port carries on average when
//   all are busy (the slowest receiver, slowest_port_bps, moves with the CPU scheduler's
//   fairness between the senders far more than the total does). Throws FabricError naming the host and errno when a socket cannot be made.
//   With pace_bps > 0 every sender is paced to that rate (what a port carries: 1442 bytes per
//   datagram) instead: the trial of a rate through shaped ports. port_bps holds each receiver's
//   figure: port_bps[i] is what host i received (from host i-1).
// - autoRate(per_port_bps): the first rate `rate=auto` tries: 70% of the figure rounded down to a
//   round number (its leading digit × a power of ten bit/s: 463 Mbit/s → 400), at least 1 Mbit/s.
//   The unshaped figure overstates what shaped ports carry (htb costs CPU per packet), so `up`
//   then tries it (FabricManager): ports shaped at the rate, every host paced to it; a rate is
//   carried (carriesRate) when every receiver got kCarriedShare of it; else nextLowerRate().
// - nextLowerRate(r): the round number below r (500 → 400, 100 → 90 Mbit/s), 0 at or below 1 Mbit/s.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/fabric/fabric_layout.h"

namespace fabcheck::fabric {

constexpr uint16_t kCalibrationPort = 9549;
constexpr int64_t kCalibrationNs = 1'000'000'000;
constexpr int64_t kRateTrialNs = 500'000'000;  // one trial of a rate=auto candidate
constexpr double kCarriedShare = 0.9;

struct Calibration {
  double per_port_bps = 0;  // every receiver together / hosts
  double slowest_port_bps = 0;
  double total_bps = 0;     // every receiver together
  std::vector<double> port_bps;  // per receiving host
  int64_t duration_ns = 0;
  int hosts = 0;
};

std::optional<Calibration> calibrateFabric(const FabricLayout& layout, int64_t duration_ns = kCalibrationNs,
                                          double pace_bps = 0);
uint64_t autoRate(double per_port_bps);
uint64_t nextLowerRate(uint64_t rate_bps);
bool carriesRate(const Calibration& c, uint64_t rate_bps);

}  // namespace fabcheck::fabric
