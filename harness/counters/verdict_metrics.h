// The metrics the NIC verdicts add to a test (harness/results/nic_verdicts.h), for the SLO
// registry and docs/metrics.md: name, unit, meaning and when it exists.
#pragma once

#include <string>
#include <vector>

namespace fabcheck::counters {

struct VerdictMetricInfo {
  std::string name;
  std::string unit;
  std::string meaning;
  std::string condition;  // when it exists
};

const std::vector<VerdictMetricInfo>& verdictMetricInfos();

}  // namespace fabcheck::counters
