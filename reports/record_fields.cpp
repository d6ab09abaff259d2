#include "reports/record_fields.h"

namespace fabcheck::reports {

using nlohmann::json;

const json& field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  const auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::optional<double> numberField(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_number()) return std::nullopt;
  return v.get<double>();
}

std::string textField(const json& j, const char* key) {
  const json& v = field(j, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

const json* find(const json& j, std::initializer_list<const char*> path) {
  const json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    const auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::optional<double> number(const json& j, std::initializer_list<const char*> path) {
  const json* v = find(j, path);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

std::string str(const json& j, std::initializer_list<const char*> path, const std::string& fallback) {
  const json* v = find(j, path);
  return v != nullptr && v->is_string() ? v->get<std::string>() : fallback;
}

}  // namespace fabcheck::reports
