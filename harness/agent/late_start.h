// A late start, judged on the agent: how much of the measured windows of the flows it sends
// the time between the start instant and the moment it heard "start" took away.
//
// The controller names an absolute start instant a margin ahead (round_runner.h startMarginNs);
// an agent that hears it after the instant (an overloaded host, a slow control network) starts
// its senders late, and their windows end at the common instant all the same: a sender late by
// more than its warm-up plus its duration sends nothing, and the test would report a
// measurement of nothing (seen under load: a sender with 0 packets in a 300 ms test).
//
// Contract: lateStartError(late_ns, setup) returns "" when every duration-based flow that
// setup.me sends keeps at least (1 - kLateStartLossAllowed) of its measured window — lateness
// beyond its warm-up is at most that share of its duration — and otherwise one line for the
// test's error: "heard the start 412.0 ms after its instant: flow 3 lost 100% of its 300.0 ms
// measured window (its warm-up absorbs 0.0 ms); the controller's start margin was too short for
// this host: raise start_delay". Flows measured by iterations (no window) are never judged; a
// flow's own parameters (a probe's) replace the test's. late_ns <= 0 returns "". Pure.
#pragma once

#include <cstdint>
#include <string>

#include "harness/protocol/agent_messages.h"

namespace fabcheck::agent {

inline constexpr double kLateStartLossAllowed = 0.10;

std::string lateStartError(int64_t late_ns, const protocol::msg::Setup& setup);

}  // namespace fabcheck::agent
