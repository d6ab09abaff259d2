// Value types of the pair tool (`fabcheck gen`): what a client asks for and what one test
// (one message size) produced. Pure data; see pair_client.h / pair_server.h for the session.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <map>
#include <optional>

#include "generators/engine/flow_results.h"
#include "generators/engine/one_sided_bw.h"
#include "harness/results/measurements.h"
#include "generators/patterns/pattern.h"
#include "generators/transport/transport.h"
#include "harness/protocol/run_secret.h"

namespace fabcheck::pair {

constexpr uint16_t kDefaultPort = 18515;  // perftest's out-of-band port, as users expect

struct ClientConfig {
  std::string host;                              // server's name or address
  uint16_t port = kDefaultPort;
  std::string transport = "udp";
  transport::TransportOptions transport_options; // dscp, ecn, gso/gro... (sent to the server too)
  patterns::PatternParams params;                // size_bytes is overridden per size in `sizes`
  std::vector<uint32_t> sizes;                   // one test per size (a sweep); empty = params.size_bytes
  std::string local_address;                     // source address of the data connections ("" = routed)
  bool busy_poll = false;
  int64_t control_timeout_ns = 10'000'000'000;   // every control-channel wait
  // The shared secret (pair_auth.h); nullopt = --no-auth.
  std::optional<protocol::RunSecret> secret;
};

// What the server grants any one client, whatever it asks (pair_limits.h checks a request).
struct ServerLimits {
  int64_t max_duration_ns = 60'000'000'000;  // warm-up + measured phase of one test
  double max_rate_bps = 10e9;                // over all flows of a test; the server's unpaced flows run at this
  uint32_t max_flows = 64;                   // flows per direction of one test
  uint32_t max_sessions = 4;                 // authenticated clients served at once
  uint32_t max_pending = 64;                 // connections still in their hello; the oldest is dropped beyond
};

struct ServerConfig {
  std::string bind = "0.0.0.0";                  // control address ("::" for IPv6)
  uint16_t port = kDefaultPort;                  // 0 = kernel picks
  bool once = false;                             // serve one client session, then return
  std::string bind_interface;                    // data sockets bound to this interface ("" = any)
  // This host's own verbs keys (device, port, gid_index from --device, --ib-port, --gid-index).
  // In a verbs test they replace the client's keys of those names (dropped even when these are
  // empty: each host picks its own NIC, or discovers it from its data address).
  std::map<std::string, std::string> local_extra;
  int64_t control_timeout_ns = 10'000'000'000;
  // A client that has not said hello (authenticated), or says nothing between tests, for this long
  // is dropped.
  int64_t idle_timeout_ns = 30'000'000'000;
  // The shared secret both ends hold (pair_auth.h); nullopt = --no-auth (any client is served).
  std::optional<protocol::RunSecret> secret;
  ServerLimits limits;
};

// Everything measured for one message size. A one-sided run (verbs verb write|read) measures
// at the initiator only (as ib_write_bw): `one_sided` holds each flow's run, and `senders` the
// same figures as SenderResults (no receivers).
struct SizeResult : results::Measurements {
  std::vector<engine::OneSidedResult> one_sided;  // by flow; empty for two-sided runs
  std::string verb;                               // verbs: the verb ("" for other transports)
};

struct PairRun {
  std::string client_host, server_host, transport;
  transport::TransportProperties properties;     // of the client's transport
  std::vector<SizeResult> sizes;                 // in the order run
  bool interrupted = false;                      // stopped by a signal; `sizes` holds what finished
};

}  // namespace fabcheck::pair
