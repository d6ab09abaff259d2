#include "bindings/python/src/convert.h"

#include <yaml-cpp/yaml.h>

#include <cmath>

#include "generators/core/errors.h"

namespace fabcheck::python {
namespace py = pybind11;
using nlohmann::json;

py::object toPython(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return py::none();
    case json::value_t::boolean: return py::bool_(j.get<bool>());
    case json::value_t::number_integer: return py::int_(j.get<int64_t>());
    case json::value_t::number_unsigned: return py::int_(j.get<uint64_t>());
    case json::value_t::number_float: return py::float_(j.get<double>());
    case json::value_t::string: return py::str(j.get_ref<const std::string&>());
    case json::value_t::array: {
      py::list l;
      for (const auto& x : j) l.append(toPython(x));
      return l;
    }
    case json::value_t::object: {
      py::dict d;
      for (auto it = j.begin(); it != j.end(); ++it) d[py::str(it.key())] = toPython(it.value());
      return d;
    }
    default: return py::none();
  }
}

json fromPython(const py::handle& o, const std::string& where) {
  if (o.is_none()) return nullptr;
  if (py::isinstance<py::bool_>(o)) return o.cast<bool>();
  if (py::isinstance<py::int_>(o)) return o.cast<int64_t>();
  if (py::isinstance<py::float_>(o)) return o.cast<double>();
  if (py::isinstance<py::str>(o)) return o.cast<std::string>();
  if (py::isinstance<py::dict>(o)) {
    json j = json::object();
    for (auto kv : o.cast<py::dict>()) {
      if (!py::isinstance<py::str>(kv.first)) {
        throw ConfigError(where + ": key " + py::repr(kv.first).cast<std::string>() + ": expected a string key");
      }
      const std::string k = kv.first.cast<std::string>();
      j[k] = fromPython(kv.second, where + "." + k);
    }
    return j;
  }
  if (py::isinstance<py::list>(o) || py::isinstance<py::tuple>(o)) {
    json j = json::array();
    size_t i = 0;
    for (auto x : o) j.push_back(fromPython(x, where + "[" + std::to_string(i++) + "]"));
    return j;
  }
  throw ConfigError(where + ": " + py::repr(o).cast<std::string>() + " (" +
                    py::str(o.get_type().attr("__name__")).cast<std::string>() +
                    "): expected a str, int, float, bool, None, list or dict");
}

namespace {

void emit(YAML::Emitter& e, const json& j) {
  switch (j.type()) {
    case json::value_t::null: e << YAML::Null; break;
    case json::value_t::boolean: e << (j.get<bool>() ? "true" : "false"); break;
    case json::value_t::number_integer: e << std::to_string(j.get<int64_t>()); break;
    case json::value_t::number_unsigned: e << std::to_string(j.get<uint64_t>()); break;
    case json::value_t::number_float: e << j.dump(); break;
    case json::value_t::string: e << j.get<std::string>(); break;
    case json::value_t::array:
      e << YAML::BeginSeq;
      for (const auto& x : j) emit(e, x);
      e << YAML::EndSeq;
      break;
    case json::value_t::object:
      e << YAML::BeginMap;
      for (auto it = j.begin(); it != j.end(); ++it) {
        e << YAML::Key << it.key() << YAML::Value;
        emit(e, it.value());
      }
      e << YAML::EndMap;
      break;
    default: e << YAML::Null; break;
  }
}

}  // namespace

std::string toYaml(const json& j) {
  YAML::Emitter e;
  e.SetIndent(2);
  emit(e, j);
  return std::string(e.c_str()) + "\n";
}

}  // namespace fabcheck::python
