// Message types of the pair tool's control protocol (over harness/protocol's ControlChannel).
//
//   client → server: hello {fabcheck_version, host, boot_id}
//   server → client: welcome {fabcheck_version, host, boot_id}
//   client → server: test {params, transport, transport_options}
//   server → client: endpoints {endpoints: [EndpointDesc json...] (by flow id, server-received flows)}
//                    (or error {message})
//   server → client: ready                  (every data connection accepted)
//   client → server: start
//   server → client: started
//   client → server: stop {senders: [SenderResult], interrupted}
//   server → client: results {senders, receivers, responders, errors}
//   client → server: bye
#pragma once

#include <string_view>

namespace fabcheck::pair::msg {

inline constexpr std::string_view kHello = "hello";
inline constexpr std::string_view kWelcome = "welcome";
inline constexpr std::string_view kTest = "test";
inline constexpr std::string_view kEndpoints = "endpoints";
inline constexpr std::string_view kReady = "ready";
inline constexpr std::string_view kStart = "start";
inline constexpr std::string_view kStarted = "started";
inline constexpr std::string_view kStop = "stop";
inline constexpr std::string_view kResults = "results";
inline constexpr std::string_view kBye = "bye";
inline constexpr std::string_view kError = "error";

}  // namespace fabcheck::pair::msg
