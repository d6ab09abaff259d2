// The findings a failing or erroring JUnit testcase's message names about its flows (issue 18:
// a CI summary that shows only the message still says where to look), from the record's
// "flows" summary (harness/results/flow_detail.h):
//
//   "worst flows: 3→4 (node3→node4) loss 2.1%, 7→8 (node7→node8) 0.95 Gbit/s; hosts: node7 (3 flows);
//    of 1024 flows"
//
// The flows named are those of flows.worst that lost packets or ran below the flows' median
// throughput (flows that are as good as the median are no finding); the hosts are
// flows.worst_hosts. At most 3 flows and 3 hosts, cut to max_chars (ending "…"); "" when the
// record has no flows summary or no flow is named. Reads records that may lack any field (record_fields.h) and never throws.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace fabcheck::reports {

std::string flowFindings(const nlohmann::json& record, size_t max_chars = 300);

}  // namespace fabcheck::reports
