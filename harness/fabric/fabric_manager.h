// Brings emulated fabrics up and down and reports on them: the library behind
// `fabcheck fabric up|down|status` and the emulated launcher.
//
// Contract:
// - up(spec): under the host-wide state lock. Already up with the same spec (canonicalSpec;
//   net only compared when given) and its namespaces present → no-op, created=false. Up with a
//   different spec, or left half-made by an `up` that was killed → FabricError saying what to do.
//   Otherwise chooses the net (the given one, or the first of 100..254 then 1..99 that no other
//   fabric uses and that overlaps no route of the root namespace; a given net in use →
//   FabricError naming the route or fabric), runs planUp() step by step (each with a timeout),
//   recording what it created in the state file as it goes. A failing step, an exception or
//   `interrupt` becoming true → everything created so far is removed (reverse order) and
//   FabricError is thrown naming the step, the kernel's message and that it rolled back (or
//   what it could not remove). delay= without netem → UnsupportedError, after the same roll-back.
//   Calibration: with `calibrate` (or rate=auto, which needs it) the plan's calibrate step
//   measures the unshaped fabric (fabric_calibration.h; under 2 hosts there is nothing to
//   measure, and rate=auto is then a FabricError); the state records it, rate=auto shapes every
//   port (but per-link rate overrides) at autoRate() of it, and UpResult::warning says when a
//   port's rate is above the measured figure. A no-op up returns the recorded state.
//   The ECN steps of a fabric with ecn_threshold run in-process (ecn_marker.h); their pin
//   directory is recorded like a namespace and removed by `down` (rm -rf).
// - down(name): removes exactly what the state file lists (missing pieces are fine), then the
//   file. No such fabric → FabricNotFound listing the fabrics that are up. Pieces that cannot
//   be removed → FabricError naming them; the state file keeps them for another try.
// - status(name): the layout and, per shaped port, its queue counters (tc -s -j qdisc show in
//   each namespace) and, for ECN-marking ports, their marks (counters::EcnMarkCounterSource). FabricNotFound as for down.
// - find(name): the layout of a complete fabric, nullopt when it is not up.
// - Commands (ip, bridge, tc, sysctl, ethtool) run through the given process::CommandRunner, each with
//   its default timeout; a tool that is not installed or cannot be started is a FabricError
//   naming the command and scripts/install-deps.sh.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "harness/fabric/fabric_error.h"
#include "harness/fabric/fabric_layout.h"
#include "harness/fabric/fabric_plan.h"
#include "harness/fabric/fabric_state.h"
#include "harness/fabric/port_counters.h"
#include "harness/process/command_runner.h"

namespace fabcheck::fabric {

struct UpResult {
  FabricLayout layout;
  bool created = false;  // false: it was already up (no-op)
  FabricState state;     // as recorded (its calibration, the rate rate=auto chose)
  std::string warning;   // one line, or "": a port is shaped above what the calibration measured
};

struct PortStatus {
  FabricPort port;
  PortCounters counters;
};

struct FabricStatus {
  FabricState state;
  FabricLayout layout;
  std::vector<PortStatus> ports;
  std::string counters_error;  // non-empty when some counters could not be read
};

class FabricManager {
 public:
  explicit FabricManager(process::CommandRunner& runner, std::string state_dir = defaultStateDir());

  UpResult up(const FabricSpec& spec, const std::atomic<bool>* interrupt = nullptr, bool calibrate = false);
  void down(const std::string& name);
  FabricStatus status(const std::string& name);
  std::optional<FabricLayout> find(const std::string& name);
  std::vector<FabricState> list();
  const std::string& stateDir() const { return dir_; }

 private:
  int chooseNet(const FabricSpec& spec);
  // Removes `st.created` in reverse; returns "" or what could not be removed. Updates the state
  // file (removed when everything is gone).
  std::string removeCreated(FabricState& st);
  bool namespacesPresent(const FabricState& st);
  [[noreturn]] void notFound(const std::string& name);
  // One step of planUp(): its command, or the in-process ECN steps (ecn_marker.h).
  process::CommandResult runStep(const PlanStep& step);
  // A step with batch lines: writes them to a file in the state directory, runs argv + its
  // path, removes it.
  process::CommandResult runBatch(const PlanStep& step);
  // The plan's calibrate step: measures (fabric_calibration.h) into `st`; for rate=auto sets the
  // layout's rate and plans again (the steps before shaping do not depend on rates).
  void calibrateHere(FabricState& st, FabricLayout& layout, std::vector<PlanStep>& steps);
  // rate=auto (fabric_rate_trial.cpp): from `rate` down, shapes every port at the rate for a
  // trial (the fabric's queues; no delay, no per-link overrides), paces every host to it, removes
  // the shaping, and stops at the first rate every host received kCarriedShare of (or the last
  // tried). Each trial is appended to `trials` ("500 Mbit/s: slowest host 310 Mbit/s").
  uint64_t trialAutoRate(const FabricLayout& layout, uint64_t rate, std::string& trials);
  // runner_.run(argv) under the contract above.
  process::CommandResult run(const std::vector<std::string>& argv);

  process::CommandRunner& runner_;
  std::string dir_;
};

// The layout of a recorded fabric: its spec, net and (rate=auto) the chosen rate. `where` names
// the state file in errors.
FabricLayout layoutOfState(const FabricState& st, const std::string& where);
// "" or the one-line warning for a layout shaped above a calibrated per-port figure.
std::string calibrationWarning(const FabricLayout& layout, const FabricState& st);

// Parses "ip -4 route show table all" lines into prefixes overlapping 10.<net>.0.0/16; returns
// the first such route line, "" when none (exposed for unit tests).
std::string overlappingRoute(const std::string& routes, int net);

}  // namespace fabcheck::fabric
