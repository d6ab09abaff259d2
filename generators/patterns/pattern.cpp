#include "generators/patterns/pattern.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
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
  try {
    p.kind = parsePatternKind(j.at("pattern").get<std::string>(), "pattern");
    j.at("size_bytes").get_to(p.size_bytes);
    j.at("flows").get_to(p.flows);
    j.at("bidirectional").get_to(p.bidirectional);
    j.at("rate_bps").get_to(p.rate_bps);
    j.at("rate_pps").get_to(p.rate_pps);
    j.at("burst_bytes").get_to(p.burst_bytes);
    j.at("burst_interval_ns").get_to(p.burst_interval_ns);
    j.at("duration_ns").get_to(p.duration_ns);
    j.at("iterations").get_to(p.iterations);
    j.at("warmup_ns").get_to(p.warmup_ns);
    j.at("warmup_iterations").get_to(p.warmup_iterations);
    j.at("payload_check").get_to(p.payload_check);
    j.at("reply_timeout_ns").get_to(p.reply_timeout_ns);
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(std::string("malformed test parameters: ") + e.what());
  } catch (const ConfigError& e) {
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
