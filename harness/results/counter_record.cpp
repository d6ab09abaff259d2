#include "harness/results/counter_record.h"

#include <map>
#include <set>
#include <string>

namespace fabcheck::results {

using nlohmann::json;

namespace {

bool moved(const json& counter) {
  if (counter.value("status", std::string("ok")) != "ok") return true;
  const auto d = counter.find("delta");
  return d != counter.end() && d->is_number() && d->get<double>() != 0;
}

json movedSources(const json& sources) {
  json out = json::array();
  if (!sources.is_array()) return out;
  for (const auto& s : sources) {
    json kept = json::object();
    for (const auto& [k, v] : s.items()) {
      if (k != "counters") kept[k] = v;
    }
    json counters = json::array();
    for (const auto& c : s.value("counters", json::array())) {
      if (moved(c)) counters.push_back(c);
    }
    const bool says_why = s.contains("unavailable_reason") || s.contains("error");
    if (counters.empty() && !says_why) continue;
    if (!counters.empty()) kept["counters"] = std::move(counters);
    out.push_back(std::move(kept));
  }
  return out;
}

// every host's "missing" grouped by reason
json groupedMissing(const std::vector<CountedHost>& hosts) {
  std::map<std::string, std::pair<std::set<std::string>, std::vector<std::string>>> by_reason;
  for (const auto& h : hosts) {
    const json miss = h.counters->value("missing", json::object());
    std::set<std::string> reasons_here;
    for (const auto& [name, why] : miss.items()) {
      const std::string reason = why.is_string() ? why.get<std::string>() : why.dump();
      auto& entry = by_reason[reason];
      entry.first.insert(name);
      if (reasons_here.insert(reason).second) entry.second.push_back(h.name);
    }
  }
  json out = json::object();
  for (const auto& [reason, entry] : by_reason) out[reason] = {{"metrics", entry.first}, {"hosts", entry.second}};
  return out;
}

}  // namespace

json movedCounters(const json& counters) {
  if (!counters.is_object()) return counters;
  json out = json::object();
  for (const auto& [k, v] : counters.items()) {
    if (k == "metrics" && v.is_object()) {
      json m = json::object();
      for (const auto& [name, value] : v.items()) {
        if (!value.is_number() || value.get<double>() != 0) m[name] = value;
      }
      out[k] = std::move(m);
    } else if (k == "sources") {
      out[k] = movedSources(v);
    } else if (k != "missing") {
      out[k] = v;
    }
  }
  return out;
}

json counterRecord(const model::TestOutcome& t, const std::vector<CountedHost>& hosts, bool full_snapshots) {
  json fabric = t.fabric_counters.is_null() ? json(nullptr) : movedCounters(t.fabric_counters);
  if (fabric.is_object() && t.fabric_counters.contains("missing")) fabric["missing"] = t.fabric_counters["missing"];
  json host_list = json::array();
  for (const auto& h : hosts) {
    json one = movedCounters(*h.counters);
    one["host"] = h.name;
    one["agents"] = h.sharing;
    host_list.push_back(std::move(one));
  }
  json out = {{"fabric", std::move(fabric)}, {"hosts", std::move(host_list)}, {"missing", groupedMissing(hosts)}};
  if (full_snapshots) {
    json per_agent = json::object();
    for (const auto& [a, c] : t.host_counters) per_agent[std::to_string(a)] = c;
    out["agents"] = std::move(per_agent);
  }
  return out;
}

}  // namespace fabcheck::results
