// Pingpong: round-trip latency, one message in flight per flow.
//
// The initiator sends a message, waits for its echo (up to `reply_timeout_ns`; then the ping
// counts as lost and the next one goes), and records the round trip on CLOCK_MONOTONIC, from
// just before the send to just after the reply is seen — application to application, as
// sockperf and perftest measure it. The responder echoes each message back with kFlagReply and
// its own send timestamp, so each side can record one-way latency where both share a clock.
//
// Phases: `warmup_iterations` round trips not recorded, then the measured phase by duration
// or by iterations. The initiator stops early on `abort`; the responder runs until `stop`, which
// it sees within 10 ms while pings come and within 100 ms once it has been idle a while (its
// wait doubles while nothing arrives: thousands of idle responders on one host must not spend
// its cores waking up).
// Set-up may throw TransportError; the loops never throw.
#pragma once

#include <atomic>
#include <cstdint>

#include "generators/engine/flow_results.h"
#include "generators/transport/transport.h"

namespace fabcheck::engine {

struct PingPlan {
  uint32_t flow_id = 0;
  uint32_t size = 64;
  int64_t start_mono_ns = 0;        // first ping not before this CLOCK_MONOTONIC time (0: at once);
                                    // the wait ends early on `abort`
  uint64_t warmup_iterations = 0;
  int64_t duration_ns = 0;          // measured phase by time, or ...
  uint64_t iterations = 0;          // ... by round trips
  int64_t reply_timeout_ns = 1'000'000'000;
  // This many pings in a row without a reply means the peer stopped answering: the run ends
  // with PingpongResult::error set instead of waiting out every remaining ping.
  uint32_t max_consecutive_timeouts = 5;
  bool same_clock = false;          // peer's timestamps can be put on our clock: record one-way latency
  int64_t clock_correction_ns = 0;  // our clock − the peer's; one-way = arrival − stamp − this
  bool busy_poll = false;           // spin on poll(0) instead of sleeping in poll(timeout)
};

PingpongResult runPingpongInitiator(transport::Connection& conn, const PingPlan& plan,
                                    const std::atomic<bool>& abort);

struct RespondPlan {
  uint32_t flow_id = 0;
  uint32_t size = 64;
  bool same_clock = false;
  int64_t clock_correction_ns = 0;  // as in PingPlan
  bool busy_poll = false;
  std::atomic<bool>* posted = nullptr;  // set once the receives are posted (may be null)
};

ResponderResult runPingpongResponder(transport::Connection& conn, const RespondPlan& plan,
                                     const std::atomic<bool>& stop);

}  // namespace fabcheck::engine
