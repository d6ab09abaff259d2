// The sending side of a stream or microburst flow.
//
// Sends messages of `size` bytes with the fabcheck wire header (flow id, sequence, send
// timestamp, optional payload CRC), paced by a Pacer, batched into segmented (GSO) posts where
// the transport supports it. Phases: warm-up (messages flagged kFlagWarmup), then the measured
// phase by duration or by message count. Stops early when `abort` becomes true.
//
// Contract: set-up problems (buffer registration) throw TransportError; the send loop itself
// never throws: data-path errors are counted in the result and the first is described.
#pragma once

#include <atomic>
#include <cstdint>

#include "generators/engine/flow_results.h"
#include "generators/transport/transport.h"

namespace fabcheck::engine {

struct SendPlan {
  uint32_t flow_id = 0;
  uint32_t size = 1400;            // bytes per message, header included
  double rate_bps = 0;             // 0 = unlimited
  double rate_pps = 0;
  uint64_t burst_bytes = 0;        // microburst: bytes per burst (a whole number of messages)
  int64_t burst_interval_ns = 0;
  int64_t start_mono_ns = 0;       // absolute start; 0 = now
  int64_t warmup_ns = 0;
  int64_t duration_ns = 0;         // measured phase by time, or ...
  uint64_t iterations = 0;         // ... by messages
  bool payload_check = false;
  int64_t stall_timeout_ns = 2'000'000'000;  // no send progress for this long = error, stop
};

// `props` are the properties of the transport `conn` came from (segmentation, post limits).
SenderResult runSender(transport::Connection& conn, const transport::TransportProperties& props,
                       const SendPlan& plan, const std::atomic<bool>& abort);

}  // namespace fabcheck::engine
