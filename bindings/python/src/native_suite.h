// The suite object shared by suite.cpp (loading) and run.cpp (running).
#pragma once

#include <string>

#include "harness/suite/suite.h"

namespace fabcheck::python {

struct NativeSuite {
  suite::Suite suite;
  std::string text;  // the YAML it was loaded from when built from a dict or text ("" for files)
};

}  // namespace fabcheck::python
