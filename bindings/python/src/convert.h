// Conversions between Python objects and the C++ values the module passes around: JSON records
// (nlohmann::json) both ways, and Python dicts/lists → YAML text (suites built from dicts are
// loaded by the same YAML loader as files, so validation and messages are identical).
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include <nlohmann/json.hpp>

namespace fabcheck::python {

pybind11::object toPython(const nlohmann::json& j);
// Throws ConfigError naming `where` for values JSON cannot hold (e.g. a set or an object).
nlohmann::json fromPython(const pybind11::handle& o, const std::string& where);
// Block-style YAML, one key per line, so positions in messages point at a useful line.
std::string toYaml(const nlohmann::json& j);

}  // namespace fabcheck::python
