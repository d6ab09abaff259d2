// One round of a test on an agent, the data-plane side: the transports its setup asks for, the
// endpoints of the flows it receives, the connections of the flows it sends, the FlowSet (and a
// collective's rank) that runs them, and the results. The session (agent_session.h) drives it
// step by step between the controller's messages:
//
//   TestRun run(setup, ...)       transports created (throws: the agent cannot set up)
//   run.listen()                  → the "endpoints" reply; accepting starts in the background
//   run.connect(connect)          connects, collects the accepted, builds FlowSet/rank, reads
//                                 the host counters before the traffic
//   run.start(start_wall_ns)      senders from the controller's absolute start time (heard too
//                                 late for the flows' windows: an error in the results, late_start.h)
//   run.waitSenders() / sent()    the "sent" reply (not in a collective round: see rank())
//   run.finish(sent_by_flow)      receivers finish with the senders' counts
//   run.results(log_mark)         the "results" reply (host counters after the traffic, log)
//
// With `host_counters` off (agents serving many identities from one process, agent.h) no host
// counters are read or sampled: the results' counters say {"off": why}. With `send_log` off the
// results carry no log lines (the process-wide log buffer would mix identities' lines).
//
// Leaving early (an abort, an error) is safe at any step: the destructor cancels background
// accepts within ~100 ms and ends the flows and the rank.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "generators/engine/flow_set.h"
#include "generators/transport/transport.h"
#include "harness/agent/collective_rank.h"
#include "harness/counters/test_counters.h"
#include "harness/protocol/agent_messages.h"

namespace fabcheck::agent {

struct TestRunOptions {
  bool host_counters = true;
  bool send_log = true;
  // How long a received flow's listener waits for its peer, from listen(): the peers connect only
  // once the controller has every agent's endpoints (its own step timeout). 0: the step timeout.
  int64_t accept_wait_ns = 0;
};

class TestRun {
 public:
  // `data_address`: where the received flows listen. Throws fabcheck::Error when a transport
  // cannot be created.
  TestRun(const protocol::msg::Setup& setup, std::string data_address, int64_t step_timeout_ns,
          TestRunOptions options = {});
  ~TestRun();
  TestRun(const TestRun&) = delete;
  TestRun& operator=(const TestRun&) = delete;

  protocol::msg::Endpoints listen();
  void connect(const protocol::msg::Connect& connect);
  void start(int64_t start_wall_ns);
  // This round's collective rank (set by connect() in a collective round), else null.
  CollectiveRank* rank() { return rank_.get(); }
  int64_t startMono() const { return start_mono_; }

  void waitSenders();
  // Stops every flow now (from any thread; waitSenders() then returns). Idempotent.
  void abort() noexcept;
  protocol::msg::Sent sent() const;
  void finish(const std::map<uint32_t, uint64_t>& sent_by_flow);
  // After a collective rank: ends the probe beside it; its round trips go with the results.
  void finishBesideCollective();
  protocol::msg::Results results(uint64_t log_mark);

 private:
  transport::Transport& transportFor(uint32_t flow_id);
  void startAccepting();
  void buildFlows(std::map<uint32_t, std::unique_ptr<transport::Connection>> conns);

  const protocol::msg::Setup setup_;
  const std::string data_address_;
  const int64_t step_timeout_ns_;
  const TestRunOptions options_;
  std::unique_ptr<transport::Transport> transport_;
  // Flows with their own DSCP (a probe on another priority) get a transport of their own.
  std::map<int, std::unique_ptr<transport::Transport>> marked_;
  transport::TransportProperties props_;
  bool coalescing_ = false, segmentation_ = false;

  // Declared before the futures that use them: destroyed after the accepts ended.
  std::map<uint32_t, std::unique_ptr<transport::Listener>> listeners_;
  std::atomic<bool> cancel_accepts_{false};
  std::map<uint32_t, std::future<std::unique_ptr<transport::Connection>>> accepting_;

  std::map<uint32_t, std::unique_ptr<transport::Connection>> collective_conns_;  // the rank's links
  std::unique_ptr<CollectiveRank> rank_;
  std::unique_ptr<engine::FlowSet> flows_;
  counters::CounterSet hostCounters();
  counters::CounterSet host_counters_;
  std::string replayed_from_;  // counters replayed from this directory (tests), else empty
  std::optional<counters::CountersAround> around_;
  std::string counter_error_;
  int64_t start_mono_ = 0;
  std::string late_start_error_;  // late_start.h: heard "start" too late for its flows' windows
};

}  // namespace fabcheck::agent
