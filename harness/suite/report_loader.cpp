// The suite's `report:` key (report_loader.h).
#include "harness/suite/report_loader.h"

namespace fabcheck::suite::detail {

const std::vector<std::string> kReportKeys = {"per_flow", "worst_flows", "inline_flows", "flows_sidecar"};

void loadReportKeys(SuiteReader& r, const std::map<std::string, Val>& e, ReportSettings& s) {
  if (auto it = e.find("per_flow"); it != e.end()) {
    if (auto x = r.oneOf(it->second, "report.per_flow", {"auto", "worst", "all"})) s.per_flow = *x;
  }
  if (auto it = e.find("worst_flows"); it != e.end()) {
    if (auto x = r.integer(it->second, "report.worst_flows", 1, 10000)) s.worst_flows = static_cast<int>(*x);
  }
  if (auto it = e.find("inline_flows"); it != e.end()) {
    if (auto x = r.integer(it->second, "report.inline_flows", 0, 100000)) s.inline_flows = static_cast<int>(*x);
  }
  if (auto it = e.find("flows_sidecar"); it != e.end()) {
    if (auto x = r.boolean(it->second, "report.flows_sidecar")) s.flows_sidecar = *x;
  }
}

}  // namespace fabcheck::suite::detail
