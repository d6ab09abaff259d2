// The emulated fabric's errors (harness/fabric): what `fabcheck fabric` maps to exit codes.
#pragma once

#include "generators/core/errors.h"

namespace fabcheck::fabric {

// The fabric could not be built, found or torn down (also: a tool it needs is not installed).
// CLI exit code 3 (infrastructure).
class FabricError : public Error {
 public:
  using Error::Error;
};

// `down`/`status` of a fabric that is not up. CLI exit code 2.
class FabricNotFound : public FabricError {
 public:
  using FabricError::FabricError;
};

}  // namespace fabcheck::fabric
