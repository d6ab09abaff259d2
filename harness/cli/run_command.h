// `fabcheck run SUITE ...` and `fabcheck validate SUITE ...` (see --help of each).
#pragma once

namespace fabcheck::cli {

int runRunCommand(int argc, char** argv);
int runValidateCommand(int argc, char** argv);

}  // namespace fabcheck::cli
