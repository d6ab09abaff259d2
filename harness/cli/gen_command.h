// `fabcheck gen`: the perftest/iperf3-style pair tool. argv[0] is "gen".
#pragma once

namespace fabcheck::cli {

int runGen(int argc, char** argv);
// `fabcheck agent`: argv[0] is "agent".
int runAgentCommand(int argc, char** argv);

}  // namespace fabcheck::cli
