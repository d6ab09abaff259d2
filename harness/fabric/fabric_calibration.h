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
// - autoRate(per_port_bps): the rate `rate=auto` picks: 70% of the figure rounded down to a
//   round number (its leading digit × a power of ten bit/s: 463 Mbit/s → 400), at least 1 Mbit/s.
#pragma once

#include <cstdint>
#include <optional>

#include "harness/fabric/fabric_layout.h"

namespace fabcheck::fabric {

constexpr uint16_t kCalibrationPort = 9549;
constexpr int64_t kCalibrationNs = 1'000'000'000;

struct Calibration {
  double per_port_bps = 0;  // every receiver together / hosts
  double slowest_port_bps = 0;
  double total_bps = 0;     // every receiver together
  int64_t duration_ns = 0;
  int hosts = 0;
};

std::optional<Calibration> calibrateFabric(const FabricLayout& layout, int64_t duration_ns = kCalibrationNs);
uint64_t autoRate(double per_port_bps);

}  // namespace fabcheck::fabric
