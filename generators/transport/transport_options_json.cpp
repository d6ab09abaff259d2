#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "generators/core/strict_json.h"
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
  using strict_json::strictAt;
  TransportOptions o;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
    strict_json::refuseUnknownKeys(
        j, {"dscp", "ecn", "segmentation", "coalescing", "rx_timestamps", "socket_buffer_bytes", "extra"},
        "transport options");
    strictAt(j, "dscp", o.dscp);
    strictAt(j, "ecn", o.ecn);
    strictAt(j, "segmentation", o.segmentation);
    strictAt(j, "coalescing", o.coalescing);
    strictAt(j, "rx_timestamps", o.rx_timestamps);
    strictAt(j, "socket_buffer_bytes", o.socket_buffer_bytes);
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(std::string("malformed transport options: ") + e.what());
  } catch (const ProtocolError& e) {
    throw ProtocolError(std::string("malformed transport options: ") + e.what());
  }
  o.extra = extraFromJson(j);
  return o;
}

}  // namespace fabcheck::transport
