// Typed messages on a control connection: each message is a struct that names its type and
// declares its fields once; encode()/decode() turn it into the JSON the peers exchange and back.
//
// Contract:
// - A message struct M has `static constexpr std::string_view kType` (the wire "type") and,
//   unless it carries nothing, `static auto fields()` returning a std::tuple of
//   wire::required("key", &M::member) / wire::optional("key", &M::member).
// - encode(m) = {"type": M::kType, "version": kProtocolVersion, key: value...}. Every field is
//   written, except a std::optional member that is empty.
// - decode<M>(j) checks that j is an object whose "type" is M::kType and whose integer "version"
//   is kProtocolVersion, then reads the fields: a required key must be present; an optional key
//   may be absent (the member keeps its default; a std::optional member stays empty). Keys the
//   struct does not know are ignored (envelope keys such as "test_id" among them); decodeStrict()
//   refuses them instead.
// - Scalars are read strictly (generators/core/strict_json.h): a bool only from true/false, an
//   integer only from a JSON integer that fits its type (1.9, true, -1 for an unsigned, 2^32+46 for
//   an int are refused, naming the key), a string only from a string.
// - decode throws ProtocolError, one line naming the message and what was wrong:
//   "expected message 'setup', got 'start'", "message 'setup' has protocol version 2 (ours is 1)",
//   "malformed 'setup' message: no 'flows'", "malformed 'setup' message: 'me': type must be
//   number, but is string". Callers add the peer and the phase.
// - Values cross as nlohmann JSON (the types' own to_json/from_json), except: FlowMap<T> is an
//   object keyed by the decimal flow id; transport::TransportOptions is transportOptionsToJson's
//   object; transport::EndpointDesc is EndpointDesc::toJson's object.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "generators/core/strict_json.h"
#include "generators/transport/transport.h"
#include "harness/protocol/protocol_version.h"

namespace fabcheck::protocol {

// Values by flow id; on the wire an object {"3": value, ...}.
template <class T>
struct FlowMap : std::map<uint32_t, T> {
  using std::map<uint32_t, T>::map;
};

// The "type" of a message; "" when it has none (or it is not a string).
std::string typeOf(const nlohmann::json& message);

namespace wire {

template <class M, class T>
struct Field {
  std::string_view key;
  T M::*member;
  bool required;
};

template <class M, class T>
constexpr Field<M, T> required(std::string_view key, T M::*member) {
  return {key, member, true};
}
template <class M, class T>
constexpr Field<M, T> optional(std::string_view key, T M::*member) {
  return {key, member, false};
}

// The JSON of one field value (put) and back (get, throwing ProtocolError or json::exception).
void put(nlohmann::json& j, const nlohmann::json& v);
void get(const nlohmann::json& j, nlohmann::json& v);
void put(nlohmann::json& j, const transport::TransportOptions& v);
void get(const nlohmann::json& j, transport::TransportOptions& v);
void put(nlohmann::json& j, const transport::EndpointDesc& v);
void get(const nlohmann::json& j, transport::EndpointDesc& v);
uint32_t flowIdKey(const std::string& key);  // "3" -> 3; ProtocolError otherwise
template <class T>
void put(nlohmann::json& j, const std::vector<T>& v);
template <class T>
void get(const nlohmann::json& j, std::vector<T>& v);
template <class T>
void put(nlohmann::json& j, const FlowMap<T>& v);
template <class T>
void get(const nlohmann::json& j, FlowMap<T>& v);

template <class T>
void put(nlohmann::json& j, const T& v) {
  j = v;
}
template <class T>
void get(const nlohmann::json& j, T& v) {
  strict_json::strictGet(j, v);  // no 1.9 -> 1, true -> 1, -1 -> 2^64-1 (strict_json.h)
}
template <class T>
void put(nlohmann::json& j, const std::vector<T>& v) {
  j = nlohmann::json::array();
  for (const T& x : v) put(j.emplace_back(), x);
}
template <class T>
void get(const nlohmann::json& j, std::vector<T>& v) {
  if (!j.is_array()) throw ProtocolError(std::string("expected an array, got ") + j.type_name());
  v.clear();
  for (const auto& x : j) get(x, v.emplace_back());
}
template <class T>
void put(nlohmann::json& j, const FlowMap<T>& v) {
  j = nlohmann::json::object();
  for (const auto& [id, x] : v) put(j[std::to_string(id)], x);
}
template <class T>
void get(const nlohmann::json& j, FlowMap<T>& v) {
  if (!j.is_object()) throw ProtocolError(std::string("expected an object keyed by flow id, got ") + j.type_name());
  v.clear();
  for (const auto& [key, x] : j.items()) get(x, v[flowIdKey(key)]);
}

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class M, class T>
void write(nlohmann::json& j, const M& m, const Field<M, T>& f) {
  const T& v = m.*f.member;
  if constexpr (IsOptional<T>::value) {
    if (v) put(j[std::string(f.key)], *v);
  } else {
    put(j[std::string(f.key)], v);
  }
}

// Rethrows the exception being handled as ProtocolError "'<key>': <what>".
[[noreturn]] void rethrowForKey(std::string_view key);

template <class M, class T>
void read(const nlohmann::json& j, M& m, const Field<M, T>& f) {
  const auto it = j.find(f.key);
  if (it == j.end()) {
    if (f.required) throw ProtocolError("no '" + std::string(f.key) + "'");
    return;
  }
  try {
    if constexpr (IsOptional<T>::value) {
      typename T::value_type v{};
      get(*it, v);
      m.*f.member = std::move(v);
    } else {
      get(*it, m.*f.member);
    }
  } catch (...) {
    rethrowForKey(f.key);
  }
}

// {"type": type, "version": kProtocolVersion}
nlohmann::json envelope(std::string_view type);
// Throws ProtocolError unless j is an object of `type` and our protocol version.
void checkEnvelope(const nlohmann::json& j, std::string_view type);
// Rethrows the exception being handled as ProtocolError "malformed '<type>' message: <what>".
[[noreturn]] void rethrowMalformed(std::string_view type);
// Throws ProtocolError "unknown field 'x' (expected one of ...)" for a key of j that is neither
// "type", "version" nor one of `keys`.
void refuseUnknownKeys(const nlohmann::json& j, const std::vector<std::string_view>& keys);

}  // namespace wire

// "error" {message}: how either side reports a failure (both protocols).
struct ErrorMessage {
  static constexpr std::string_view kType = "error";
  std::string message;
  static auto fields() { return std::tuple{wire::optional("message", &ErrorMessage::message)}; }
};

template <class M>
nlohmann::json encode(const M& m) {
  nlohmann::json j = wire::envelope(M::kType);
  if constexpr (requires { M::fields(); }) {
    std::apply([&](const auto&... f) { (wire::write(j, m, f), ...); }, M::fields());
  }
  return j;
}

template <class M>
M decode(const nlohmann::json& j) {
  wire::checkEnvelope(j, M::kType);
  M m{};
  if constexpr (requires { M::fields(); }) {
    try {
      std::apply([&](const auto&... f) { (wire::read(j, m, f), ...); }, M::fields());
    } catch (...) {
      wire::rethrowMalformed(M::kType);
    }
  }
  return m;
}

// As decode(), but a key the message does not declare (other than "type" and "version") is refused:
// ProtocolError "malformed 'test' message: unknown field 'x' (expected one of ...)". For protocols
// whose peers never add envelope keys (the pair tool's).
template <class M>
M decodeStrict(const nlohmann::json& j) {
  wire::checkEnvelope(j, M::kType);
  std::vector<std::string_view> keys;
  if constexpr (requires { M::fields(); }) {
    std::apply([&](const auto&... f) { (keys.push_back(f.key), ...); }, M::fields());
  }
  try {
    wire::refuseUnknownKeys(j, keys);
  } catch (...) {
    wire::rethrowMalformed(M::kType);
  }
  return decode<M>(j);
}

}  // namespace fabcheck::protocol
