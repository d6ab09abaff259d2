// Patterns: what traffic a test makes, as pure data (no I/O).
//
// A pattern turns a test's parameters and its participants into flows: who sends to whom, in
// which role, at what rate. Executing the flows is the engine's job (generators/engine/).
// Two-endpoint patterns (this file): pingpong, stream (elephant flows), microburst.
//
// Participants are numbered; for two-endpoint patterns 0 is the initiator (the pair tool's
// client) and 1 the responder (the server).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace fabcheck::patterns {

enum class PatternKind : uint8_t { kPingpong, kStream, kMicroburst };

std::string_view toString(PatternKind kind) noexcept;
// Throws ConfigError "pattern 'x' (from <where>): expected one of pingpong, stream, microburst".
PatternKind parsePatternKind(std::string_view text, std::string_view where);

// Parameters of one two-endpoint test at one message size.
struct PatternParams {
  PatternKind kind = PatternKind::kStream;
  uint32_t size_bytes = 1400;      // message size on the wire (UDP payload), header included
  uint32_t flows = 1;              // parallel flows (stream); pingpong and microburst use 1..n too
  bool bidirectional = false;      // stream: as many flows back from the responder
  double rate_bps = 0;             // total target across the flows of one direction; 0 = as fast as possible
  double rate_pps = 0;             // total packet-rate target; 0 = none
  uint64_t burst_bytes = 0;        // microburst: bytes per burst (per flow)
  int64_t burst_interval_ns = 0;   // microburst: one burst every interval
  int64_t duration_ns = 0;         // measured phase by time, or ...
  uint64_t iterations = 0;         // ... by messages per flow (pingpong: round trips). Exactly one > 0.
  int64_t warmup_ns = 0;           // traffic before the measured phase, excluded from rates/latency
  uint64_t warmup_iterations = 0;  // pingpong: round trips excluded from the histogram
  bool payload_check = false;      // CRC-32C over the payload, verified on receipt
  int64_t reply_timeout_ns = 1'000'000'000;  // pingpong: a reply later than this counts as lost
};

void to_json(nlohmann::json& j, const PatternParams& p);
void from_json(const nlohmann::json& j, PatternParams& p);  // throws ProtocolError on bad input

// What a flow does. A flow is one connection between two participants.
enum class FlowRole : uint8_t {
  kStream,     // sender streams paced messages; receiver accounts them
  kPingpong,   // sender sends one message and waits for its echo; receiver echoes
  kBurst,      // sender sends bursts on a schedule; receiver accounts per burst
  kCollective, // one link of a collective (engine/collective_executor.h): the ranks run it, not FlowSet
};

struct FlowSpec {
  uint32_t flow_id = 0;
  FlowRole role = FlowRole::kStream;
  int sender = 0;                  // participant index
  int receiver = 1;
  double rate_bps = 0;             // this flow's share of the target (0 = unlimited)
  double rate_pps = 0;
  // A flow of a composed test that runs with its own parameters instead of the test's (the
  // pingpong probe of a latency-under-load test); empty: the test's parameters.
  std::optional<PatternParams> params;
  int dscp = -1;                   // this flow's own DSCP (0..63); -1: the test's
};

struct PatternPlan {
  std::vector<FlowSpec> flows;     // flow ids are 0..n-1 in order
};

void to_json(nlohmann::json& j, const FlowSpec& f);
void from_json(const nlohmann::json& j, FlowSpec& f);  // throws ProtocolError on bad input

// The role every flow of a pattern plays.
FlowRole roleFor(PatternKind kind) noexcept;

// Appends params.flows parallel flows from participant `from` to `to` (ids continue the plan's
// numbering), each with its share of the rate. Shared by planPair and multi-agent placements.
void addLink(PatternPlan& plan, const PatternParams& params, int from, int to);

// Checks the parameters against each other and the transport's largest message; throws
// ConfigError naming the parameter (as the CLI/suite spells it via `names`), e.g.
// "--size 70000: above the udp transport's maximum message of 65507 bytes".
struct ParamNames {
  std::string size = "--size", flows = "--flows", rate = "--rate", burst = "--burst",
              interval = "--interval", duration = "--duration", iterations = "--iterations";
};
void validate(const PatternParams& params, uint32_t max_message_bytes, std::string_view transport,
              const ParamNames& names = {});

// Flows for a two-endpoint test (pure). Rates are split evenly over the flows of a direction.
PatternPlan planPair(const PatternParams& params);

}  // namespace fabcheck::patterns
