// The controller's side of a distributed run: registers agents, measures their clocks, and
// drives each test through its phases (setup → endpoints → connect → ready → start at an
// absolute time → sent → finish → results), relaying endpoints between agents.
//
// Every wait has a timeout. An agent that dies, hangs or disconnects turns the test into an
// error naming the agent, its host and the phase; the agent is marked lost (later tests that
// need it are errors too) and the other agents are told to abort the test and stay available.
// Messages carry the test id; replies from an aborted test are discarded.
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

#include "generators/core/interfaces.h"
#include "generators/engine/collective_results.h"
#include "generators/engine/flow_results.h"
#include "generators/patterns/collective_params.h"
#include "generators/patterns/pattern.h"
#include "generators/transport/transport.h"
#include "harness/plan/placement.h"
#include "harness/protocol/control_channel.h"
#include "harness/protocol/run_secret.h"

namespace fabcheck::controller {

// The pingpong probe of a latency-under-load test: it runs alone first (the idle baseline),
// then again while the test's own flows load the fabric, over the same pair of agents.
struct ProbeSpec {
  patterns::PatternParams params;   // kind pingpong: size, reply timeout, warm-up round trips
  int from = 0, to = 1;             // placement indexes of the probe's two ends
  int dscp = -1;                    // its own DSCP (another priority); -1: the test's
  int64_t idle_duration_ns = 1'000'000'000;  // length of the idle baseline
};

// A collective test (AI-shaped load): every participant is a rank (rank r = the test's r-th
// agent) and runs its part of the schedule (patterns/collective_schedule.h) through
// engine::CollectiveExecutor over reliable links. One round per size of the sweep, each with
// fresh connections; every round is bounded by timeout_ns.
struct CollectiveSpec {
  patterns::CollectiveParams params;  // size_bytes: the first size; the sweep is `sizes`
  std::vector<uint64_t> sizes;        // S per round (nccl-tests -b/-e/-f); empty: params.size_bytes
  double link_rate_bps = 0;           // pace every link's data to this rate; 0 = as fast as possible
  uint32_t message_bytes = 8192;      // per message on the wire, the 48 header bytes included
  uint32_t window_bytes = 2 << 20;    // unacknowledged bytes per link (capped: collective_executor.h)
  double straggler_ratio = 0.5;       // a link below this × the median link rate is a straggler
  int64_t timeout_ns = 120'000'000'000;      // one size's whole run (warm-up included) on every rank
  int64_t step_timeout_ns = 10'000'000'000;  // one step of one rank (a peer that stops sending)

  std::vector<uint64_t> sweep() const { return sizes.empty() ? std::vector<uint64_t>{params.size_bytes} : sizes; }
};

// What every rank measured at one size of a collective test, by rank.
struct CollectiveRound {
  uint64_t size_bytes = 0;
  std::vector<engine::CollectiveRankResult> ranks;
};

struct TestSpec {
  std::string name;
  patterns::PatternParams params;
  plan::Placement placement = plan::Placement::kPairs;
  // Which agents take part, in placement order (placement index i runs on agents[i]); empty:
  // every registered agent. Flows in the outcome name agent ids, not placement indexes.
  std::vector<int> agents;
  uint32_t seed = 1;                // for the permutation placement
  std::string transport = "udp";
  transport::TransportOptions transport_options;
  std::optional<ProbeSpec> probe;   // latency under load; only with single-round placements
  // A collective instead of `params`' flows (placement unused: ranks are `agents` in order).
  std::optional<CollectiveSpec> collective;
  // Matrix placement: a pair below this × the median throughput is an outlier (results/matrix_outliers.h).
  double outlier_ratio = 0.9;
};

struct AgentInfo {
  int id = 0;
  std::string host, boot_id, version;
  int pid = 0;
  std::string peer;                 // control connection's remote address
  // Host facts reported at registration (empty when the agent did not report them):
  std::string kernel;               // uname release, e.g. "6.1.0-18-amd64"
  std::string clock_source;         // kernel clock source, e.g. "tsc", "kvm-clock"
  std::vector<std::string> rdma_devices;   // /sys/class/infiniband names; empty: none
  std::vector<NetInterface> interfaces;    // name, index, up/loopback, MTU, addresses/prefix
  int64_t clock_offset_ns = 0;      // agent clock − controller clock (CLOCK_REALTIME)
  // |error| ≤ this: half the best of several round trips (NTP-style, min-RTT filtered); 0 when
  // the agent runs on the controller's kernel (same boot id: one clock); −1 = unmeasured.
  int64_t offset_bound_ns = -1;
  bool lost = false;
  std::string lost_reason;
};

struct TestOutcome {
  std::string name;
  TestSpec spec;
  patterns::PatternPlan plan;
  std::string error;                // empty: the test ran; else infrastructure error (agent, host, phase)
  std::vector<engine::SenderResult> senders;
  std::vector<engine::ReceiverResult> receivers;
  std::vector<engine::PingpongResult> pingpongs;
  std::vector<engine::ResponderResult> responders;
  // With a probe: `pingpongs` holds the probe under load, this its idle baseline; the probe's
  // flow is the plan's flow with its own params.
  std::vector<engine::PingpongResult> idle_pingpongs;
  std::vector<int> participants;    // agent ids
  // Counters over the test (harness/counters/test_counters.h): each participant's host
  // counters by agent id ({sources, metrics, missing, netns}; with several rounds, the last
  // round's sources and every round's metrics summed), and the fabric's (the launcher's
  // sources, e.g. the emulated switch ports; null when the launcher has none).
  std::map<int, nlohmann::json> host_counters;
  nlohmann::json fabric_counters;
  // What each participant logged during the test (at its --log-level), by agent id; agents
  // that logged nothing are absent.
  std::map<int, std::vector<std::string>> agent_logs;
  // A collective test: one entry per size that ran, ranks in rank order (rank r = agent ranks_agents[r]).
  std::vector<CollectiveRound> collectives;
  std::vector<int> rank_agents;     // agent id of each rank
  int rounds = 0;                   // rounds run (matrix: one per matching; collective: one per size; else 1)
  // One-way latencies (and burst completion) are on the receiver's clock corrected by the
  // measured offsets; their error is at most this (sum of both ends' offset bounds, the largest
  // over the flows; 0 when every agent shares the controller's kernel); −1 = not measured.
  int64_t one_way_bound_ns = -1;
  // Spread of the senders' first sends on the controller's clock (max − min), and the bound on
  // its error from the clock offsets; −1 when fewer than two senders. With several rounds, the
  // largest of the rounds' spreads.
  int64_t start_skew_ns = -1;
  int64_t start_skew_bound_ns = -1;
};

struct ControllerOptions {
  int64_t register_timeout_ns = 30'000'000'000;
  int64_t step_timeout_ns = 30'000'000'000;   // each set-up step and each reply
  int64_t start_delay_ns = 200'000'000;       // start this far in the future, on every agent's clock
  int clock_samples = 8;
};

class Controller {
 public:
  // Agents must authenticate every message with `secret` (HMAC-SHA256); connections that do
  // not, or that send garbage, oversized or wrong-version frames, are refused and logged with
  // their address while the controller keeps serving the others.
  Controller(protocol::ControlListener listener, const protocol::RunSecret& secret, ControllerOptions options);
  ~Controller();

  // Waits until `count` agents registered (ids 0..count-1, each once). `problem` is polled
  // about every 100 ms and returns a non-empty reason when launching failed (an agent exited):
  // then LaunchError-like TransportError is thrown with that reason. TimeoutError names the
  // agents that never registered. Connections are read concurrently (registration.h), each for at
  // most step_timeout_ns, so a silent or slow peer delays no agent; reads still pending when this
  // returns or throws are cancelled and closed.
  void acceptAgents(int count, const std::function<std::string()>& problem);
  void measureClocks();
  TestOutcome runTest(const TestSpec& spec);
  void shutdown() noexcept;   // bye to every agent still connected
  // While `flag` is set, a running test stops waiting (within ~100 ms), is aborted on every agent
  // and ends with the error "interrupted during <phase>"; agents are not marked lost.
  void setInterrupt(const std::atomic<bool>* flag);

  const std::vector<AgentInfo>& agents() const;

 private:
  // One round of a test: setup … results for `round` (flows name agent ids); appends results
  // to `out`, or sets out.error and aborts the round on every agent still reachable.
  // A collective round (`collective`: this size's parameters) also gets each rank's setup and
  // appends the ranks' results to out.collectives.back().
  void runRound(const TestSpec& spec, const patterns::PatternPlan& round, TestOutcome& out,
                const patterns::CollectiveParams* collective = nullptr);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fabcheck::controller
