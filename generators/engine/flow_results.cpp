#include "generators/engine/flow_results.h"

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "generators/transport/tcp_path_info_json.h"

namespace fabcheck::engine {
namespace {

using nlohmann::json;

json histOrNull(const std::optional<measure::LatencyHistogram>& h) {
  return h ? h->toJson() : json(nullptr);
}

std::optional<measure::LatencyHistogram> histFrom(const json& j) {
  if (j.is_null()) return std::nullopt;
  return measure::LatencyHistogram::fromJson(j);
}

// Runs a from_json body, turning json library errors into ProtocolError naming the type.
template <typename F>
void parsing(const char* what, F&& body) {
  try {
    body();
  } catch (const json::exception& e) {
    throw ProtocolError(std::string("malformed ") + what + ": " + e.what());
  }
}

}  // namespace

void to_json(json& j, const SenderResult& r) {
  j = json{{"flow_id", r.flow_id},           {"packets", r.packets},
           {"bytes", r.bytes},               {"measured_packets", r.measured_packets},
           {"measured_bytes", r.measured_bytes}, {"measured_ns", r.measured_ns},
           {"target_bps", r.target_bps},     {"target_pps", r.target_pps},
           {"achieved_bps", r.achieved_bps}, {"achieved_pps", r.achieved_pps},
           {"bursts", r.bursts},             {"send_errors", r.send_errors},
           {"send_error_packets", r.send_error_packets}, {"backpressure", r.backpressure}, {"error", r.error},
           {"first_send_wall_ns", r.first_send_wall_ns}, {"tcp", transport::tcpPathInfoToJson(r.tcp)}};
}

void from_json(const json& j, SenderResult& r) {
  parsing("sender result", [&] {
    j.at("flow_id").get_to(r.flow_id);
    j.at("packets").get_to(r.packets);
    j.at("bytes").get_to(r.bytes);
    j.at("measured_packets").get_to(r.measured_packets);
    j.at("measured_bytes").get_to(r.measured_bytes);
    j.at("measured_ns").get_to(r.measured_ns);
    j.at("target_bps").get_to(r.target_bps);
    j.at("target_pps").get_to(r.target_pps);
    j.at("achieved_bps").get_to(r.achieved_bps);
    j.at("achieved_pps").get_to(r.achieved_pps);
    j.at("bursts").get_to(r.bursts);
    j.at("send_errors").get_to(r.send_errors);
    r.send_error_packets = j.value("send_error_packets", uint64_t{0});
    j.at("backpressure").get_to(r.backpressure);
    j.at("error").get_to(r.error);
    j.at("first_send_wall_ns").get_to(r.first_send_wall_ns);
    r.tcp = transport::tcpPathInfoFromJson(j.value("tcp", nlohmann::json()));
  });
}

void to_json(json& j, const ReceiverResult& r) {
  j = json{{"flow_id", r.flow_id},
           {"sequence", r.sequence},
           {"bytes", r.bytes},
           {"measured_packets", r.measured_packets},
           {"measured_bytes", r.measured_bytes},
           {"first_rx_mono_ns", r.first_rx_mono_ns},
           {"last_rx_mono_ns", r.last_rx_mono_ns},
           {"malformed", r.malformed},
           {"corrupted", r.corrupted},
           {"truncated", r.truncated},
           {"ce_marked", r.ce_marked},
           {"dscp_seen", r.dscp_seen},
           {"timestamp_source", transport::toString(r.ts_source)},
           {"ts_source", static_cast<int>(r.ts_source)},
           {"one_way_ns", histOrNull(r.one_way_ns)},
           {"series", r.series.toJson()},
           {"bursts_seen", r.bursts_seen},
           {"bursts_incomplete", r.bursts_incomplete},
           {"burst_spread_ns", histOrNull(r.burst_spread_ns)},
           {"burst_completion_ns", histOrNull(r.burst_completion_ns)},
           {"error", r.error}};
}

void from_json(const json& j, ReceiverResult& r) {
  parsing("receiver result", [&] {
    j.at("flow_id").get_to(r.flow_id);
    j.at("sequence").get_to(r.sequence);
    j.at("bytes").get_to(r.bytes);
    j.at("measured_packets").get_to(r.measured_packets);
    j.at("measured_bytes").get_to(r.measured_bytes);
    j.at("first_rx_mono_ns").get_to(r.first_rx_mono_ns);
    j.at("last_rx_mono_ns").get_to(r.last_rx_mono_ns);
    j.at("malformed").get_to(r.malformed);
    j.at("corrupted").get_to(r.corrupted);
    j.at("truncated").get_to(r.truncated);
    j.at("ce_marked").get_to(r.ce_marked);
    j.at("dscp_seen").get_to(r.dscp_seen);
    if (j.contains("error")) j.at("error").get_to(r.error);
    int ts = j.at("ts_source").get<int>();
    if (ts < 0 || ts > 3) throw ProtocolError("malformed receiver result: ts_source " + std::to_string(ts));
    r.ts_source = static_cast<transport::TimestampSource>(ts);
    r.one_way_ns = histFrom(j.at("one_way_ns"));
    r.series = measure::IntervalSeries::fromJson(j.at("series"));
    j.at("bursts_seen").get_to(r.bursts_seen);
    j.at("bursts_incomplete").get_to(r.bursts_incomplete);
    r.burst_spread_ns = histFrom(j.at("burst_spread_ns"));
    r.burst_completion_ns = histFrom(j.at("burst_completion_ns"));
  });
}

void to_json(json& j, const PingpongResult& r) {
  j = json{{"flow_id", r.flow_id},   {"sent", r.sent},         {"replies", r.replies},
           {"timeouts", r.timeouts}, {"stray", r.stray},       {"measured", r.measured},
           {"measured_ns", r.measured_ns}, {"rtt_ns", r.rtt_ns.toJson()},
           {"one_way_ns", histOrNull(r.one_way_ns)}, {"error", r.error}, {"tcp", transport::tcpPathInfoToJson(r.tcp)}};
}

void from_json(const json& j, PingpongResult& r) {
  parsing("pingpong result", [&] {
    j.at("flow_id").get_to(r.flow_id);
    j.at("sent").get_to(r.sent);
    j.at("replies").get_to(r.replies);
    j.at("timeouts").get_to(r.timeouts);
    j.at("stray").get_to(r.stray);
    j.at("measured").get_to(r.measured);
    j.at("measured_ns").get_to(r.measured_ns);
    r.rtt_ns = measure::LatencyHistogram::fromJson(j.at("rtt_ns"));
    r.one_way_ns = histFrom(j.at("one_way_ns"));
    j.at("error").get_to(r.error);
    r.tcp = transport::tcpPathInfoFromJson(j.value("tcp", nlohmann::json()));
  });
}

void to_json(json& j, const ResponderResult& r) {
  j = json{{"flow_id", r.flow_id}, {"echoed", r.echoed}, {"malformed", r.malformed},
           {"one_way_ns", histOrNull(r.one_way_ns)}, {"dscp_seen", r.dscp_seen}, {"tcp", transport::tcpPathInfoToJson(r.tcp)}};
}

void from_json(const json& j, ResponderResult& r) {
  parsing("responder result", [&] {
    j.at("flow_id").get_to(r.flow_id);
    j.at("echoed").get_to(r.echoed);
    j.at("malformed").get_to(r.malformed);
    r.one_way_ns = histFrom(j.at("one_way_ns"));
    r.dscp_seen = j.value("dscp_seen", -1);
    r.tcp = transport::tcpPathInfoFromJson(j.value("tcp", nlohmann::json()));
  });
}

}  // namespace fabcheck::engine
