#include "harness/protocol/message_channel.h"

#include <fmt/format.h>

#include "generators/core/errors.h"

namespace fabcheck::protocol {

nlohmann::json MessageChannel::receive(int64_t timeout_ns, std::string_view phase) {
  if (auto message = tryReceive(timeout_ns, phase)) return std::move(*message);
  const std::string within = timeout_ns >= 100'000'000 ? fmt::format("{:.1f} s", static_cast<double>(timeout_ns) / 1e9)
                                                       : fmt::format("{} ms", std::max<int64_t>(timeout_ns, 0) / 1'000'000);
  throw TimeoutError(fmt::format("no message from {} within {}{}", peer(), within,
                                 phase.empty() ? std::string() : fmt::format(" while {}", phase)));
}

}  // namespace fabcheck::protocol
