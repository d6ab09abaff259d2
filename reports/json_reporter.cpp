#include "reports/json_reporter.h"

#include "harness/results/topology.h"

namespace fabcheck::reports {

JsonReporter::JsonReporter(std::string path) : WholeFileReporter("json", std::move(path)) { write(); }

std::string JsonReporter::render(const RunSoFar& run) const {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [k, v] : run.context.items()) doc[k] = v;
  if (run.agents) {
    doc["agents"] = *run.agents;
    doc["topology"] = results::agentsJsonTopology(*run.agents);  // host -> {switch, port, source}
  }
  doc["tests"] = run.tests;
  if (run.end) doc["end"] = *run.end;
  doc["complete"] = run.end.has_value();
  return doc.dump(2) + "\n";
}

}  // namespace fabcheck::reports
