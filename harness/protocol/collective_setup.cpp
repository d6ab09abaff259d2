#include "harness/protocol/collective_setup.h"

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"

namespace fabcheck::protocol {

using nlohmann::json;

void to_json(json& j, const CollectiveSetup& s) {
  j = json{{"params", s.params},
           {"ranks", s.ranks},
           {"rank", s.rank},
           {"link_rate_bps", s.link_rate_bps},
           {"message_bytes", s.message_bytes},
           {"window_bytes", s.window_bytes},
           {"step_timeout_ns", s.step_timeout_ns},
           {"timeout_ns", s.timeout_ns}};
}

void from_json(const json& j, CollectiveSetup& s) {
  try {
    j.at("params").get_to(s.params);
    j.at("ranks").get_to(s.ranks);
    j.at("rank").get_to(s.rank);
    j.at("link_rate_bps").get_to(s.link_rate_bps);
    j.at("message_bytes").get_to(s.message_bytes);
    j.at("window_bytes").get_to(s.window_bytes);
    j.at("step_timeout_ns").get_to(s.step_timeout_ns);
    j.at("timeout_ns").get_to(s.timeout_ns);
  } catch (const json::exception& e) {
    throw ProtocolError(std::string("malformed collective setup: ") + e.what());
  }
  if (s.ranks < 2 || s.rank < 0 || s.rank >= s.ranks || s.step_timeout_ns <= 0 || s.timeout_ns <= 0) {
    throw ProtocolError("malformed collective setup: rank " + std::to_string(s.rank) + " of " + std::to_string(s.ranks) +
                        " ranks, step timeout " + std::to_string(s.step_timeout_ns) + " ns, timeout " +
                        std::to_string(s.timeout_ns) + " ns");
  }
}

}  // namespace fabcheck::protocol
