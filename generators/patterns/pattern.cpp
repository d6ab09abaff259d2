#include "generators/patterns/pattern.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "generators/core/strict_json.h"
#include "generators/measure/wire_header.h"

namespace fabcheck::patterns {

std::string_view toString(PatternKind kind) noexcept {
  switch (kind) {
    case PatternKind::kPingpong: return "pingpong";
    case PatternKind::kStream: return "stream";
    case PatternKind::kMicroburst: return "microburst";
  }
  return "?";
}

PatternKind parsePatternKind(std::string_view text, std::string_view where) {
  for (auto k : {PatternKind::kPingpong, PatternKind::kStream, PatternKind::kMicroburst}) {
    if (text == toString(k)) return k;
  }
  throw ConfigError(std::string(where) + " '" + std::string(text) +
                    "': expected one of pingpong, stream, microburst");
}

void to_json(nlohmann::json& j, const PatternParams& p) {
  j = nlohmann::json{{"pattern", toString(p.kind)},
                     {"size_bytes", p.size_bytes},
                     {"flows", p.flows},
                     {"bidirectional", p.bidirectional},
                     {"rate_bps", p.rate_bps},
                     {"rate_pps", p.rate_pps},
                     {"burst_bytes", p.burst_bytes},
                     {"burst_interval_ns", p.burst_interval_ns},
                     {"duration_ns", p.duration_ns},
                     {"iterations", p.iterations},
                     {"warmup_ns", p.warmup_ns},
                     {"warmup_iterations", p.warmup_iterations},
                     {"payload_check", p.payload_check},
                     {"reply_timeout_ns", p.reply_timeout_ns}};
}

void from_json(const nlohmann::json& j, PatternParams& p) {
  using strict_json::strictAt;
  try {
    strict_json::refuseUnknownKeys(j,
                                   {"pattern", "size_bytes", "flows", "bidirectional", "rate_bps", "rate_pps",
                                    "burst_bytes", "burst_interval_ns", "duration_ns", "iterations", "warmup_ns",
                                    "warmup_iterations", "payload_check", "reply_timeout_ns"},
                                   "test parameters");
    std::string kind;
    strictAt(j, "pattern", kind);
    p.kind = parsePatternKind(kind, "pattern");
    strictAt(j, "size_bytes", p.size_bytes);
    strictAt(j, "flows", p.flows);
    strictAt(j, "bidirectional", p.bidirectional);
    strictAt(j, "rate_bps", p.rate_bps);
    strictAt(j, "rate_pps", p.rate_pps);
    strictAt(j, "burst_bytes", p.burst_bytes);
    strictAt(j, "burst_interval_ns", p.burst_interval_ns);
    strictAt(j, "duration_ns", p.duration_ns);
    strictAt(j, "iterations", p.iterations);
    strictAt(j, "warmup_ns", p.warmup_ns);
    strictAt(j, "warmup_iterations", p.warmup_iterations);
    strictAt(j, "payload_check", p.payload_check);
    strictAt(j, "reply_timeout_ns", p.reply_timeout_ns);
  } catch (const Error& e) {  // ProtocolError from the strict reads, ConfigError from the kind
    throw ProtocolError(std::string("malformed test parameters: ") + e.what());
  }
}

void validate(const PatternParams& p, uint32_t max_message_bytes, std::string_view transport,
              const ParamNames& n) {
  auto fail = [](const std::string& what) { throw ConfigError(what); };
  if (p.size_bytes < measure::kWireHeaderSize) {
    fail(n.size + " " + std::to_string(p.size_bytes) + ": below the minimum of " +
         std::to_string(measure::kWireHeaderSize) + " bytes (the fabcheck message header)");
  }
  if (p.size_bytes > max_message_bytes) {
    fail(n.size + " " + std::to_string(p.size_bytes) + ": above the " + std::string(transport) +
         " transport's maximum message of " + std::to_string(max_message_bytes) + " bytes");
  }
  if (p.flows < 1 || p.flows > 1024) {
    fail(n.flows + " " + std::to_string(p.flows) + ": expected 1 to 1024 flows");
  }
  for (const auto& [name, ns] : {std::pair<std::string, int64_t>{n.duration, p.duration_ns}, {"warm-up", p.warmup_ns},
                                 {n.interval, p.burst_interval_ns}, {"reply timeout", p.reply_timeout_ns}}) {
    if (ns < 0) fail(name + " " + std::to_string(ns) + " ns: must not be negative");
  }
  if ((p.duration_ns > 0) == (p.iterations > 0)) {
    fail("give exactly one of " + n.duration + " and " + n.iterations);
  }
  if (!std::isfinite(p.rate_bps) || p.rate_bps < 0 || !std::isfinite(p.rate_pps) || p.rate_pps < 0) {
    fail(n.rate + ": must be a positive finite rate");
  }
  if (p.kind == PatternKind::kMicroburst) {
    if (p.burst_bytes == 0 || p.burst_interval_ns <= 0) {
      fail("pattern microburst needs " + n.burst + " BYTES and " + n.interval + " TIME");
    }
    if (p.burst_bytes < p.size_bytes) {
      fail(n.burst + " " + std::to_string(p.burst_bytes) + ": smaller than one message (" + n.size +
           " " + std::to_string(p.size_bytes) + ")");
    }
  } else if (p.burst_bytes != 0 || p.burst_interval_ns != 0) {
    fail(n.burst + "/" + n.interval + " apply only to pattern microburst, not " +
         std::string(toString(p.kind)));
  }
  if (p.kind == PatternKind::kPingpong && (p.rate_bps > 0 || p.rate_pps > 0)) {
    fail(n.rate + " does not apply to pattern pingpong (one message in flight per flow)");
  }
  if (p.bidirectional && p.kind != PatternKind::kStream) {
    fail("--bidir applies only to pattern stream");
  }
}

FlowRole roleFor(PatternKind kind) noexcept {
  switch (kind) {
    case PatternKind::kPingpong: return FlowRole::kPingpong;
    case PatternKind::kMicroburst: return FlowRole::kBurst;
    case PatternKind::kStream: break;
  }
  return FlowRole::kStream;
}

void addLink(PatternPlan& plan, const PatternParams& p, int from, int to) {
  for (uint32_t i = 0; i < p.flows; ++i) {
    FlowSpec f;
    f.flow_id = static_cast<uint32_t>(plan.flows.size());
    f.role = roleFor(p.kind);
    f.sender = from;
    f.receiver = to;
    f.rate_bps = p.rate_bps / p.flows;
    f.rate_pps = p.rate_pps / p.flows;
    plan.flows.push_back(f);
  }
}

PatternPlan planPair(const PatternParams& p) {
  PatternPlan plan;
  addLink(plan, p, 0, 1);
  if (p.bidirectional) addLink(plan, p, 1, 0);
  return plan;
}

void to_json(nlohmann::json& j, const FlowSpec& f) {
  j = nlohmann::json{{"flow_id", f.flow_id},   {"role", static_cast<int>(f.role)}, {"sender", f.sender},
                     {"receiver", f.receiver}, {"rate_bps", f.rate_bps},          {"rate_pps", f.rate_pps}};
  if (f.params) j["params"] = *f.params;
  if (f.dscp >= 0) j["dscp"] = f.dscp;
}

void from_json(const nlohmann::json& j, FlowSpec& f) {
  try {
    j.at("flow_id").get_to(f.flow_id);
    const int role = j.at("role").get<int>();
    if (role < 0 || role > static_cast<int>(FlowRole::kCollective)) {
      throw ProtocolError("malformed flow: role " + std::to_string(role));
    }
    f.role = static_cast<FlowRole>(role);
    j.at("sender").get_to(f.sender);
    j.at("receiver").get_to(f.receiver);
    j.at("rate_bps").get_to(f.rate_bps);
    j.at("rate_pps").get_to(f.rate_pps);
    if (j.contains("params")) f.params = j.at("params").get<PatternParams>();
    if (j.contains("dscp")) {
      j.at("dscp").get_to(f.dscp);
      if (f.dscp < 0 || f.dscp > 63) throw ProtocolError("malformed flow: dscp " + std::to_string(f.dscp));
    }
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(std::string("malformed flow: ") + e.what());
  }
}

}  // namespace fabcheck::patterns
