#include "harness/cli/cli.h"

#include <cstdio>

namespace fabcheck::cli {
int runCli(int, char**) { std::puts("fabcheck: not yet"); return kExitOk; }
}  // namespace fabcheck::cli
