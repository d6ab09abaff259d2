// The participants' host counters of a test, each host counted once: agents that share a
// machine (same boot id, or host name when the agent gave none) and network namespace read the
// same counters, so only the first such agent's are counted (counter_summary.h, nic_verdicts.h).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/model/agent_info.h"
#include "harness/model/test_outcome.h"

namespace fabcheck::results {

struct CountedHost {
  int agent = -1;
  std::string name;  // the agent's host name ("#3" when unknown; "node1 #3" when two counted hosts share it)
  const nlohmann::json* counters = nullptr;  // into t.host_counters
  std::vector<int> sharing;                  // every participant reading these counters (this one first)
};

std::vector<CountedHost> countedHosts(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents);

}  // namespace fabcheck::results
