// `fabcheck gen`: the perftest/iperf3-style pair tool. argv[0] is "gen".
#pragma once

namespace fabcheck::cli {

int runGen(int argc, char** argv);

}  // namespace fabcheck::cli
