// TcpPathInfo (transport.h) as JSON, for results crossing the control channel and for reports:
// {"segments_sent", "segments_retransmitted", "bytes_sent", "bytes_retransmitted",
//  "spurious_retransmissions", "reordering_events", "rtt_us", "rttvar_us", "cwnd_segments",
//  "mss_bytes", "delivery_rate_bps"}. An absent TcpPathInfo is JSON null (not zeros).
// from_json throws ProtocolError on a malformed object, naming the key.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "generators/transport/transport.h"

namespace fabcheck::transport {

nlohmann::json tcpPathInfoToJson(const std::optional<TcpPathInfo>& info);
std::optional<TcpPathInfo> tcpPathInfoFromJson(const nlohmann::json& j);

}  // namespace fabcheck::transport
