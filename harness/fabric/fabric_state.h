// What `fabcheck fabric up` made, on disk, so `down` removes exactly that and `status` can list
// it: one JSON file per fabric, <dir>/fabric-<name>.json, dir = $FABCHECK_FABRIC_DIR or
// /run/fabcheck (tmpfs: a reboot, which removes the namespaces too, also forgets the state).
//
// Contract:
// - writeState() is atomic (a temporary file in the same directory, then rename), mode 0644;
//   `up` rewrites it after every step that creates something, with complete=false, so even a
//   killed `up` leaves a file `down` can clean up after; complete=true once the fabric is up.
// - readState() returns nullopt when there is no file; a file that is not ours/not valid JSON
//   is a FabricError naming the path.
// - StateLock serialises up/down of all fabrics on this host (flock on <dir>/fabric.lock),
//   waiting at most `timeout_ns` (then FabricError naming the holder file).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/fabric/fabric_plan.h"

namespace fabcheck::fabric {

struct FabricState {
  std::string name;
  std::string spec;  // canonicalSpec() of what was asked
  int net = 0;
  bool complete = false;
  int pid = 0;       // the `up` that wrote it
  std::vector<Created> created;  // in creation order
  // `up`'s calibration (fabric_calibration.h); 0: not calibrated (--no-calibrate).
  double calibrated_port_bps = 0;
  double calibrated_total_bps = 0;
  int64_t calibration_ns = 0;
  uint64_t auto_rate_bps = 0;  // rate=auto: the rate it chose
  std::string auto_rate_trials;  // ... and the trials that chose it ("500 Mbit/s: slowest host 310 Mbit/s; ...")
};

std::string defaultStateDir();
std::string statePath(const std::string& dir, const std::string& name);
std::optional<FabricState> readState(const std::string& dir, const std::string& name);
void writeState(const std::string& dir, const FabricState& state);
void removeState(const std::string& dir, const std::string& name);
std::vector<FabricState> listStates(const std::string& dir);

class StateLock {
 public:
  StateLock(const std::string& dir, int64_t timeout_ns = 120'000'000'000);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace fabcheck::fabric
