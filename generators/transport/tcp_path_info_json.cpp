// TcpPathInfo as JSON (tcp_path_info_json.h).
#include "generators/transport/tcp_path_info_json.h"

#include "generators/core/errors.h"

namespace fabcheck::transport {

nlohmann::json tcpPathInfoToJson(const std::optional<TcpPathInfo>& info) {
  if (!info) return nullptr;
  const TcpPathInfo& p = *info;
  return {{"segments_sent", p.segments_sent},
          {"segments_retransmitted", p.segments_retransmitted},
          {"bytes_sent", p.bytes_sent},
          {"bytes_retransmitted", p.bytes_retransmitted},
          {"spurious_retransmissions", p.spurious_retransmissions},
          {"reordering_events", p.reordering_events},
          {"rtt_us", p.rtt_us},
          {"rttvar_us", p.rttvar_us},
          {"cwnd_segments", p.cwnd_segments},
          {"mss_bytes", p.mss_bytes},
          {"delivery_rate_bps", p.delivery_rate_bps}};
}

std::optional<TcpPathInfo> tcpPathInfoFromJson(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  TcpPathInfo p;
  try {
    j.at("segments_sent").get_to(p.segments_sent);
    j.at("segments_retransmitted").get_to(p.segments_retransmitted);
    j.at("bytes_sent").get_to(p.bytes_sent);
    j.at("bytes_retransmitted").get_to(p.bytes_retransmitted);
    j.at("spurious_retransmissions").get_to(p.spurious_retransmissions);
    j.at("reordering_events").get_to(p.reordering_events);
    j.at("rtt_us").get_to(p.rtt_us);
    j.at("rttvar_us").get_to(p.rttvar_us);
    j.at("cwnd_segments").get_to(p.cwnd_segments);
    j.at("mss_bytes").get_to(p.mss_bytes);
    j.at("delivery_rate_bps").get_to(p.delivery_rate_bps);
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(std::string("malformed tcp path facts: ") + e.what());
  }
  return p;
}

}  // namespace fabcheck::transport
