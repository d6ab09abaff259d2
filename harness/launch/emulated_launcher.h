// The "emulated" launcher: agents run inside the host namespaces of an emulated fabric
// (harness/fabric), one agent per slot, as `ip netns exec fc-<name>-h<i> <binary> agent ...`.
//
// Options (exactly one):
//   fabric=SPEC       the fabric (fabric_spec.h syntax). launch() brings it up when no fabric of
//                     that name is up, and stop() takes it down again; when it is already up
//                     with the same spec it is reused and left up (a different spec: LaunchError).
//   fabric_name=NAME  a fabric that is already up (`fabcheck fabric up`); used, never taken down.
// And optionally calibrate=yes|no (default yes): whether a fabric that fabric=SPEC brings up is
// calibrated (fabric_calibration.h; rate=auto always is); a warning is logged when its ports are
// shaped above the calibration.
//
// Contract (on top of launcher.h and local_launcher.h):
// - Hosts are the fabric's hosts, named h0..h<N-1> (a namespace name fc-<name>-h<i> is accepted
//   too); emulatedHosts() lists them with slots=1 and, for leaf-spine, the label leaf=<a>.
//   A host name that is not in the fabric → LaunchError naming it and the fabric's hosts.
// - argv = {"ip", "netns", "exec", <ns>, binary, "agent", agent_args..., "--data-address",
//   <the host's data address>, "--agent-id", <i>}: control traffic uses the management network
//   (root-namespace bridge, never shaped), data flows the fabric.
// - The controller must listen where agents can reach it: emulatedControllerAddress(). When
//   the fabric is not up yet (fabric=SPEC), that is "0.0.0.0" (every address) and launch()
//   replaces the host part of the agents' `--controller 0.0.0.0:PORT` with the fabric's
//   management address once the fabric is up.
// - Fabric problems at launch (a spec the kernel refuses, no root) → LaunchError with the
//   fabric's message; the fabric is rolled back by FabricManager::up.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/fabric/fabric_layout.h"
#include "harness/launch/child_process_launcher.h"
#include "harness/launch/launcher_options.h"

namespace fabcheck::launch {

struct EmulatedOptions {
  std::string spec;         // fabric=
  std::string fabric_name;  // fabric_name= (or the name in spec)
  std::string state_dir;    // empty: fabric::defaultStateDir()
  bool calibrate = true;    // calibrate=no: a fabric brought up by fabric=SPEC is not calibrated
};

// Throws ConfigError "emulated launcher: ..." for unknown options, neither or both of fabric=
// and fabric_name=, or a spec that does not parse.
EmulatedOptions parseEmulatedOptions(const OptionMap& options);

// The fabric's hosts (see above). fabric_name= of a fabric that is not up → ConfigError.
std::vector<HostEntry> emulatedHosts(const OptionMap& options);

// Where the controller should listen: the fabric's management address when it is up, else
// "0.0.0.0" (see above).
std::string emulatedControllerAddress(const OptionMap& options);

class EmulatedLauncher : public ChildProcessLauncher {
 public:
  explicit EmulatedLauncher(EmulatedOptions options);
  ~EmulatedLauncher() override;
  std::string name() const override { return "emulated"; }
  void launch(const LaunchSpec& spec) override;
  void stop(int64_t grace_ns = 2'000'000'000) noexcept override;
  // A qdisc source (counters/qdisc_counter_source.h) per switch, leaf and spine namespace, and
  // the emulator source (counters/emulator_counter_source.h: the machine's backlog drops and the
  // fabric's calibration), and the ECN marks source (counters/ecn_mark_counter_source.h) when a
  // port has ecn_threshold.
  std::vector<std::unique_ptr<counters::CounterSource>> fabricCounterSources() override;

 private:
  EmulatedOptions options_;
  bool owns_fabric_ = false;
  std::vector<std::string> switch_namespaces_;  // of the fabric in use, after launch()
  std::string ecn_pin_dir_;                     // its ECN marks' pin directory; empty: it marks none
  uint64_t calibrated_port_bps_ = 0;            // its recorded calibration; 0: none
};

}  // namespace fabcheck::launch
