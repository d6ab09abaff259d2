#include "harness/runner/agent_cluster.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/log.h"
#include "harness/counters/sampled_counters.h"
#include "harness/counters/switch_snmp_counter_source.h"
#include "harness/counters/test_counters.h"
#include "harness/launch/launcher.h"
#include "harness/protocol/run_secret.h"

namespace fabcheck {

std::string selfExecutablePath() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw Error("cannot find this executable (/proc/self/exe) to run agents with; give RunOptions.binary");
  return std::string(buf, static_cast<size_t>(n));
}

namespace {

// The controller's counters (switch ports: the emulated fabric's through tc, real switches over
// SNMP) are sampled through a test like the agents' NICs, but no faster than once a second: a
// switch's SNMP agent caches its counters for seconds (net-snmp: 3 s) and rate-limits requests.
constexpr int64_t kMinFabricSampleNs = 1'000'000'000;

counters::SamplingOptions fabricSampling(const model::TestSpec& test) {
  counters::SamplingOptions s;
  if (test.counters.interval_ns <= 0) return s;
  s.interval_ns = std::max(test.counters.interval_ns, kMinFabricSampleNs);
  s.keep = counters::sampledCounter;
  return s;
}

// Thousands of control connections: the soft RLIMIT_NOFILE goes up to the hard limit; a hard
// limit still too low for `agents` (one connection each, plus the process's own) is a clear
// error now rather than failed accepts later.
void raiseFileLimit(int agents) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  const rlim_t needed = static_cast<rlim_t>(agents) + 64;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < needed) {
    throw ConfigError("controller: open-file limit (RLIMIT_NOFILE) is " + std::to_string(lim.rlim_cur) + " (hard " +
                      std::to_string(lim.rlim_max) + "), too low for " + std::to_string(agents) +
                      " agents (about " + std::to_string(needed) + " needed); raise it with ulimit -n or run fewer agents");
  }
}

// Each agent's host, by agent id (one per slot, in hosts order).
std::vector<std::string> hostsById(const std::vector<launch::HostEntry>& hosts) {
  std::vector<std::string> out;
  for (const auto& h : hosts) out.insert(out.end(), static_cast<size_t>(h.slots), h.name);
  return out;
}

// What exited() says of an agent, in one line: "agent 2 on node7: ssh to node7: Permission denied".
std::string exitLine(const launch::AgentExit& x) {
  const std::string tail = x.stderr_tail.substr(x.stderr_tail.rfind('\n') + 1);
  const std::string how = x.signal ? "signal " + std::to_string(x.signal) : "code " + std::to_string(x.exit_code);
  return "agent " + std::to_string(x.agent_id) + " on " + x.host + " exited with " + how + (tail.empty() ? "" : ": " + tail);
}

// Registration of `count` agents, all of them or at least options.min_agents (runner.h).
void registerAgents(controller::Controller& ctl, launch::Launcher& launcher, const RunOptions& options, int count,
                    const std::vector<launch::HostEntry>& hosts, const std::atomic<bool>* interrupt) {
  auto interrupted = [&]() -> std::string {
    return interrupt && interrupt->load() ? "interrupted before every agent registered" : "";
  };
  if (options.min_agents <= 0 || options.min_agents >= count) {
    ctl.acceptAgents(count, [&]() -> std::string {
      if (std::string i = interrupted(); !i.empty()) return i;
      for (const auto& x : launcher.exited()) {
        return "agent " + std::to_string(x.agent_id) + " on " + x.host + " exited with " +
               (x.signal ? "signal " + std::to_string(x.signal) : "code " + std::to_string(x.exit_code)) +
               (x.stderr_tail.empty() ? "" : ": " + x.stderr_tail);
      }
      return "";
    });
    return;
  }
  const auto dropped = ctl.acceptAtLeast(count, options.min_agents, interrupted, [&] {
    std::map<int, std::string> gone;
    for (const auto& x : launcher.exited()) gone[x.agent_id] = exitLine(x);
    return gone;
  }, hostsById(hosts));
  if (dropped.empty()) return;
  std::string why;
  for (const auto& [id, reason] : dropped) why += (why.empty() ? "" : "; ") + reason;
  log::warn("{} of {} agents did not come; the run goes on without them (min_agents {}): {}", dropped.size(), count,
            options.min_agents, why);
}

}  // namespace

struct AgentCluster::Impl {
  std::unique_ptr<launch::Launcher> launcher;
  std::unique_ptr<controller::Controller> ctl;
  counters::CounterSet fabric_counters;  // the launcher's own network (emulated switch ports), the site's switches
};

AgentCluster::AgentCluster(RunOptions options) : options_(std::move(options)) {
  hosts_ = options_.hosts;
  if (hosts_.empty()) hosts_.push_back(launch::HostEntry{"localhost", options_.agents, {}});
}

AgentCluster::~AgentCluster() { stop(); }

bool AgentCluster::running() const noexcept { return impl_ != nullptr; }

const std::vector<model::AgentInfo>& AgentCluster::agents() const {
  static const std::vector<model::AgentInfo> kNone;
  return impl_ ? impl_->ctl->agents() : kNone;
}

void AgentCluster::start(const std::atomic<bool>* interrupt) {
  if (impl_) throw ConfigError("AgentCluster::start(): the cluster is already running; stop() it first");
  const int count = launch::totalSlots(hosts_);
  raiseFileLimit(count);
  auto impl = std::make_unique<Impl>();
  auto listener = protocol::ControlListener::listen(options_.controller_address, options_.controller_port);
  const uint16_t port = listener.port();
  const protocol::RunSecret secret = protocol::generateRunSecret();
  impl->ctl = std::make_unique<controller::Controller>(std::move(listener), secret, options_.controller);
  impl->launcher = launch::createLauncher(options_.launcher, options_.launcher_options);
  launch::LaunchSpec spec;
  spec.binary = options_.binary.empty() ? selfExecutablePath() : options_.binary;
  spec.agent_args = {"--controller", options_.controller_address + ":" + std::to_string(port)};
  spec.agent_args.insert(spec.agent_args.end(), options_.agent_args.begin(), options_.agent_args.end());
  spec.hosts = hosts_;
  spec.env[protocol::kSecretEnv] = secret.hex();  // out of band: never on a command line
  spec.keep_going = options_.min_agents > 0 && options_.min_agents < count;
  // Starting is part of registering (--register-timeout): a launch window of thousands of ssh
  // connections on a busy controller may need more than the launchers' own 30 s per launch.
  spec.start_timeout_ns = std::max(spec.start_timeout_ns, options_.controller.register_timeout_ns);
  // Registrations are read while the launch goes on (a long ssh launch admits its first agents
  // early; controller.h openRegistration).
  controller::Controller& ctl = *impl->ctl;
  ctl.openRegistration(count);
  spec.while_waiting = [&ctl] { ctl.admitWaiting(); };
  const int64_t launch_start = monoNowNs();
  try {
    impl->launcher->launch(spec);
    registerAgents(*impl->ctl, *impl->launcher, options_, count, hosts_, interrupt);
    impl->ctl->measureClocks();
    for (auto& source : impl->launcher->fabricCounterSources()) impl->fabric_counters.add(std::move(source));
    for (const auto& sw : options_.switches) {
      impl->fabric_counters.add(std::make_unique<counters::SwitchSnmpCounterSource>(sw));
    }
  } catch (...) {
    impl->ctl->shutdown();
    impl->launcher->stop();
    throw;
  }
  launch_to_ready_ns_ = monoNowNs() - launch_start;
  impl_ = std::move(impl);
  if (options_.on_ready) options_.on_ready(impl_->ctl->agents());
}

RunResult AgentCluster::runTests(const std::vector<model::TestSpec>& tests, const std::atomic<bool>* interrupt,
                                 const std::function<void(const model::TestOutcome&)>& on_test,
                                 const std::function<void(size_t, const model::TestSpec&)>& on_test_start) {
  if (!impl_) throw ConfigError("AgentCluster::runTests(): the cluster is not running; start() it first");
  controller::Controller& ctl = *impl_->ctl;
  RunResult result;
  result.launch_to_ready_ns = launch_to_ready_ns_;
  ctl.setInterrupt(interrupt);
  try {
    for (size_t i = 0; i < tests.size(); ++i) {
      if (interrupt && interrupt->load()) {
        result.interrupted = true;
        break;
      }
      if (on_test_start) on_test_start(i, tests[i]);
      counters::CountersAround around(impl_->fabric_counters, fabricSampling(tests[i]));
      const bool fabric = impl_->fabric_counters.size() > 0;
      if (fabric) around.begin();
      model::TestOutcome outcome = ctl.runTest(tests[i]);
      if (fabric) outcome.fabric_counters = around.end();
      if (on_test) on_test(outcome);
      const bool failed = !outcome.error.empty();
      if (options_.keep_outcomes) result.tests.push_back(std::move(outcome));
      if (options_.stop_on_error && failed && i + 1 < tests.size()) {
        result.stopped_on_error = true;
        break;
      }
    }
  } catch (...) {
    ctl.setInterrupt(nullptr);
    throw;
  }
  if (interrupt && interrupt->load()) result.interrupted = true;
  ctl.setInterrupt(nullptr);
  result.agents = ctl.agents();
  return result;
}

void AgentCluster::stop() noexcept {
  if (!impl_) return;
  impl_->ctl->shutdown();
  impl_->launcher->stop();
  impl_.reset();
}

}  // namespace fabcheck
