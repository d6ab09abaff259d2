// `fabcheck counters`: flags → runner::CountersCommandOptions (harness/runner/counters_command.h).
//   fabcheck counters [--interface IF] [--device DEV] [--json] [--interval T --count N]
//   fabcheck counters [--interface IF] [--device DEV] --save DIR
//   fabcheck counters --capture A [--capture B ...] [--json]
//   fabcheck counters --site FILE --switch NAME [--json] [--interval T --count N]
// Exit codes: 0 done; 2 bad usage, a bad capture or a missing interface/device, an unknown switch or
// port, a bad site file (one line per problem on stderr);
// 1 reading counters failed.
#pragma once

namespace fabcheck::cli {

int runCountersCli(int argc, char** argv);

}  // namespace fabcheck::cli
