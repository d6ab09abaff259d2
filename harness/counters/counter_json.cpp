#include "harness/counters/counter_json.h"

namespace fabcheck::counters {

namespace {

nlohmann::json labelsJson(const Labels& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : labels) j[k] = v;
  return j;
}

void addCommon(nlohmann::json& j, const std::string& reason, const std::string& error, const std::vector<std::string>& notes) {
  if (!reason.empty()) j["unavailable_reason"] = reason;
  if (!error.empty()) j["error"] = error;
  if (!notes.empty()) j["notes"] = notes;
}

}  // namespace

nlohmann::json deltasToJson(const CounterDeltas& deltas) {
  nlohmann::json j = nlohmann::json::object();
  j["source"] = deltas.source;
  if (!deltas.scope.empty()) j["scope"] = labelsJson(deltas.scope);
  j["interval_ns"] = deltas.interval_ns;
  addCommon(j, deltas.unavailable_reason, deltas.error, deltas.notes);
  nlohmann::json counters = nlohmann::json::array();
  for (const CounterDelta& d : deltas.counters) {
    nlohmann::json c = nlohmann::json::object();
    c["name"] = d.name;
    c["labels"] = labelsJson(d.labels);
    if (d.delta) c["delta"] = *d.delta;
    if (d.status != DeltaStatus::kOk) c["status"] = toString(d.status);
    if (d.status != DeltaStatus::kOk && d.status != DeltaStatus::kWrapped) {
      if (d.before) c["before"] = *d.before;
      if (d.after) c["after"] = *d.after;
    }
    counters.push_back(std::move(c));
  }
  j["counters"] = std::move(counters);
  return j;
}

nlohmann::json snapshotToJson(const std::string& source, const CounterSnapshot& snap, const std::string& unavailable_reason) {
  nlohmann::json j = nlohmann::json::object();
  j["source"] = source;
  addCommon(j, unavailable_reason, "", snap.notes);
  nlohmann::json counters = nlohmann::json::array();
  for (const CounterSample& s : snap.samples) {
    counters.push_back({{"name", s.name}, {"labels", labelsJson(s.labels)}, {"value", s.value}});
  }
  j["counters"] = std::move(counters);
  return j;
}

}  // namespace fabcheck::counters
