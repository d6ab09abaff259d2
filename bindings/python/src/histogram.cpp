// RawHistogram: the C++ latency histogram (generators/measure/histogram.h) rebuilt from a
// record's raw histogram (its toJson(): layout, exact count/min/max and every non-empty
// bucket), so fabcheck.Histogram (fabcheck/results.py) answers any percentile and lists the
// buckets with the same bucket maths as the reports, instead of a copy of it. Values in ns.
// A raw histogram that is malformed or inconsistent raises ProtocolError (fromJson).
#include <pybind11/pybind11.h>

#include <cstdint>

#include "bindings/python/src/convert.h"
#include "generators/measure/histogram.h"

namespace fabcheck::python {
namespace py = pybind11;

void bindHistogram(py::module_& m) {
  using measure::LatencyHistogram;
  py::class_<LatencyHistogram>(m, "RawHistogram")
      .def(py::init([](const py::dict& raw) { return LatencyHistogram::fromJson(fromPython(raw, "histogram")); }),
           py::arg("raw"))
      .def_property_readonly("count", &LatencyHistogram::count)
      .def("percentile", &LatencyHistogram::percentile, py::arg("q"),
           "The nearest-rank value at percentile q (0..100) in ns, as the C++ histogram reports it.")
      .def(
          "buckets",
          [](const LatencyHistogram& h) {
            py::list l;
            h.forEachBucket([&](int64_t upper_bound, uint64_t count) { l.append(py::make_tuple(upper_bound, count)); });
            return l;
          },
          "(largest value the bucket holds in ns, samples) per non-empty bucket, ascending.");
}

}  // namespace fabcheck::python
