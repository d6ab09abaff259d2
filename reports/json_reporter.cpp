#include "reports/json_reporter.h"

#include "harness/results/topology.h"

namespace fabcheck::reports {

JsonReporter::JsonReporter(std::string path) : WholeFileReporter("json", std::move(path)) { write(); }

namespace {

constexpr const char* kTestsMarker = "\x01" "fabcheck tests" "\x01";

}  // namespace

bool JsonReporter::keepRecord(const nlohmann::json& record) {
  // As dump(2) writes an element of the top-level "tests" array: every line indented by 4.
  const std::string text = record.dump(2);
  std::string indented = "    ";
  indented.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    indented += c;
    if (c == '\n') indented += "    ";
  }
  test_texts_.push_back(std::move(indented));
  return false;
}

std::string JsonReporter::render(const RunSoFar& run) const {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [k, v] : run.context.items()) doc[k] = v;
  if (run.agents) {
    doc["agents"] = *run.agents;
    doc["topology"] = results::agentsJsonTopology(*run.agents);  // host -> {switch, port, source}
  }
  doc["tests"] = kTestsMarker;
  if (run.end) doc["end"] = *run.end;
  doc["complete"] = run.end.has_value();
  std::string text = doc.dump(2) + "\n";
  std::string tests = "[]";
  if (!test_texts_.empty()) {
    tests = "[\n";
    for (size_t i = 0; i < test_texts_.size(); ++i) tests += (i ? ",\n" : "") + test_texts_[i];
    tests += "\n  ]";
  }
  const std::string marker = nlohmann::json(kTestsMarker).dump();
  const size_t at = text.find(marker);
  if (at != std::string::npos) text.replace(at, marker.size(), tests);
  return text;
}

}  // namespace fabcheck::reports
