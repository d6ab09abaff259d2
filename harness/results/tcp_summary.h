// A test's kernel TCP facts (transport::TcpPathInfo of each connection that ran over the tcp
// transport) summed into the summary's "tcp" object, read by the tcp.* metrics:
//   {connections, segments_sent, retransmitted_segments, retransmission_ratio (retransmitted /
//    sent, 0 when nothing was sent), loss_retransmissions (retransmitted − spurious: the
//    retransmissions that repaired a real loss, at most), bytes_retransmitted, spurious_retransmissions (D-SACKed:
//    the original was not lost — reordering or a stall, not a drop), reordering_events,
//    rtt_us: {mean, max} of the connections' smoothed round trips at the end}
// On a kernel network, loss in the fabric shows up as retransmissions: this is where it is
// reported. Null when no connection has TCP facts (another transport): never zeros.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "generators/transport/transport.h"

namespace fabcheck::results {

nlohmann::json summarizeTcp(const std::vector<transport::TcpPathInfo>& connections);

}  // namespace fabcheck::results
