// `fabcheck gen --client HOST`: the initiating end of the pair tool.
//
// Connects to a PairServer's control port and runs one test per message size: sends the
// parameters, connects to the server's data endpoints, starts the flows, and collects both
// ends' results. Throws TransportError/TimeoutError/ProtocolError naming the server, the phase
// and what was expected; ConfigError for parameters the server rejects (its message verbatim).
// When `interrupt` becomes true the current size is stopped early, its partial results kept,
// and the run returns with interrupted = true.
#pragma once

#include <atomic>
#include <functional>

#include "harness/pair/pair_types.h"

namespace fabcheck::pair {

// Called after each size finishes (for streaming output), with the run so far (hosts, transport).
using SizeCallback = std::function<void(const PairRun&, const SizeResult&)>;

PairRun runPairClient(const ClientConfig& config, const std::atomic<bool>& interrupt,
                      const SizeCallback& on_size = {});

}  // namespace fabcheck::pair
