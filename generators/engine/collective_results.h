// What one rank measured running one collective at one size, and its JSON form.
//
// Produced by runCollectiveRank() (collective_executor.h), shipped to the controller as JSON
// (from_json throws ProtocolError on malformed input) and combined over ranks by
// deriveCollectiveMetrics() (collective_metrics.h). Times are ns on the rank's CLOCK_MONOTONIC;
// bytes are collective payload bytes (headers excluded), as the schedule defines them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "generators/transport/transport.h"

namespace fabcheck::engine {

// Timing of one step index, over the measured iterations.
struct CollectiveStepTiming {
  int64_t total_ns = 0;    // sum over measured iterations (mean = total / iterations)
  int64_t max_ns = 0;      // slowest iteration
  int wait_peer = -1;      // whose data completed the step last in the slowest iteration (-1: none)
};

// One connection of the rank, in one direction of data.
struct CollectiveLinkStats {
  int peer = 0;
  uint32_t channel = 0;
  bool outgoing = true;          // data rank → peer (else peer → rank)
  uint32_t flow_id = 0;
  uint64_t bytes = 0;            // payload bytes acknowledged (outgoing) / accepted (incoming)
  uint64_t segments = 0;         // distinct data segments sent / accepted
  uint64_t retransmissions = 0;  // outgoing: segments sent again
  uint64_t timeouts = 0;         // outgoing: retransmission timer expiries
  uint64_t fast_retransmits = 0; // outgoing: resends of the oldest segment on 3 duplicate acks
  uint64_t duplicates = 0;       // incoming: segments seen before (re-acked)
  uint64_t out_of_order = 0;     // incoming: segments that arrived ahead of a gap (held until it fills)
  uint64_t corrupted_bytes = 0;  // incoming: payload bytes differing from the pattern
  uint64_t malformed = 0;        // messages that were not ours or not well-formed
  uint64_t send_errors = 0;      // sends the transport completed with an error (e.g. oversize)
  int64_t busy_ns = 0;           // outgoing: time with data unsent or unacknowledged
  std::optional<transport::TcpPathInfo> tcp;  // outgoing over tcp: the kernel's TCP facts at the end
};

struct CollectiveRankResult {
  int rank = 0;
  int ranks = 0;
  std::string kind;              // patterns::toString(CollectiveKind)
  std::string algorithm;
  uint64_t size_bytes = 0;       // S
  uint64_t iterations = 0;       // measured iterations completed
  std::vector<int64_t> iteration_ns;          // one per measured iteration
  std::vector<CollectiveStepTiming> steps;    // one per step of the rank's schedule
  std::vector<CollectiveLinkStats> links;
  uint64_t bytes_sent = 0;       // payload acknowledged by receivers, warm-up included
  uint64_t bytes_received = 0;   // payload accepted, warm-up included
  uint64_t retransmissions = 0;  // sums over links
  uint64_t timeouts = 0;
  uint64_t corrupted_bytes = 0;
  std::string error;             // why the rank stopped early ("" if it did not)
};

void to_json(nlohmann::json& j, const CollectiveStepTiming& s);
void from_json(const nlohmann::json& j, CollectiveStepTiming& s);
void to_json(nlohmann::json& j, const CollectiveLinkStats& l);
void from_json(const nlohmann::json& j, CollectiveLinkStats& l);
void to_json(nlohmann::json& j, const CollectiveRankResult& r);
void from_json(const nlohmann::json& j, CollectiveRankResult& r);  // throws ProtocolError

}  // namespace fabcheck::engine
