// EndpointDesc (transport.h): field access and the JSON form that crosses control channels.
//
// JSON form: {"transport": "udp", "fields": {"address": "127.0.0.1", "port": "5201", ...}}.
// Field values are strings; anything else is a ProtocolError naming the field.
#include <nlohmann/json.hpp>

#include <cstring>
#include <string>

#include "generators/core/errors.h"
#include "generators/transport/transport.h"

namespace fabcheck::transport {

std::string_view toString(TimestampSource s) noexcept {
  switch (s) {
    case TimestampSource::kNone: return "none";
    case TimestampSource::kUserSpace: return "userspace";
    case TimestampSource::kSoftware: return "software";
    case TimestampSource::kHardware: return "hardware";
  }
  return "unknown";
}

std::string Connection::errorText(const Completion& c) const {
  switch (c.status) {
    case OpStatus::kOk: return "ok";
    case OpStatus::kTruncated: return "message truncated: longer than the receive buffer";
    case OpStatus::kFlushed: return "flushed: the connection closed before the operation ran";
    case OpStatus::kUnsupported: return "operation not supported by transport '" + describe() + "'";
    case OpStatus::kError: break;
  }
  return std::strerror(c.error);
}

const std::string& EndpointDesc::at(const std::string& key) const {
  auto it = fields.find(key);
  if (it != fields.end()) return it->second;
  std::string have;
  for (const auto& [k, v] : fields) have += (have.empty() ? "" : ", ") + k;
  throw ConfigError("endpoint description of transport '" + transport + "' has no field '" + key +
                    "' (it has: " + (have.empty() ? "none" : have) + ")");
}

std::string EndpointDesc::toJson() const {
  nlohmann::json j;
  j["transport"] = transport;
  j["fields"] = nlohmann::json::object();
  for (const auto& [k, v] : fields) j["fields"][k] = v;
  return j.dump();
}

EndpointDesc EndpointDesc::fromJson(std::string_view json) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json.begin(), json.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw ProtocolError("endpoint description: malformed JSON at byte " + std::to_string(e.byte) +
                        "; expected {\"transport\": ..., \"fields\": {...}}");
  } catch (const nlohmann::json::out_of_range&) {  // a number beyond double's range (1e400)
    throw ProtocolError("endpoint description: malformed JSON (a number out of range); expected {\"transport\": ..., \"fields\": {...}}");
  }
  if (!j.is_object()) {
    throw ProtocolError(std::string("endpoint description: top level is a JSON ") + j.type_name() +
                        "; expected an object");
  }
  auto t = j.find("transport");
  if (t == j.end() || !t->is_string() || t->get_ref<const std::string&>().empty()) {
    throw ProtocolError("endpoint description: missing or non-string 'transport'; expected a name such as \"udp\"");
  }
  EndpointDesc d;
  d.transport = t->get<std::string>();
  auto f = j.find("fields");
  if (f == j.end()) return d;
  if (!f->is_object()) {
    throw ProtocolError(std::string("endpoint description: 'fields' is a JSON ") + f->type_name() +
                        "; expected an object of strings");
  }
  for (auto it = f->begin(); it != f->end(); ++it) {
    if (!it->is_string()) {
      throw ProtocolError("endpoint description: field '" + it.key() + "' is a JSON " + it->type_name() +
                          "; expected a string");
    }
    d.fields.emplace(it.key(), it->get<std::string>());
  }
  return d;
}

}  // namespace fabcheck::transport
