// Reading report records (test summaries, harness/results/test_summary.h) that may lack any
// field: every reporter shows what is there and never throws on what is not.
//
// Single keys: field() is the value or a null JSON when `j` is no object or has no such key;
// numberField()/textField() the value when it is a number/string. Paths ({"metrics", "latency_us",
// "p99"}): find() is the value or nullptr, number()/str() as above.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace fabcheck::reports {

const nlohmann::json& field(const nlohmann::json& j, const char* key);
std::optional<double> numberField(const nlohmann::json& j, const char* key);
std::string textField(const nlohmann::json& j, const char* key);  // "" when absent

const nlohmann::json* find(const nlohmann::json& j, std::initializer_list<const char*> path);
std::optional<double> number(const nlohmann::json& j, std::initializer_list<const char*> path);
std::string str(const nlohmann::json& j, std::initializer_list<const char*> path, const std::string& fallback = "");

}  // namespace fabcheck::reports
