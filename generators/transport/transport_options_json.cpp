#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "generators/transport/transport.h"

namespace fabcheck::transport {
namespace {

// `extra` from its JSON object; every value must be a string. Absent (an older peer) is empty.
std::map<std::string, std::string> extraFromJson(const nlohmann::json& j) {
  std::map<std::string, std::string> extra;
  const auto it = j.find("extra");
  if (it == j.end() || it->is_null()) return extra;
  if (!it->is_object()) {
    throw ProtocolError("malformed transport options: 'extra' is " + std::string(it->type_name()) +
                        "; expected an object of strings");
  }
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) {
      throw ProtocolError("malformed transport options: extra '" + key + "' is " + value.dump() +
                          "; expected a string");
    }
    extra[key] = value.get<std::string>();
  }
  return extra;
}

}  // namespace

std::string transportOptionsToJson(const TransportOptions& o) {
  return nlohmann::json{{"dscp", o.dscp},
                        {"ecn", o.ecn},
                        {"segmentation", o.segmentation},
                        {"coalescing", o.coalescing},
                        {"rx_timestamps", o.rx_timestamps},
                        {"socket_buffer_bytes", o.socket_buffer_bytes},
                        {"extra", o.extra}}
      .dump();
}

TransportOptions transportOptionsFromJson(std::string_view text) {
  TransportOptions o;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
    j.at("dscp").get_to(o.dscp);
    j.at("ecn").get_to(o.ecn);
    j.at("segmentation").get_to(o.segmentation);
    j.at("coalescing").get_to(o.coalescing);
    j.at("rx_timestamps").get_to(o.rx_timestamps);
    j.at("socket_buffer_bytes").get_to(o.socket_buffer_bytes);
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(std::string("malformed transport options: ") + e.what());
  }
  o.extra = extraFromJson(j);
  return o;
}

}  // namespace fabcheck::transport
