// Which agents a suite test runs on, from its participants selector and the run's hosts.
//
// Agents are numbered in host order, one per slot: host 0's slots first (the launchers start
// them so). A selector picks all agents, the agents on named hosts (in the order named), or the
// agents on hosts carrying every given label; `count` then takes the first `count` of those.
// Throws ConfigError before anything starts when a selection is impossible, naming the test's
// position, what it asked for and what the hosts give, e.g.
//   "s.yaml:12:5: test 'incast8' needs 9 agents; the selection (all agents) has 4"
//   "s.yaml:7:19: test 'ring' names host 'node9', which is not among the run's hosts (node1, node2)"
#pragma once

#include <optional>
#include <set>
#include <vector>

#include "harness/launch/hosts.h"
#include "harness/suite/suite.h"

namespace fabcheck::plan {

std::vector<int> resolveParticipants(const suite::SuiteTest& test, const std::vector<launch::HostEntry>& hosts);

// The agents of `test` when the agents in `dropped` (ids) never came (a run that went on without
// them, min_agents): the same selection made over the agents that came, in host order, mapped
// back to their ids. nullopt when it is impossible now: a host it names lost all its agents, the
// selection has fewer agents than it needs, or the probe's positions lie beyond them.
std::optional<std::vector<int>> resolveParticipantsWithout(const suite::SuiteTest& test,
                                                           const std::vector<launch::HostEntry>& hosts,
                                                           const std::set<int>& dropped);

// The agents of every test of the suite; the first error of each test, all reported at once
// (one per line) as a ConfigError.
std::vector<std::vector<int>> resolveSuite(const suite::Suite& suite, const std::vector<launch::HostEntry>& hosts);

}  // namespace fabcheck::plan
