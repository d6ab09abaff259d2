// Fuzzes the host lists a launcher reads (harness/launch): a hosts file's text (hosts.h
// parseHosts), a Slurm node list (slurm_nodelist.h hostsFromSlurmNodelist) and
// SLURM_TASKS_PER_NODE (slurmCountsPerNode). The first byte picks the parser. Expected refusal:
// ConfigError.
#include "harness/launch/hosts.h"
#include "harness/launch/slurm_nodelist.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0] % 3;
  fabcheck::fuzz::fuzzInput(data + 1, size - 1, [which](const std::string& text) {
    using namespace fabcheck::launch;
    if (which == 0) (void)totalSlots(parseHosts(text, "hosts.txt"));
    if (which == 1) (void)hostsFromSlurmNodelist(text);
    if (which == 2) (void)slurmCountsPerNode(text, "SLURM_TASKS_PER_NODE");
  });
  return 0;
}
