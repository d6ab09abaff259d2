#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "generators/transport/transport.h"

namespace fabcheck::transport {

std::string transportOptionsToJson(const TransportOptions& o) {
  return nlohmann::json{{"dscp", o.dscp},
                        {"ecn", o.ecn},
                        {"segmentation", o.segmentation},
                        {"coalescing", o.coalescing},
                        {"rx_timestamps", o.rx_timestamps},
                        {"socket_buffer_bytes", o.socket_buffer_bytes}}
      .dump();
}

TransportOptions transportOptionsFromJson(std::string_view text) {
  TransportOptions o;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    j.at("dscp").get_to(o.dscp);
    j.at("ecn").get_to(o.ecn);
    j.at("segmentation").get_to(o.segmentation);
    j.at("coalescing").get_to(o.coalescing);
    j.at("rx_timestamps").get_to(o.rx_timestamps);
    j.at("socket_buffer_bytes").get_to(o.socket_buffer_bytes);
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(std::string("malformed transport options: ") + e.what());
  }
  return o;
}

}  // namespace fabcheck::transport
