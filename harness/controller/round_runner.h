// One round of a test on its agents, as the controller drives it:
//   setup → endpoints → (relay) connect → ready (barrier) → start at an absolute time → sent →
//   finish → results.
//
// Contract: run() appends the round's results to the outcome (senders, receivers, pingpongs,
// responders, host counters, agent logs; a collective round also its ranks' results to
// out.collective.rounds.back()), widens out.one_way_bound_ns and out.start_skew_ns, and sets
// out.error to the first agent-reported error — or, without one, to the first agent whose
// CLOCK_REALTIME stepped by more than timeouts.clock_step_bound_ns (out.clock_steps_ns holds each
// such agent's step). clockStepped() lists this round's agents whose clock stepped by more than
// kRemeasureStepNs or the bound, whichever is smaller — beyond the bound or tolerated by a raised
// one — whose clocks the controller measures again. When a step fails (AgentLinks' typed errors)
// it sets out.error to the failure, marks the agent at fault lost when the failure is its
// (transport, timeout or protocol), and tells every other participant still reachable to abort
// the round. It never throws. A participant's connection closing in any phase (the agent died)
// fails the step at once; in the run phase an agent that sends no heartbeat for the step timeout
// (frozen) fails it then (agent_links.h receiveEach).
//
// Each agent hears only what concerns it: "setup" carries the flows it sends or receives (and
// the clock corrections of those), "connect" the endpoints of the flows it sends, "finish" the
// sent counts of the flows it receives — so a round's messages stay O(flows) in total, not
// O(agents × flows). The round's flows are indexed by agent once, when the runner is built.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "generators/patterns/collective_params.h"
#include "generators/patterns/pattern.h"
#include "harness/controller/agent_links.h"
#include "harness/model/test_outcome.h"
#include "harness/model/test_spec.h"
#include "harness/protocol/agent_messages.h"

namespace fabcheck::controller {

// A step of an agent's clock larger than this (or than the bound, when smaller) makes the
// controller measure the agent's clock again, whether or not the bound tolerates it.
inline constexpr int64_t kRemeasureStepNs = 1'000'000;

struct RoundTimeouts {
  int64_t step_timeout_ns = 30'000'000'000;  // each set-up step and each reply
  int64_t start_delay_ns = 200'000'000;      // the start is at least this far in the future (startMarginNs)
  int64_t drain_allowance_ns = 5'000'000'000;  // "results" may take this much longer
  int64_t clock_step_bound_ns = 1'000'000;     // a larger step of an agent's clock errors the test
};

// How far after "ready" the round starts (pure): the larger of `floor_ns` (the configured
// start delay) and twice how long sending this round's connects took (the "start" messages go
// out one by one as the connects did, and each must arrive before the instant) plus the largest
// clock-offset bound among the round's agents (an agent's clock may be that far off our
// estimate). Not the connect → ready time: that is the agents' own set-up work (thousands of
// identities on two cores take seconds), which the start messages do not wait for. Negative
// inputs count as 0; the sum saturates at INT64_MAX / 4.
int64_t startMarginNs(int64_t floor_ns, int64_t exchange_ns, int64_t largest_offset_bound_ns);

// How often an agent sends a heartbeat while its flows run (pure): a quarter of the step timeout,
// between 10 ms and 1 s. In the run phase an agent silent for the step timeout (no heartbeat, no
// "sent") is declared lost then, not at the end of the round's duration.
int64_t heartbeatIntervalNs(int64_t step_timeout_ns);

class RoundRunner {
 public:
  // `collective`: this round's size of a collective test, else null. All references must
  // outlive run().
  RoundRunner(AgentLinks& links, RoundTimeouts timeouts, const model::TestSpec& spec,
              const patterns::PatternPlan& round, model::TestOutcome& out,
              const patterns::CollectiveParams* collective);
  void run() noexcept;
  // The agents whose clock stepped beyond the bound in this round (after run()).
  const std::vector<int>& clockStepped() const { return clock_stepped_; }

 private:
  void sendSetups();
  protocol::msg::Setup setupFor(int a) const;
  void collectEndpoints();
  void sendConnects();
  void awaitReady();
  void sendStart();
  void collectSent();
  void addCollectiveResult(int a, const protocol::msg::Sent& sent);
  void measureStartSkew(size_t first_sender);
  void sendFinish();
  void collectResults();
  void addHostCounters(int a, const nlohmann::json& counters);
  void noteClockStep(int a, int64_t step_ns);
  void abortRound(const std::exception& failure) noexcept;

  AgentLinks& links_;
  RoundTimeouts timeouts_;
  const model::TestSpec& spec_;
  const patterns::PatternPlan& round_;
  model::TestOutcome& out_;
  const patterns::CollectiveParams* collective_;

  std::vector<int> parts_;            // the round's agents, ascending
  std::vector<std::vector<size_t>> flows_of_;  // by agent id: indexes in round_.flows it sends or receives
  std::map<int, int> rank_of_;        // a collective round: agent id → its rank
  int64_t connects_sent_ns_ = 0;     // how long sending every "connect" took
  int64_t start_margin_ns_ = 0;      // startMarginNs of this round
  int current_ = -1;                  // the agent being talked to, for error attribution
  std::string phase_;
  protocol::FlowMap<transport::EndpointDesc> endpoint_of_;  // by flow id, from the receivers
  protocol::FlowMap<uint64_t> sent_;                        // packets by flow id, from the senders
  std::vector<int> clock_stepped_;
};

}  // namespace fabcheck::controller
