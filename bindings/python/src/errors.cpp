// C++ exceptions → fabcheck.exceptions (the classes live in Python so they can be subclassed,
// pickled and documented there). The message is the C++ what(), unchanged.
#include <pybind11/pybind11.h>

#include <exception>

#include "generators/core/errors.h"
#include "harness/launch/launcher.h"
#include "harness/suite/suite_loader.h"

namespace fabcheck::python {
namespace py = pybind11;

namespace {

void raise(const char* cls, const std::exception& e) {
  py::object type = py::module_::import("fabcheck.exceptions").attr(cls);
  PyErr_SetString(type.ptr(), e.what());
}

}  // namespace

// The fabcheck.exceptions class name for a C++ exception ("" when it is none of ours).
std::string errorClass(const std::exception_ptr& p) {
  if (!p) return "";
  try {
    std::rethrow_exception(p);
  } catch (const ConfigError&) {
    return "ConfigError";
  } catch (const UnsupportedError&) {
    return "UnsupportedError";
  } catch (const TransportError&) {
    return "TransportError";
  } catch (const TimeoutError&) {
    return "TimeoutError";
  } catch (const launch::LaunchError&) {
    return "LaunchError";
  } catch (const ProtocolError&) {
    return "ProtocolError";
  } catch (...) {
    return "Error";
  }
}

void bindErrors(py::module_& m) {
  // For the tests of the mapping: throws the C++ exception `kind` with `message`.
  m.def("_raise_for_test", [](const std::string& kind, const std::string& message) {
    if (kind == "ConfigError") throw ConfigError(message);
    if (kind == "UnsupportedError") throw UnsupportedError(message);
    if (kind == "TransportError") throw TransportError(message);
    if (kind == "TimeoutError") throw TimeoutError(message);
    if (kind == "LaunchError") throw launch::LaunchError(message);
    if (kind == "ProtocolError") throw ProtocolError(message);
    if (kind == "SuiteError") {
      throw suite::SuiteError({suite::Diagnostic{suite::SourcePos{"a.yaml", 1, 2}, message},
                               suite::Diagnostic{suite::SourcePos{"a.yaml", 3, 4}, message}});
    }
    throw Error(message);
  });
  py::register_exception_translator([](std::exception_ptr p) {
    if (!p) return;
    try {
      std::rethrow_exception(p);
    } catch (const suite::SuiteError& e) {
      py::object type = py::module_::import("fabcheck.exceptions").attr("ConfigError");
      py::list diags;
      for (const auto& d : e.diagnostics()) diags.append(d.str());
      py::object exc = type(e.what());
      exc.attr("diagnostics") = diags;
      PyErr_SetObject(type.ptr(), exc.ptr());
    } catch (const ConfigError& e) {
      raise("ConfigError", e);
    } catch (const UnsupportedError& e) {
      raise("UnsupportedError", e);
    } catch (const TransportError& e) {
      raise("TransportError", e);
    } catch (const TimeoutError& e) {
      raise("TimeoutError", e);
    } catch (const launch::LaunchError& e) {
      raise("LaunchError", e);
    } catch (const ProtocolError& e) {
      raise("ProtocolError", e);
    } catch (const Error& e) {
      raise("Error", e);
    }
  });
}

}  // namespace fabcheck::python
