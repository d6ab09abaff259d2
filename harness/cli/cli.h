// The `fabcheck` command line: dispatches subcommands. Thin: every subcommand parses its
// options and calls the library. Exit codes: 0 success, 1 runtime error (or an SLO failed),
// 2 usage error, 3 infrastructure error.
#pragma once

namespace fabcheck::cli {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInfrastructure = 3;

int runCli(int argc, char** argv);

}  // namespace fabcheck::cli
