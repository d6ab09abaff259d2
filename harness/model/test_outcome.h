// What one test produced: the flows' results as the agents measured them, the pattern-specific
// parts (a collective's rounds, a probe's idle baseline) as their own types, the counters
// around the test and what the agents logged. Written by the controller, read by the results
// (harness/results/) and nothing upstream of it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/engine/collective_results.h"
#include "generators/engine/flow_results.h"
#include "generators/patterns/pattern.h"
#include "harness/model/test_spec.h"

namespace fabcheck::model {

// What every rank measured at one size of a collective test, by rank.
struct CollectiveRound {
  uint64_t size_bytes = 0;
  std::vector<engine::CollectiveRankResult> ranks;
};

// A collective test's part of the outcome: one entry per size that ran, ranks in rank order
// (rank r = agent rank_agents[r]). Empty for other tests.
struct CollectiveOutcome {
  std::vector<CollectiveRound> rounds;
  std::vector<int> rank_agents;     // agent id of each rank
};

// A latency-under-load probe's idle baseline (the probe under load is in the outcome's
// `pingpongs`; the probe's flow is the plan's flow with its own params). Empty without a probe.
struct ProbeOutcome {
  std::vector<engine::PingpongResult> idle_pingpongs;
};

// One pair a matrix test's first pass flagged, and what its retests measured
// (harness/plan/matrix_retests.h): agent ids a < b, the first pass's value, and the value of each
// retest it ran in, in order (none: that retest measured no value). A pair that recovered ran
// in fewer retests than asked.
struct MatrixRetest {
  int a = 0, b = 0;
  double first_pass = 0;
  std::vector<std::optional<double>> values;
};

struct TestOutcome {
  std::string name;
  TestSpec spec;
  patterns::PatternPlan plan;       // every round's flows; a matrix (lazy rounds): those of the rounds that ran
  std::string error;                // empty: the test ran; else infrastructure error (agent, host, phase)
  std::vector<engine::SenderResult> senders;
  std::vector<engine::ReceiverResult> receivers;
  std::vector<engine::PingpongResult> pingpongs;
  std::vector<engine::ResponderResult> responders;
  ProbeOutcome probe;
  CollectiveOutcome collective;
  // A matrix test's flagged pairs and their retests (empty: nothing flagged, or retests off).
  // The flow results above are the first pass's; the retests' counters and logs are in
  // host_counters and agent_logs with the other rounds'.
  std::vector<MatrixRetest> matrix_retests;
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
  // Why this test's figures are not performance, when the transport says so (the verbs
  // software device of the tests); empty otherwise. And each participant's RDMA device.
  std::string transport_caveat;
  std::map<int, std::string> transport_devices;
  // The controller's time in each phase of a round (setup, connect, start, run, results), summed
  // over the rounds; what the report's phases_ms shows.
  std::map<std::string, int64_t> phase_ns;
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
  // Participants whose CLOCK_REALTIME stepped during the test by more than the controller's
  // bound (ControllerOptions::clock_step_bound_ns, kept beside): agent id → the step, signed ns
  // (agent/clock_watch.h). Their timestamps are not trustworthy: the test is an error naming them.
  std::map<int, int64_t> clock_steps_ns;
  int64_t clock_step_bound_ns = 0;
};

}  // namespace fabcheck::model
