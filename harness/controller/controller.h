// The controller's side of a distributed run: registers agents, measures their clocks, and
// drives each test through its phases (setup → endpoints → connect → ready → start at an
// absolute time → sent → finish → results), relaying endpoints between agents.
//
// Every wait has a timeout. An agent that dies, hangs or disconnects turns the test into an
// error naming the agent, its host and the phase; the agent is marked lost (later tests that
// need it are errors too) and the other agents are told to abort the test and stay available.
// Messages carry the test id; replies from an aborted test are discarded.
//
// A matrix test (placement matrix) runs its rounds, then runs each pair they flagged again,
// alone, to confirm it (harness/plan/matrix_retests.h); the outcome keeps the first pass's flow
// results and each retest's value per pair.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/patterns/collective_params.h"
#include "generators/patterns/pattern.h"
#include "harness/model/agent_info.h"
#include "harness/model/test_outcome.h"
#include "harness/model/test_spec.h"
#include "harness/plan/matrix_retests.h"
#include "harness/protocol/control_channel.h"
#include "harness/protocol/message_channel.h"
#include "harness/protocol/run_secret.h"

namespace fabcheck::controller {

using model::AgentInfo;
using model::TestOutcome;
using model::TestSpec;

struct ControllerOptions {
  int64_t register_timeout_ns = 30'000'000'000;
  int64_t step_timeout_ns = 30'000'000'000;   // each set-up step and each reply
  // The start instant of a round is at least this far in the future, on every agent's clock;
  // more when the round is large: twice how long its connect → ready exchange took plus the
  // largest clock-offset bound among its agents (controller::startMarginNs, round_runner.h), so
  // that the one-by-one "start" messages reach the slowest agent before the instant.
  int64_t start_delay_ns = 200'000'000;
  int64_t drain_allowance_ns = 5'000'000'000; // "results" may take this much longer (receivers drain)
  int clock_samples = 8;
  // A participant whose CLOCK_REALTIME stepped by more than this since its clock was measured
  // (an agent's "results" say by how much: agent/clock_watch.h) makes the test an error naming it.
  // Its clock is measured again before the next test, also after a smaller step of more than 1 ms
  // (round_runner.h, kRemeasureStepNs). Steps are all that moves realtime
  // against monotonic (slewing moves both), so the bound covers only the reading's own jitter.
  int64_t clock_step_bound_ns = 1'000'000;
};

// An agent that has registered already, with its channel (tests: an in-memory fake).
struct ConnectedAgent {
  AgentInfo info;  // info.id must be its index among the agents given
  std::unique_ptr<protocol::MessageChannel> channel;
};

class Controller {
 public:
  // Agents must authenticate every message with `secret` (HMAC-SHA256); connections that do
  // not, or that send garbage, oversized or wrong-version frames, are refused and logged with
  // their address while the controller keeps serving the others.
  Controller(protocol::ControlListener listener, const protocol::RunSecret& secret, ControllerOptions options);
  // Over agents that registered already (agent i = agents[i]; ConfigError when an id does not
  // match its index). It has no listener: acceptAgents() throws ConfigError.
  Controller(std::vector<ConnectedAgent> agents, ControllerOptions options);
  ~Controller();

  // Waits until `count` agents registered (ids 0..count-1, each once). `problem` is polled
  // about every 100 ms and returns a non-empty reason when launching failed (an agent exited):
  // then LaunchError-like TransportError is thrown with that reason. TimeoutError names the
  // agents that never registered. Connections are read concurrently (registration.h), each for at
  // most step_timeout_ns, so a silent or slow peer delays no agent; reads still pending when this
  // returns or throws are cancelled and closed.
  void acceptAgents(int count, const std::function<std::string()>& problem);
  // Registration before acceptAgents/acceptAtLeast: the desk opens now (connections are accepted
  // and read from here on, in the background), and admitWaiting() takes — without waiting — the
  // registrations read so far, so that a long launch (thousands of ssh connections) admits its
  // first agents while it goes on. Each admitted agent hears "admitted" with how long the
  // controller may stay quiet before its first test. acceptAgents/acceptAtLeast of the same
  // count go on from there (another count starts over) and close the desk when they end, and
  // the control listener with it (no registration comes after; nothing would accept).
  void openRegistration(int count);
  void admitWaiting();
  // acceptAgents() for a run that may go on without some agents (min_agents, min_count < count).
  // `gone` is polled like `problem` and names the agents that will not register (their launch
  // failed, they exited): id → why, one line. Waits until every agent registered or is gone, or
  // the register timeout. Then, with at least `min_count` registered, returns the others (id →
  // why; "did not register within N s" for the silent ones) and marks each dropped
  // (AgentInfo::dropped, lost, lost_reason why, host = hosts_by_id[id] when given). With fewer, and
  // as soon as fewer than min_count can still come, throws TransportError in one line: "too few
  // agents: K of N can register, min_agents is M: agent 2 on node7: ...; ...". `problem` still
  // ends the wait at once (an interrupt).
  std::map<int, std::string> acceptAtLeast(int count, int min_count, const std::function<std::string()>& problem,
                                           const std::function<std::map<int, std::string>()>& gone,
                                           const std::vector<std::string>& hosts_by_id);
  void measureClocks();
  // Agent a's clock offset from `samples` probes (the fastest one's); with none (an agent on our
  // kernel) it is exactly 0.
  void measureClock(int a, int samples);
  TestOutcome runTest(const TestSpec& spec);
  void shutdown() noexcept;   // bye to every agent still connected
  // While `flag` is set, a running test stops waiting (within ~100 ms), is aborted on every agent
  // and ends with the error "interrupted during <phase>"; agents are not marked lost.
  void setInterrupt(const std::atomic<bool>* flag);

  const std::vector<AgentInfo>& agents() const;

 private:
  // One round of a test (round_runner.h).
  void runRound(const TestSpec& spec, const patterns::PatternPlan& round, TestOutcome& out,
                const patterns::CollectiveParams* collective = nullptr);
  // A probe's idle baseline (the probe alone) before the loaded rounds; false when it failed.
  bool runIdleBaseline(const TestSpec& spec, const patterns::PatternPlan& first_round, TestOutcome& out);
  // One size of a collective test: its round, then the ranks' results sorted and checked.
  void runCollectiveRound(const TestSpec& spec, const patterns::PatternPlan& round,
                          const patterns::CollectiveParams& params, TestOutcome& out);
  // A matrix test's confirmation (plan/matrix_retests.h): after the first pass, each flagged
  // pair runs again alone, up to spec.outlier_retests times while it stays outside; what each
  // retest measured goes to out.matrix_retests (the flow results stay the first pass's).
  void retestFlaggedPairs(const TestSpec& spec, TestOutcome& out);
  // One retest of pair (a, b); its value, none when the round measured none.
  std::optional<double> retestPair(const TestSpec& spec, int a, int b, plan::MatrixMetric metric, TestOutcome& out);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fabcheck::controller
