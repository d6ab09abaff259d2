// Reading JSON values from a peer without nlohmann's silent conversions.
//
// nlohmann's get_to() turns 1.9 into 1, true into 1, -1 into 2^64-1, 2^32+46 into 46 for an int,
// and a float beyond the integer's range into undefined behaviour. A control message that says
// "flows": 1.9 is a bug or an attack, never a request for one flow, so everything read from a
// peer goes through these instead.
//
// Contract:
// - strictGet(v, out): bool only from a JSON boolean; an integer type only from a JSON integer
//   (never a float, a bool or a string) whose value fits the type; a floating type from any JSON
//   number (never a bool); std::string only from a JSON string. Any other type falls back to
//   v.get_to(out) (its own from_json, which is expected to be strict itself).
// - Failures throw ProtocolError with what was expected and what came:
//   "expected a whole number from 0 to 4294967295, got 1.9", "expected true or false, got 1".
// - strictAt(obj, key, out) reads obj[key] the same way; a missing key or a failure throws
//   ProtocolError naming the key: "'flows': expected a whole number from 0 to 4294967295, got -1",
//   "'flows' is missing".
// - refuseUnknownKeys(obj, known, what) throws ProtocolError "unknown field 'x' in <what>
//   (expected one of a, b, c)" for the first key of obj not in `known`; obj must be an object.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"

namespace fabcheck::strict_json {

// "1.9", "true", "\"x\"" (shortened when long): the offending value as it came.
std::string shown(const nlohmann::json& v);

// Range check of a JSON integer against [lo, hi]; throws the contract's ProtocolError.
int64_t signedIn(const nlohmann::json& v, int64_t lo, int64_t hi);
uint64_t unsignedIn(const nlohmann::json& v, uint64_t hi);

template <class T>
void strictGet(const nlohmann::json& v, T& out) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) throw ProtocolError("expected true or false, got " + shown(v));
    out = v.get<bool>();
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    out = static_cast<T>(signedIn(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
  } else if constexpr (std::is_integral_v<T>) {
    out = static_cast<T>(unsignedIn(v, std::numeric_limits<T>::max()));
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) throw ProtocolError("expected a number, got " + shown(v));
    out = v.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) throw ProtocolError("expected a string, got " + shown(v));
    out = v.get<std::string>();
  } else {
    v.get_to(out);
  }
}

template <class T>
void strictAt(const nlohmann::json& obj, std::string_view key, T& out) {
  const auto it = obj.find(key);
  if (it == obj.end()) throw ProtocolError("'" + std::string(key) + "' is missing");
  try {
    strictGet(*it, out);
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError("'" + std::string(key) + "': " + e.what());
  } catch (const Error& e) {
    throw ProtocolError("'" + std::string(key) + "': " + e.what());
  }
}

void refuseUnknownKeys(const nlohmann::json& obj, std::initializer_list<std::string_view> known, std::string_view what);

}  // namespace fabcheck::strict_json
