#include "generators/core/strict_json.h"

namespace fabcheck::strict_json {

std::string shown(const nlohmann::json& v) {
  std::string text = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  constexpr size_t kMax = 40;
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

namespace {

[[noreturn]] void outOfRange(const nlohmann::json& v, const std::string& lo, const std::string& hi) {
  throw ProtocolError("expected a whole number from " + lo + " to " + hi + ", got " + shown(v));
}

}  // namespace

int64_t signedIn(const nlohmann::json& v, int64_t lo, int64_t hi) {
  const std::string los = std::to_string(lo), his = std::to_string(hi);
  if (!v.is_number_integer()) outOfRange(v, los, his);  // floats, bools, strings...
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi)) outOfRange(v, los, his);
    return static_cast<int64_t>(u);
  }
  const int64_t s = v.get<int64_t>();
  if (s < lo || s > hi) outOfRange(v, los, his);
  return s;
}

uint64_t unsignedIn(const nlohmann::json& v, uint64_t hi) {
  const std::string his = std::to_string(hi);
  if (!v.is_number_integer()) outOfRange(v, "0", his);
  if (!v.is_number_unsigned()) {
    if (v.get<int64_t>() < 0) outOfRange(v, "0", his);
  }
  const uint64_t u = v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<int64_t>());
  if (u > hi) outOfRange(v, "0", his);
  return u;
}

void refuseUnknownKeys(const nlohmann::json& obj, std::initializer_list<std::string_view> known, std::string_view what) {
  if (!obj.is_object()) throw ProtocolError(std::string(what) + ": expected an object, got " + shown(obj));
  for (const auto& [key, value] : obj.items()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == key;
    if (ok) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    throw ProtocolError("unknown field '" + key + "' in " + std::string(what) + " (expected one of " + list + ")");
  }
}

}  // namespace fabcheck::strict_json
