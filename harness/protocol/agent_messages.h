// The controller <-> agent messages, one struct each, encoded with message_codec.h. The
// controller and the agent both build and read them through these types, so a field that one
// side writes and the other does not read (or reads as another type) does not compile.
//
// Conversation (controller → agent / agent → controller):
//   register → admitted → (time ↔ time)* → { setup → endpoints → connect → ready → start → sent →
//   finish → results }* → bye
// Either side may send "error" {message} instead of its next message; the controller sends
// "abort" to end a test on an agent early (another agent failed). A refused registration is
// answered with "error" and the connection closed.
//
// Envelope: besides "type" and "version", every message after "register" carries the test id
// ("test_id", setTestId/testIdOf below): the controller stamps it, the agent echoes it, and a
// message of another test id (an aborted test) is ignored by both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/core/interfaces.h"
#include "generators/engine/collective_results.h"
#include "generators/engine/flow_results.h"
#include "generators/patterns/pattern.h"
#include "generators/transport/transport.h"
#include "harness/protocol/collective_setup.h"
#include "harness/protocol/message_codec.h"

namespace fabcheck::protocol {

void setTestId(nlohmann::json& message, int64_t test_id);
// The message's test id; -1 when it has none.
int64_t testIdOf(const nlohmann::json& message);

namespace msg {

using protocol::ErrorMessage;

// agent: who it is and its host's facts (agent_id required, the rest optional).
struct Register {
  static constexpr std::string_view kType = "register";
  int agent_id = -1;
  std::string host = "?";
  std::string boot_id;
  std::string fabcheck_version = "?";
  int pid = 0;
  std::vector<std::string> transports;
  std::string kernel;
  std::string clock_source;
  std::vector<std::string> rdma_devices;
  std::vector<NetInterface> interfaces;
  // The data interface's LLDP neighbour from the host's lldpd (counters/lldp_neighbour.h):
  // switch and port, or lldp_reason saying why there is none (all absent from older agents).
  std::optional<std::string> lldp_interface, lldp_switch, lldp_port, lldp_reason;
  static auto fields() {
    using wire::optional, wire::required;
    return std::tuple{required("agent_id", &Register::agent_id), optional("host", &Register::host),
                      optional("boot_id", &Register::boot_id),
                      optional("fabcheck_version", &Register::fabcheck_version), optional("pid", &Register::pid),
                      optional("transports", &Register::transports), optional("kernel", &Register::kernel),
                      optional("clock_source", &Register::clock_source),
                      optional("rdma_devices", &Register::rdma_devices),
                      optional("interfaces", &Register::interfaces),
                      optional("lldp_interface", &Register::lldp_interface),
                      optional("lldp_switch", &Register::lldp_switch), optional("lldp_port", &Register::lldp_port),
                      optional("lldp_reason", &Register::lldp_reason)};
  }
};

// controller: this agent's registration is taken. Until its first message of a test the
// controller may stay silent for up to `quiet_ns` (the rest of a long launch, the other agents'
// registrations, clock probes of the others): the agent waits at least that long before it
// gives the controller up.
struct Admitted {
  static constexpr std::string_view kType = "admitted";
  int64_t quiet_ns = 0;
  static auto fields() { return std::tuple{wire::required("quiet_ns", &Admitted::quiet_ns)}; }
};

// controller: a clock probe.
struct TimeRequest {
  static constexpr std::string_view kType = "time";
  int64_t seq = 0;
  static auto fields() { return std::tuple{wire::required("seq", &TimeRequest::seq)}; }
};

// agent: the probe's answer with the agent's CLOCK_REALTIME when it answered.
struct TimeReply {
  static constexpr std::string_view kType = "time";
  int64_t seq = 0;
  int64_t agent_wall_ns = 0;
  static auto fields() {
    return std::tuple{wire::required("seq", &TimeReply::seq), wire::required("agent_wall_ns", &TimeReply::agent_wall_ns)};
  }
};

// controller: one round of a test; flows name agent ids, `me` is the receiving agent. `flows`
// are the flows `me` sends or receives (since issue 18; an agent that also finds others there
// ignores them).
struct Setup {
  static constexpr std::string_view kType = "setup";
  std::string test;
  patterns::PatternParams params;
  std::string transport;
  transport::TransportOptions transport_options;
  std::vector<patterns::FlowSpec> flows;
  int me = 0;
  // Per flow of this agent: its clock − the peer's (the controller's estimate; one-way latency).
  FlowMap<int64_t> clock_correction_ns;
  std::optional<CollectiveSetup> collective;  // a collective round: this agent's rank
  // Read the host counters every this many ns through the test (absent or 0: before and after only).
  std::optional<int64_t> counter_interval_ns;
  // The controller's deadline for each phase of the round (every agent's endpoints, every
  // agent's "ready"): an agent waiting for the controller's next word waits this long plus its own
  // step timeout, so thousands of agents answering slowly end in the controller's abort, not in
  // an agent's own time-out. Absent (an older controller): the agent's step timeout alone.
  std::optional<int64_t> controller_step_timeout_ns;
  // While its flows run, the agent sends a "heartbeat" this often; the controller declares an
  // agent silent for its step timeout lost (absent: no heartbeats, as before).
  std::optional<int64_t> heartbeat_interval_ns;
  static auto fields() {
    using wire::optional, wire::required;
    return std::tuple{required("test", &Setup::test),
                      required("params", &Setup::params),
                      required("transport", &Setup::transport),
                      required("transport_options", &Setup::transport_options),
                      required("flows", &Setup::flows),
                      required("me", &Setup::me),
                      optional("clock_correction_ns", &Setup::clock_correction_ns),
                      optional("collective", &Setup::collective),
                      optional("counter_interval_ns", &Setup::counter_interval_ns),
                      optional("controller_step_timeout_ns", &Setup::controller_step_timeout_ns),
                      optional("heartbeat_interval_ns", &Setup::heartbeat_interval_ns)};
  }
};

// agent: where the flows it receives connect to.
struct Endpoints {
  static constexpr std::string_view kType = "endpoints";
  FlowMap<transport::EndpointDesc> flows;
  static auto fields() { return std::tuple{wire::required("flows", &Endpoints::flows)}; }
};

// controller: where the flows this agent sends connect to.
struct Connect {
  static constexpr std::string_view kType = "connect";
  FlowMap<transport::EndpointDesc> flows;
  static auto fields() { return std::tuple{wire::required("flows", &Connect::flows)}; }
};

// agent: every data connection is up; the flows are ready to start.
struct Ready {
  static constexpr std::string_view kType = "ready";
};

// controller: start at this absolute time, on the agent's own clock.
struct Start {
  static constexpr std::string_view kType = "start";
  int64_t start_wall_ns = 0;
  static auto fields() { return std::tuple{wire::required("start_wall_ns", &Start::start_wall_ns)}; }
};

// agent: its senders are done (a collective round: its rank's result).
struct Sent {
  static constexpr std::string_view kType = "sent";
  std::vector<engine::SenderResult> senders;
  std::vector<engine::PingpongResult> pingpongs;
  std::optional<engine::CollectiveRankResult> collective;
  static auto fields() {
    return std::tuple{wire::required("senders", &Sent::senders), wire::required("pingpongs", &Sent::pingpongs),
                      wire::optional("collective", &Sent::collective)};
  }
};

// controller: every agent is done sending; how many packets each flow this agent receives sent.
struct Finish {
  static constexpr std::string_view kType = "finish";
  FlowMap<uint64_t> sent;
  static auto fields() { return std::tuple{wire::required("sent", &Finish::sent)}; }
};

// agent: what its receivers and responders measured, its errors, host counters and log.
struct Results {
  static constexpr std::string_view kType = "results";
  std::vector<engine::ReceiverResult> receivers;
  std::vector<engine::ResponderResult> responders;
  // Beside a collective, the probe's round trips (it ends at "finish", after "sent").
  std::optional<std::vector<engine::PingpongResult>> pingpongs;
  std::vector<std::string> errors;
  nlohmann::json counters;  // counters::CountersAround's object plus "netns", or {"error": why}
  std::vector<std::string> log;  // this test's log lines on the agent
  // The transport's TransportProperties.caveat ("software verbs device ...: not performance")
  // and device ("mlx5_0 port 1 GID[3] ..."), when it has them.
  std::optional<std::string> transport_caveat;
  std::optional<std::string> transport_device;
  // The largest step of the agent's CLOCK_REALTIME since the controller last measured its clock,
  // seen through the round (agent/clock_watch.h), signed ns; absent (an older agent): unknown.
  std::optional<int64_t> clock_step_ns;
  static auto fields() {
    using wire::optional, wire::required;
    return std::tuple{required("receivers", &Results::receivers), required("responders", &Results::responders),
                      optional("pingpongs", &Results::pingpongs),     required("errors", &Results::errors),
                      optional("counters", &Results::counters),       optional("log", &Results::log),
                      optional("transport_caveat", &Results::transport_caveat),
                      optional("transport_device", &Results::transport_device),
                      optional("clock_step_ns", &Results::clock_step_ns)};
  }
};

// controller: the run is over; the agent exits.
struct Bye {
  static constexpr std::string_view kType = "bye";
};

// agent: still alive, its flows running (every Setup::heartbeat_interval_ns from "start" until
// "sent"). Carries nothing; the controller only notes when it last heard the agent.
struct Heartbeat {
  static constexpr std::string_view kType = "heartbeat";
};

// controller: end the current test now and stay available for the next.
struct Abort {
  static constexpr std::string_view kType = "abort";
};

}  // namespace msg
}  // namespace fabcheck::protocol
