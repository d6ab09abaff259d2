// `fabcheck fabric up|down|status`: the emulated fabric (harness/fabric) from the command line.
//   fabcheck fabric up --fabric SPEC        bring it up (no-op when already up with SPEC)
//   fabcheck fabric down [--name NAME]      remove exactly what up made (default name fc0)
//   fabcheck fabric status [--name NAME]    hosts, addresses, links, rates and queue counters
//                                           (every fabric that is up when no name is given)
// Exit codes: 0 done; 2 bad usage or spec, or down/status of a fabric that is not up;
// 3 the fabric could not be built or removed (kernel refused, not root, netem missing,
// interrupted — everything made so far is removed again).
#pragma once

namespace fabcheck::cli {

int runFabricCommand(int argc, char** argv);

}  // namespace fabcheck::cli
