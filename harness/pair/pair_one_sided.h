// One-sided runs of the pair tool (`fabcheck gen --transport verbs --verb write|read`), measured
// at the initiator as ib_write_bw / ib_read_bw measure them: the client posts RDMA WRITEs or
// READs into the region the server's connection exposes (Connection::remoteRegion()) with
// engine::runOneSidedBw; the server only listens, accepts and waits for the client's stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "generators/engine/one_sided_bw.h"
#include "generators/patterns/pattern.h"
#include "generators/transport/transport.h"
#include "harness/pair/pair_types.h"

namespace fabcheck::pair {

// The verb `options` ask for ("" when none: not verbs, or the default send).
std::string verbOf(const transport::TransportOptions& options);

// kWrite / kRead when the options ask for a one-sided verb (verbs "verb" write or read).
std::optional<transport::Opcode> oneSidedOpcode(const transport::TransportOptions& options);

// The plan for one size: opcode, size, depth (verbs "tx_depth", default 128) and the params'
// duration or iterations. Throws ConfigError for a pattern other than stream (one-sided verbs
// measure bandwidth only; latency needs the peer to see the message: send or write_imm) and for
// a bidirectional run (only the initiator measures).
engine::OneSidedPlan oneSidedPlan(transport::Opcode opcode, const transport::TransportOptions& options,
                                  const patterns::PatternParams& params);

// Runs every connection's flow at once (one thread each, a local buffer registered for each),
// the flows keyed by flow id. Returns the results by flow, in flow-id order, and their
// SenderResults in `out.senders` (packets = ops completed, bytes, measured_ns = elapsed).
void runOneSidedFlows(std::map<uint32_t, std::unique_ptr<transport::Connection>>& conns,
                      const engine::OneSidedPlan& plan, const std::atomic<bool>& interrupt, SizeResult& out);

}  // namespace fabcheck::pair
