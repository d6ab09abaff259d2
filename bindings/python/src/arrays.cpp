// DoubleArray: a read-only float64 vector with the buffer protocol, so numpy.asarray() and
// memoryview() wrap it without copying (interval series, histogram counts).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <vector>

#include "generators/core/errors.h"

namespace fabcheck::python {
namespace py = pybind11;

namespace {

struct DoubleArray {
  std::vector<double> values;
};

}  // namespace

void bindArrays(py::module_& m) {
  py::class_<DoubleArray>(m, "DoubleArray", py::buffer_protocol())
      .def(py::init([](std::vector<double> v) { return DoubleArray{std::move(v)}; }), py::arg("values"))
      .def_buffer([](DoubleArray& a) {
        return py::buffer_info(a.values.data(), sizeof(double), py::format_descriptor<double>::format(), 1,
                               {a.values.size()}, {sizeof(double)}, /*readonly=*/true);
      })
      .def("__len__", [](const DoubleArray& a) { return a.values.size(); })
      .def("__getitem__",
           [](const DoubleArray& a, py::ssize_t i) {
             const auto n = static_cast<py::ssize_t>(a.values.size());
             if (i < 0) i += n;
             if (i < 0 || i >= n) throw py::index_error("DoubleArray index " + std::to_string(i) + " out of range");
             return a.values[static_cast<size_t>(i)];
           })
      .def("tolist", [](const DoubleArray& a) { return a.values; })
      .def("__iter__", [](const DoubleArray& a) { return py::iter(py::cast(a.values)); })
      .def("__repr__", [](const DoubleArray& a) {
        return "DoubleArray(" + py::repr(py::cast(a.values)).cast<std::string>() + ")";
      });
}

}  // namespace fabcheck::python
