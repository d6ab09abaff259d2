// One-sided bandwidth (RDMA WRITE or READ) measured at the initiator, as perftest's ib_write_bw
// and ib_read_bw measure it: the peer's CPU sees nothing, so only this side counts.
//
// Given a connected Connection whose remoteRegion() is set (verbs with verb write|read), posts
// `size`-byte kWrite (or kRead) ops round-robin over the remote region: op i goes to slot
// i mod (region.size / size), i.e. remote_addr = region.data + (i * size) mod (slots * size),
// remote_key = region.remote_key, so every op stays inside the region. The local side of op i
// is the same slot of `local` (the source of a WRITE, the destination of a READ). Keeps at most
// `depth` ops in flight, counts completions, and stops posting at `iterations` ops or after
// `duration_ns`, then waits for the ops in flight.
//
// Contract: never throws. A bad set-up (no remote region, a region or buffer smaller than one
// message, opcode not kWrite/kRead) returns at once with `error` set. A completion with an error
// status ends the run with `error` naming the op, its status and the connection; so does no
// completion for `stall_timeout_ns` with ops in flight. After an error the ops still in flight
// are reaped (a failed QP flushes them; at most stall_timeout_ns) so that `local` may be
// released when this returns. `abort` stops posting early.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "generators/transport/transport.h"

namespace fabcheck::engine {

struct OneSidedPlan {
  transport::Opcode opcode = transport::Opcode::kWrite;  // kWrite or kRead
  uint32_t size = 65536;           // bytes per op
  uint32_t depth = 128;            // ops in flight at most (perftest -t)
  int64_t duration_ns = 0;         // post for this long, or ...
  uint64_t iterations = 0;         // ... this many ops. Exactly one > 0.
  int64_t interval_ns = 100'000'000;  // bytes completed per interval, for the peak rate
  int64_t stall_timeout_ns = 5'000'000'000;
};

struct OneSidedResult {
  uint64_t ops = 0;                // completed without error
  uint64_t bytes = 0;
  int64_t elapsed_ns = 0;          // first post to last completion
  uint32_t max_in_flight = 0;      // never above plan.depth
  std::vector<uint64_t> interval_bytes;  // bytes completed in each whole interval_ns (peak rate)
  std::string error;               // empty: ran to its end
};

OneSidedResult runOneSidedBw(transport::Connection& conn, const transport::MemoryRegion& local,
                             const OneSidedPlan& plan, const std::atomic<bool>& abort);

}  // namespace fabcheck::engine
