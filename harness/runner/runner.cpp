#include "harness/runner/runner.h"

#include <unistd.h>

#include <climits>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/log.h"
#include "harness/counters/test_counters.h"
#include "harness/launch/launcher.h"
#include "harness/protocol/run_secret.h"

namespace fabcheck {
namespace {

std::string selfExecutable() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw Error("cannot find this executable (/proc/self/exe) to run agents with; give RunOptions.binary");
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

Runner::Runner(RunOptions options) : options_(std::move(options)) {}

RunResult Runner::run(const std::vector<controller::TestSpec>& tests, const std::atomic<bool>* interrupt,
                      const std::function<void(const controller::TestOutcome&)>& on_test) {
  std::vector<launch::HostEntry> hosts = options_.hosts;
  if (hosts.empty()) hosts.push_back(launch::HostEntry{"localhost", options_.agents, {}});
  const int count = launch::totalSlots(hosts);

  auto listener = protocol::ControlListener::listen(options_.controller_address, options_.controller_port);
  const uint16_t port = listener.port();
  const protocol::RunSecret secret = protocol::generateRunSecret();
  controller::Controller ctl(std::move(listener), secret, options_.controller);

  auto launcher = launch::createLauncher(options_.launcher, options_.launcher_options);
  launch::LaunchSpec spec;
  spec.binary = options_.binary.empty() ? selfExecutable() : options_.binary;
  spec.agent_args = {"--controller", options_.controller_address + ":" + std::to_string(port)};
  spec.agent_args.insert(spec.agent_args.end(), options_.agent_args.begin(), options_.agent_args.end());
  spec.hosts = hosts;
  const int64_t launch_start = monoNowNs();
  spec.env[protocol::kSecretEnv] = secret.hex();  // out of band: never on a command line
  launcher->launch(spec);

  // The fabric's own counters (emulated switch ports), read around every test.
  counters::CounterSet fabric_counters;
  for (auto& source : launcher->fabricCounterSources()) fabric_counters.add(std::move(source));

  RunResult result;
  try {
    ctl.acceptAgents(count, [&]() -> std::string {
      if (interrupt && interrupt->load()) return "interrupted before every agent registered";
      for (const auto& x : launcher->exited()) {
        return "agent " + std::to_string(x.agent_id) + " on " + x.host + " exited with " +
               (x.signal ? "signal " + std::to_string(x.signal) : "code " + std::to_string(x.exit_code)) +
               (x.stderr_tail.empty() ? "" : ": " + x.stderr_tail);
      }
      return "";
    });
    ctl.measureClocks();
    result.launch_to_ready_ns = monoNowNs() - launch_start;
    if (options_.on_ready) options_.on_ready(ctl.agents());
    ctl.setInterrupt(interrupt);
    for (size_t i = 0; i < tests.size(); ++i) {
      if (interrupt && interrupt->load()) {
        result.interrupted = true;
        break;
      }
      if (options_.on_test_start) options_.on_test_start(i, tests[i]);
      counters::CountersAround around(fabric_counters);
      if (fabric_counters.size() > 0) around.begin();
      result.tests.push_back(ctl.runTest(tests[i]));
      if (fabric_counters.size() > 0) result.tests.back().fabric_counters = around.end();
      if (on_test) on_test(result.tests.back());
      if (options_.stop_on_error && !result.tests.back().error.empty() && i + 1 < tests.size()) {
        result.stopped_on_error = true;
        break;
      }
    }
  } catch (...) {
    ctl.shutdown();
    launcher->stop();
    throw;
  }
  result.agents = ctl.agents();
  ctl.shutdown();
  launcher->stop();
  return result;
}

}  // namespace fabcheck
