#include "harness/cli/counters_cli.h"

#include <cstdio>
#include <iostream>
#include <string>

#include "generators/core/errors.h"
#include "harness/cli/cli.h"
#include "harness/model/units.h"
#include "harness/runner/counters_command.h"

namespace fabcheck::cli {

namespace {

constexpr const char* kCountersUsage =
    "usage: fabcheck counters [--interface IF] [--device DEV] [--json] [--interval T --count N]\n"
    "       fabcheck counters [--interface IF] [--device DEV] --save DIR\n"
    "       fabcheck counters --capture A [--capture B ...] [--json]\n"
    "       fabcheck counters --site FILE --switch NAME [--json] [--interval T --count N]\n"
    "Prints this host's NIC counters as fabcheck's metrics (nic.*, rdma.*, host.*) with the raw counter\n"
    "each came from; --interval/--count: deltas and rates per interval; --save: a capture directory;\n"
    "--capture: values of one capture, deltas and rates between several; --site/--switch: what fabcheck\n"
    "reads from that switch over SNMP, per port (docs/counters.md, docs/switches.md).\n";

runner::CountersCommandOptions parse(int argc, char** argv) {
  runner::CountersCommandOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw ConfigError(a + ": expected a value");
      return argv[++i];
    };
    if (a == "--interface") o.interface = value();
    else if (a == "--device") o.device = value();
    else if (a == "--json") o.json = true;
    else if (a == "--save") o.save_dir = value();
    else if (a == "--capture") o.captures.push_back(value());
    else if (a == "--site") o.site_file = value();
    else if (a == "--switch") o.switch_name = value();
    else if (a == "--interval") o.interval_ns = model::parseDurationNs(value(), "--interval");
    else if (a == "--count") {
      const std::string v = value();
      try {
        size_t used = 0;
        o.count = std::stoi(v, &used);
        if (used != v.size() || o.count < 1) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        throw ConfigError("--count '" + v + "': expected a whole number of intervals, 1 or more");
      }
    } else {
      throw ConfigError("unknown option '" + a + "'; expected --interface, --device, --json, --interval, --count, --save, --capture, --site or --switch");
    }
  }
  return o;
}

}  // namespace

int runCountersCli(int argc, char** argv) {
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::fputs(kCountersUsage, stdout);
    return kExitOk;
  }
  try {
    runner::runCountersCommand(parse(argc, argv), std::cout);
    return kExitOk;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "fabcheck counters: %s\n", e.what());
    return kExitUsage;
  } catch (const Error& e) {
    std::fprintf(stderr, "fabcheck counters: %s\n", e.what());
    return kExitRuntime;
  }
}

}  // namespace fabcheck::cli
