#include "harness/cli/cli.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "generators/core/version.h"
#include "harness/cli/counters_cli.h"
#include "harness/cli/fabric_command.h"
#include "harness/cli/gen_command.h"
#include "harness/cli/run_command.h"

namespace fabcheck::cli {
namespace {

constexpr const char* kUsage =
    "usage: fabcheck <command> [options]\n"
    "\n"
    "commands:\n"
    "  run       run a suite across agents: fabcheck run SUITE [--launcher L] [--hosts FILE] [--report json:PATH]\n"
    "  validate  check a suite file without running it: fabcheck validate SUITE [--site FILE]\n"
    "  gen       pair tool: run pingpong, stream or microburst traffic between two hosts\n"
    "            (fabcheck gen --server | fabcheck gen --client HOST ...; see fabcheck gen --help)\n"
    "  agent     run as an agent of a distributed run (started by launchers)\n"
    "  fabric    emulated fabric in network namespaces (root): fabcheck fabric up --fabric SPEC | down | status\n"
    "  counters  this host's NIC counters as fabcheck metrics, live or from captures (fabcheck counters --help)\n"
    "  version   print the version\n"
    "  help      print this text\n";

}  // namespace

int runCli(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "gen") return runGen(argc - 1, argv + 1);
  if (cmd == "run") return runRunCommand(argc - 1, argv + 1);
  if (cmd == "validate") return runValidateCommand(argc - 1, argv + 1);
  if (cmd == "agent") return runAgentCommand(argc - 1, argv + 1);
  if (cmd == "fabric") return runFabricCommand(argc - 1, argv + 1);
  if (cmd == "counters") return runCountersCli(argc - 1, argv + 1);
  if (cmd == "version" || cmd == "--version") {
    std::printf("fabcheck %s\n", kVersion);
    return kExitOk;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::fprintf(stderr, "fabcheck: unknown command '%s'; expected one of: run, validate, gen, agent, fabric, counters, version, help\n", argv[1]);
  return kExitUsage;
}

}  // namespace fabcheck::cli
