// Controller <-> agent message types (JSON objects with "type" and "version").
#pragma once

#include <string_view>

namespace fabcheck::agent::msg {

// agent: {agent_id, host, boot_id, fabcheck_version, pid, transports, kernel, clock_source,
//         rdma_devices: [name], interfaces: [NetInterface JSON, generators/core/interfaces.h]};
// a refused registration is answered with "error" {message} and the connection closed.
inline constexpr std::string_view kRegister = "register";
inline constexpr std::string_view kTime = "time";            // controller: {seq}; agent: {seq, agent_wall_ns}
inline constexpr std::string_view kSetup = "setup";          // controller: {test, params, transport, transport_options, flows, me}
inline constexpr std::string_view kEndpoints = "endpoints";  // agent: {flows: {id: desc}}  (flows it receives)
inline constexpr std::string_view kConnect = "connect";      // controller: {flows: {id: desc}} (flows it sends)
inline constexpr std::string_view kReady = "ready";          // agent
inline constexpr std::string_view kStart = "start";          // controller: {start_wall_ns} on the agent's clock
inline constexpr std::string_view kSent = "sent";            // agent: {senders, pingpongs, start_lateness_ns}
inline constexpr std::string_view kFinish = "finish";        // controller: {sent: {id: packets}}
inline constexpr std::string_view kResults = "results";      // agent: {receivers, responders, errors}
inline constexpr std::string_view kBye = "bye";              // controller
inline constexpr std::string_view kError = "error";          // either: {message}

}  // namespace fabcheck::agent::msg
