// Slurm's compact host lists and per-node counts, as in SLURM_JOB_NODELIST and
// SLURM_TASKS_PER_NODE, turned into host entries.
//
// Contract:
// - hostsFromSlurmNodelist("node[01-04,07],gpu3,rack[1-2]-n[1-2]") expands, in order, to
//   node01 node02 node03 node04 node07 gpu3 rack1-n1 rack1-n2 rack2-n1 rack2-n2, one slot each.
//   A range keeps the width of its lower bound ("[08-10]" → 08 09 10; "[8-10]" → 8 9 10). Several
//   brackets in one name expand left to right, the rightmost varying fastest (as Slurm does).
// - Errors are ConfigError "<where> '<list>': <what> at position <p>; expected ...": an empty list
//   or name, unbalanced or nested brackets, an empty or descending range, a non-digit in a range,
//   whitespace or quotes, a host listed twice, more than kMaxSlurmHosts names.
// - slurmCountsPerNode("2(x3),1") → {2, 2, 2, 1} (SLURM_TASKS_PER_NODE's syntax); ConfigError on
//   anything else, naming `where`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/launch/hosts.h"

namespace fabcheck::launch {

inline constexpr size_t kMaxSlurmHosts = 100'000;

std::vector<HostEntry> hostsFromSlurmNodelist(std::string_view list, std::string_view where = "Slurm nodelist");
std::vector<int> slurmCountsPerNode(std::string_view counts, std::string_view where);

}  // namespace fabcheck::launch
