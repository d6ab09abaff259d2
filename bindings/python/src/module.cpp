// fabcheck._native: the C++ API for the `fabcheck` Python package (bindings/python/fabcheck).
// Thin: suites are loaded by the suite loader, runs go through runSuite() (the code path of
// `fabcheck run`), reports through the reporters. The package's pure-Python layer gives the
// everyday API (fabcheck/__init__.py); this module is not meant to be used directly.
//
// Errors: C++ exceptions become fabcheck.exceptions classes with the same message (errors.cpp).
// Threads: run() releases the GIL while traffic runs and checks Python's signal handlers every
// 100 ms, so Ctrl-C stops the run cleanly (run.cpp).
#include <pybind11/pybind11.h>

namespace fabcheck::python {
void bindErrors(pybind11::module_& m);
void bindArrays(pybind11::module_& m);
void bindSuite(pybind11::module_& m);
void bindHistogram(pybind11::module_& m);
void bindRun(pybind11::module_& m);
}  // namespace fabcheck::python

PYBIND11_MODULE(_native, m) {
  m.doc() = "fabcheck native module (use the fabcheck package, not this module)";
#ifdef FABCHECK_BUILD_BINARY
  m.attr("BUILD_BINARY") = FABCHECK_BUILD_BINARY;
#else
  m.attr("BUILD_BINARY") = "";
#endif
  fabcheck::python::bindErrors(m);
  fabcheck::python::bindArrays(m);
  fabcheck::python::bindSuite(m);
  fabcheck::python::bindHistogram(m);
  fabcheck::python::bindRun(m);
}
