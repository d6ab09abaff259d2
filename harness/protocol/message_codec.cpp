#include "harness/protocol/message_codec.h"

#include <fmt/format.h>

#include <charconv>

namespace fabcheck::protocol {

using nlohmann::json;

namespace {

// "[json.exception.type_error.302] type must be number, but is string" -> "type must be ...".
std::string withoutJsonPrefix(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    if (const size_t end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  return std::string(what);
}

std::string currentWhat() {
  try {
    throw;
  } catch (const json::exception& e) {
    return withoutJsonPrefix(e.what());
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace

std::string typeOf(const json& message) {
  if (!message.is_object()) return {};
  const auto it = message.find("type");
  return it != message.end() && it->is_string() ? it->get<std::string>() : std::string();
}

namespace wire {

void put(json& j, const json& v) { j = v; }
void get(const json& j, json& v) { v = j; }

void put(json& j, const transport::TransportOptions& v) { j = json::parse(transport::transportOptionsToJson(v)); }
void get(const json& j, transport::TransportOptions& v) { v = transport::transportOptionsFromJson(j.dump()); }

void put(json& j, const transport::EndpointDesc& v) { j = json::parse(v.toJson()); }
void get(const json& j, transport::EndpointDesc& v) { v = transport::EndpointDesc::fromJson(j.dump()); }

uint32_t flowIdKey(const std::string& key) {
  uint32_t id = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
  if (key.empty() || ec != std::errc() || end != key.data() + key.size()) {
    throw ProtocolError(fmt::format("'{}' is not a flow id", key));
  }
  return id;
}

void rethrowForKey(std::string_view key) { throw ProtocolError(fmt::format("'{}': {}", key, currentWhat())); }

void rethrowMalformed(std::string_view type) {
  throw ProtocolError(fmt::format("malformed '{}' message: {}", type, currentWhat()));
}

void refuseUnknownKeys(const json& j, const std::vector<std::string_view>& keys) {
  for (const auto& [key, value] : j.items()) {
    if (key == "type" || key == "version") continue;
    bool known = false;
    for (std::string_view k : keys) known = known || k == key;
    if (known) continue;
    std::string list;
    for (std::string_view k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
    throw ProtocolError(fmt::format("unknown field '{}' (expected {})", key,
                                    list.empty() ? std::string("none") : "one of " + list));
  }
}

json envelope(std::string_view type) { return json{{"type", type}, {"version", kProtocolVersion}}; }

void checkEnvelope(const json& j, std::string_view type) {
  if (!j.is_object()) throw ProtocolError(fmt::format("expected message '{}', got a JSON {}", type, j.type_name()));
  const std::string got = typeOf(j);
  if (got.empty()) throw ProtocolError(fmt::format("expected message '{}', got one without a \"type\"", type));
  if (got != type) throw ProtocolError(fmt::format("expected message '{}', got '{}'", type, got));
  const auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer()) {
    throw ProtocolError(fmt::format("message '{}' has no protocol version (ours is {})", type, kProtocolVersion));
  }
  const bool ours = version->is_number_unsigned() ? version->get<uint64_t>() == kProtocolVersion
                                                  : version->get<int64_t>() == kProtocolVersion;
  if (!ours) {
    throw ProtocolError(fmt::format("message '{}' has protocol version {} (ours is {})", type, version->dump(),
                                    kProtocolVersion));
  }
}

}  // namespace wire
}  // namespace fabcheck::protocol
