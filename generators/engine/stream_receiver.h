// The receiving side of a stream or microburst flow.
//
// Keeps receive buffers posted, walks every message of every completion (coalesced GRO
// buffers included), validates the wire header (malformed and foreign messages are counted,
// never trusted), feeds sequence accounting, payload checks, ECN/DSCP observation, one-way
// latency (only when both ends share a clock), per-burst timing and the interval series.
//
// Stopping: the controller sets `stop` once the sender has finished, with the sender's count in
// `sender_sent` when known. The receiver then drains: it returns as soon as every sent message
// is accounted for, or after `quiet_ns` without arrivals, or `drain_max_ns` after the stop —
// whichever comes first. `abort` returns at once. Never throws from the loop; set-up may throw
// TransportError.
//
// Waiting: arrivals wake the receiver at once; between them it wakes only to look at `stop` and
// `abort`. Until `stop_expected_mono_ns` (FlowSet::startSenders sets it: the senders' end for a
// flow of fixed duration, else the start) only `abort` can come, and it looks every 100 ms; after
// it, every 5 ms, doubling while nothing arrives up to 100 ms. So a host serving thousands of
// idle receivers (issue 18's many agent identities, a controller collecting thousands of
// results) does not spend its cores waking them, and `stop` is still seen within 5 ms when the
// controller is quick. A receiver whose owner never sets the instant looks every 100 ms.
#pragma once

#include <atomic>
#include <cstdint>

#include "generators/engine/flow_results.h"
#include "generators/transport/transport.h"

namespace fabcheck::engine {

struct ReceivePlan {
  uint32_t flow_id = 0;
  uint32_t size = 1400;             // expected message size
  bool same_clock = false;          // sender's timestamps can be put on our clock: record one-way latency
  int64_t clock_correction_ns = 0;  // our clock − the sender's; one-way = arrival − stamp − this
  uint64_t msgs_per_burst = 0;      // > 0: microburst accounting
  int64_t interval_ns = 100'000'000;
  uint32_t reorder_window = 65536;
  uint32_t buffers = 64;            // receive buffers kept posted
};

struct ReceiveControl {
  // Set once the receiver's first buffers are posted: a sender may start (over verbs a message
  // that finds no receive is an RNR, over UD it is dropped).
  std::atomic<bool> posted{false};
  std::atomic<bool> stop{false};
  std::atomic<bool> abort{false};
  std::atomic<int64_t> stop_expected_mono_ns{INT64_MAX};  // from when `stop` may come (monotonic)
  std::atomic<uint64_t> sender_sent{UINT64_MAX};  // UINT64_MAX = unknown
  int64_t quiet_ns = 50'000'000;
  int64_t drain_max_ns = 2'000'000'000;
};

ReceiverResult runReceiver(transport::Connection& conn, const transport::TransportProperties& props,
                           const ReceivePlan& plan, ReceiveControl& control);

}  // namespace fabcheck::engine
