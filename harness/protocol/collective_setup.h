// The part of a collective round's setup message that tells an agent which rank it runs and
// how (harness/agent/collective_rank.h runs it).
#pragma once

#include <cstdint>

#include <nlohmann/json_fwd.hpp>

#include "generators/patterns/collective_params.h"

namespace fabcheck::protocol {

struct CollectiveSetup {
  patterns::CollectiveParams params;  // size_bytes: this round's S
  int ranks = 0;
  int rank = 0;                       // this agent's rank
  double link_rate_bps = 0;           // pace every outgoing link (0 = no limit)
  uint32_t message_bytes = 8192;
  uint32_t window_bytes = 2 << 20;
  int64_t step_timeout_ns = 10'000'000'000;
  int64_t timeout_ns = 120'000'000'000;  // the whole run of this rank
};

void to_json(nlohmann::json& j, const CollectiveSetup& s);
void from_json(const nlohmann::json& j, CollectiveSetup& s);  // throws ProtocolError

}  // namespace fabcheck::protocol
