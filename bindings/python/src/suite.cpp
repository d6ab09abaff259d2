// fabcheck._native.Suite: a loaded, validated suite (harness/suite). Built from a file, from
// text, or from a Python dict (emitted as YAML and loaded from "<dict>", so a dict gets the same
// validation and the same messages as a file).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>

#include "bindings/python/src/convert.h"
#include "bindings/python/src/native_suite.h"
#include "harness/slo/verdict.h"
#include "harness/suite/suite_loader.h"

namespace fabcheck::python {
namespace py = pybind11;

namespace {

std::shared_ptr<NativeSuite> validated(suite::Suite s, std::string text) {
  if (auto d = slo::validateSlos(s); !d.empty()) throw suite::SuiteError(d);
  return std::make_shared<NativeSuite>(NativeSuite{std::move(s), std::move(text)});
}

py::dict testInfo(const suite::SuiteTest& t) {
  py::dict d;
  d["name"] = t.spec.name;
  d["pattern"] = std::string(patterns::toString(t.spec.params.kind));
  d["placement"] = std::string(patterns::toString(t.spec.placement));
  d["transport"] = t.spec.transport;
  d["description"] = t.description;
  py::list slos;
  for (const auto& s : t.slos) slos.append(s.expression);
  d["slos"] = slos;
  d["where"] = t.pos.str();
  return d;
}

}  // namespace

void bindSuite(py::module_& m) {
  py::class_<NativeSuite, std::shared_ptr<NativeSuite>>(m, "Suite")
      .def_property_readonly("name", [](const NativeSuite& s) { return s.suite.name; })
      .def_property_readonly("description", [](const NativeSuite& s) { return s.suite.description; })
      .def_property_readonly("file", [](const NativeSuite& s) { return s.suite.file; })
      .def_property_readonly("site_files", [](const NativeSuite& s) { return s.suite.site_files; })
      .def_property_readonly("agents_wanted", [](const NativeSuite& s) { return s.suite.agentsWanted(); })
      .def_property_readonly("line_rate_gbps", [](const NativeSuite& s) { return s.suite.fabric.line_rate_gbps; })
      .def_property_readonly("transport", [](const NativeSuite& s) { return s.suite.fabric.transport; })
      .def_property_readonly("yaml", [](const NativeSuite& s) { return s.text; })
      .def_property_readonly("warnings",
                             [](const NativeSuite& s) {  // deprecated metric names: "file:line:col: warning: ..."
                               std::vector<std::string> out;
                               for (const auto& w : slo::sloWarnings(s.suite)) out.push_back(w.str());
                               return out;
                             })
      .def_property_readonly("tests", [](const NativeSuite& s) {
        py::list l;
        for (const auto& t : s.suite.tests) l.append(testInfo(t));
        return l;
      });

  m.def(
      "load_suite",
      [](const std::string& path, const std::vector<std::string>& sites) {
        return validated(suite::loadSuite(path, sites), "");
      },
      py::arg("path"), py::arg("sites") = std::vector<std::string>{});
  m.def(
      "parse_suite",
      [](const std::string& text, const std::string& file) { return validated(suite::parseSuite(text, file), text); },
      py::arg("text"), py::arg("file") = "<string>");
  m.def(
      "suite_from_dict",
      [](const py::dict& d, const std::string& file) {
        const std::string text = toYaml(fromPython(d, file));
        return validated(suite::parseSuite(text, file), text);
      },
      py::arg("suite"), py::arg("file") = "<dict>");
}

}  // namespace fabcheck::python
