#include "harness/plan/participants.h"

#include <algorithm>

#include "generators/core/errors.h"

namespace fabcheck::plan {

std::vector<int> resolveParticipants(const suite::SuiteTest& test, const std::vector<launch::HostEntry>& hosts) {
  const auto& p = test.participants;
  const std::string at = (p.pos.line > 0 ? p.pos : test.pos).str() + ": test '" + test.spec.name + "'";
  std::vector<int> first_agent;  // of each host
  int next = 0;
  for (const auto& h : hosts) {
    first_agent.push_back(next);
    next += h.slots;
  }
  std::vector<int> picked;
  std::string selection;
  auto takeHost = [&](size_t i) {
    for (int s = 0; s < hosts[i].slots; ++s) picked.push_back(first_agent[i] + s);
  };
  if (!p.hosts.empty()) {
    selection = "hosts";
    for (const auto& name : p.hosts) {
      bool found = false;
      for (size_t i = 0; i < hosts.size(); ++i) {
        if (hosts[i].name == name && !found) {
          takeHost(i);
          found = true;
        }
      }
      if (!found) {
        std::string known;
        for (const auto& h : hosts) known += (known.empty() ? "" : ", ") + h.name;
        throw ConfigError(at + " names host '" + name + "', which is not among the run's hosts (" + known + ")");
      }
      selection += " " + name;
    }
  } else if (!p.labels.empty()) {
    for (const auto& [k, v] : p.labels) selection += (selection.empty() ? "hosts with " : ",") + k + "=" + v;
    for (size_t i = 0; i < hosts.size(); ++i) {
      bool all = true;
      for (const auto& [k, v] : p.labels) {
        auto it = hosts[i].labels.find(k);
        all = all && it != hosts[i].labels.end() && it->second == v;
      }
      if (all) takeHost(i);
    }
  } else {
    selection = "all agents";
    for (size_t i = 0; i < hosts.size(); ++i) takeHost(i);
  }
  const int want = p.count > 0 ? p.count : 2;
  if (static_cast<int>(picked.size()) < want) {
    throw ConfigError(at + " needs " + std::to_string(want) + " agents; the selection (" + selection + ") has " +
                      std::to_string(picked.size()));
  }
  if (p.count > 0) picked.resize(static_cast<size_t>(p.count));
  return picked;
}

std::optional<std::vector<int>> resolveParticipantsWithout(const suite::SuiteTest& test,
                                                           const std::vector<launch::HostEntry>& hosts,
                                                           const std::set<int>& dropped) {
  std::vector<launch::HostEntry> came;  // the hosts with the agents that came
  std::vector<int> ids;                 // agent id of each agent that came, in host order
  int next = 0;
  for (const auto& h : hosts) {
    launch::HostEntry left{h.name, 0, h.labels};
    for (int s = 0; s < h.slots; ++s, ++next) {
      if (dropped.count(next)) continue;
      ids.push_back(next);
      ++left.slots;
    }
    if (left.slots > 0) came.push_back(std::move(left));
  }
  std::vector<int> picked;
  try {
    picked = resolveParticipants(test, came);
  } catch (const ConfigError&) {
    return std::nullopt;
  }
  if (const auto& pr = test.spec.probe; pr && std::max(pr->from, pr->to) >= static_cast<int>(picked.size())) {
    return std::nullopt;
  }
  for (int& a : picked) a = ids[static_cast<size_t>(a)];
  return picked;
}

std::vector<std::vector<int>> resolveSuite(const suite::Suite& suite, const std::vector<launch::HostEntry>& hosts) {
  std::vector<std::vector<int>> out;
  std::string errors;
  for (const auto& t : suite.tests) {
    try {
      out.push_back(resolveParticipants(t, hosts));
      if (const auto& pr = t.spec.probe; pr && std::max(pr->from, pr->to) >= static_cast<int>(out.back().size())) {
        throw ConfigError(t.pos.str() + ": test '" + t.spec.name + "': probe between positions " +
                          std::to_string(pr->from) + " and " + std::to_string(pr->to) + ", but the test runs on " +
                          std::to_string(out.back().size()) + " agents (positions 0.." +
                          std::to_string(out.back().size() - 1) + ")");
      }
    } catch (const ConfigError& e) {
      errors += (errors.empty() ? "" : "\n") + std::string(e.what());
    }
  }
  if (!errors.empty()) throw ConfigError(errors);
  return out;
}

}  // namespace fabcheck::plan
