#include "harness/plan/test_rounds.h"

#include <algorithm>
#include <set>

#include "generators/core/errors.h"
#include "generators/engine/collective_link.h"
#include "generators/patterns/collective_schedule.h"
#include "generators/transport/transport.h"
#include "harness/suite/pattern_registry.h"

namespace fabcheck::plan {

using model::CollectiveSpec;
using model::ProbeSpec;
using model::TestSpec;

namespace {

// engine/collective_executor.cpp's bound on a collective's message, whatever the transport.
constexpr uint32_t kCollectiveMaxMessage = 64u << 20;

// The largest message of the spec's transport (ConfigError for an unknown transport).
uint32_t maxMessageBytes(const std::string& transport) {
  return transport::transportKindProperties(transport).max_message_bytes;
}

// Appends the probe of a latency-under-load test to its (single) round: a pingpong flow with
// its own parameters that runs through the load's warm-up and measured phase.
void addProbe(const TestSpec& spec, int agents, std::vector<patterns::PatternPlan>& rounds) {
  const ProbeSpec& pr = *spec.probe;
  const std::string test = "test '" + spec.name + "': ";
  if (!suite::patternFor(spec)->makesLoad()) {
    throw ConfigError(test + "a probe measures latency under load; the test's own pattern must be stream, microburst or incast, not " +
                      suite::patternFor(spec)->name());
  }
  if (rounds.size() != 1) {
    if (spec.collective) {
      throw ConfigError(test + "a probe needs a test that runs in one round; its sweep of " + std::to_string(rounds.size()) +
                        " sizes runs " + std::to_string(rounds.size()));
    }
    throw ConfigError(test + "a probe needs a placement that runs in one round; " + std::string(patterns::toString(spec.placement)) +
                      " runs " + std::to_string(rounds.size()));
  }
  if (pr.from < 0 || pr.to < 0 || pr.from >= agents || pr.to >= agents || pr.from == pr.to) {
    throw ConfigError(test + "probe between positions " + std::to_string(pr.from) + " and " + std::to_string(pr.to) +
                      "; expected two different positions of its " + std::to_string(agents) + " agents (0.." +
                      std::to_string(agents - 1) + ")");
  }
  if (pr.idle_duration_ns <= 0) throw ConfigError(test + "probe idle duration must be above 0");
  patterns::PatternParams p = pr.params;
  p.kind = patterns::PatternKind::kPingpong;
  p.flows = 1;
  p.iterations = 0;
  p.warmup_ns = spec.collective ? 0 : spec.params.warmup_ns;
  // Beside a collective the probe runs until the ranks are done (the agent stops it then).
  p.duration_ns = spec.collective                  ? spec.collective->timeout_ns
                  : spec.params.duration_ns > 0 ? spec.params.duration_ns
                                                : pr.idle_duration_ns;
  patterns::validate(p, maxMessageBytes(spec.transport), spec.transport, {.size = "probe.size"});
  patterns::FlowSpec f;
  f.flow_id = static_cast<uint32_t>(rounds.front().flows.size());
  f.role = patterns::FlowRole::kPingpong;
  f.sender = pr.from;
  f.receiver = pr.to;
  f.params = p;
  f.dscp = pr.dscp;
  rounds.front().flows.push_back(f);
}

}  // namespace

// How long a round's traffic may run: its longest flow; by iterations, generously bounded; a
// collective round: its timeout.
int64_t roundRunNs(const TestSpec& spec, const patterns::PatternPlan& round) {
  if (spec.collective) return spec.collective->timeout_ns;
  int64_t ns = 0;
  for (const auto& f : round.flows) {
    const patterns::PatternParams& p = f.params ? *f.params : spec.params;
    if (p.duration_ns <= 0) return 600'000'000'000;
    ns = std::max(ns, p.warmup_ns + p.duration_ns);
  }
  return ns;
}

namespace {

// The rounds of a collective test, one per size: every link of the schedule is a flow (id =
// its index in CollectiveSchedule::flows(), as the agents compute it); `params` gets each
// round's parameters. Throws ConfigError for parameters the ranks cannot run.
std::vector<patterns::PatternPlan> collectiveRounds(const TestSpec& spec, int ranks,
                                                    std::vector<patterns::CollectiveParams>& params) {
  const CollectiveSpec& c = *spec.collective;
  const std::string test = "test '" + spec.name + "': ";
  // The transport's largest message, within the executor's own bound (collective_executor.cpp).
  const uint32_t max_message = std::min(maxMessageBytes(spec.transport), kCollectiveMaxMessage);
  if (c.message_bytes <= engine::kCollectiveHeaderBytes || c.message_bytes > max_message) {
    throw ConfigError(test + "collective message size " + std::to_string(c.message_bytes) + " bytes: expected " +
                      std::to_string(engine::kCollectiveHeaderBytes + 1) + " to " + std::to_string(max_message) +
                      " (the " + spec.transport + " transport's largest message, 48 header bytes included)");
  }
  if (c.window_bytes < 2 * c.message_bytes) {
    throw ConfigError(test + "collective window " + std::to_string(c.window_bytes) + " bytes: expected at least two messages (" +
                      std::to_string(2 * c.message_bytes) + " bytes)");
  }
  if (c.timeout_ns <= 0 || c.step_timeout_ns <= 0) throw ConfigError(test + "collective timeouts must be above 0");
  std::vector<patterns::PatternPlan> rounds;
  for (uint64_t size : c.sweep()) {
    patterns::CollectiveParams p = c.params;
    p.size_bytes = size;
    p.size_bytes = patterns::fitSizeToRanks(p, ranks);
    try {
      const patterns::CollectiveSchedule schedule(p, ranks);
      patterns::PatternPlan plan;
      const auto flows = schedule.flows();
      for (size_t i = 0; i < flows.size(); ++i) {
        patterns::FlowSpec f;
        f.flow_id = static_cast<uint32_t>(i);
        f.role = patterns::FlowRole::kCollective;
        f.sender = static_cast<int>(flows[i].sender);
        f.receiver = static_cast<int>(flows[i].receiver);
        f.rate_bps = c.link_rate_bps;
        plan.flows.push_back(f);
      }
      rounds.push_back(std::move(plan));
    } catch (const ConfigError& e) {
      throw ConfigError(test + "size " + std::to_string(size) + " B on " + std::to_string(ranks) + " ranks: " + e.what());
    }
    params.push_back(p);
  }
  return rounds;
}

}  // namespace

void checkTestAgents(const TestSpec& spec, const std::vector<int>& who, int registered) {
  std::set<int> seen;
  for (int a : who) {
    if (a < 0 || a >= registered) {
      throw ConfigError("test '" + spec.name + "' names agent " + std::to_string(a) + "; the run has agents 0.." +
                        std::to_string(registered - 1));
    }
    if (!seen.insert(a).second) throw ConfigError("test '" + spec.name + "' names agent " + std::to_string(a) + " twice");
  }
}

TestRounds planFlowRounds(const TestSpec& spec, int agents) {
  TestRounds out;
  patterns::validate(spec.params, maxMessageBytes(spec.transport), spec.transport);
  if (spec.placement == patterns::Placement::kMatrix && !spec.probe && agents >= 2) {
    // One round at a time (a probe's check wants the rounds counted: it is refused below).
    out.lazy_count = static_cast<size_t>(patterns::matrixRoundCount(agents));
    out.lazy_round = [params = spec.params, agents](size_t r) {
      return patterns::placeMatrixRound(params, agents, static_cast<int>(r));
    };
    return out;
  }
  out.rounds = patterns::placeRounds(spec.params, spec.placement, agents, spec.seed);
  return out;
}

TestRounds planCollectiveRounds(const TestSpec& spec, int ranks) {
  TestRounds out;
  out.rounds = collectiveRounds(spec, ranks, out.collective);
  return out;
}

TestRounds planTestRounds(const TestSpec& spec, int agents) {
  TestRounds out = suite::patternFor(spec)->plan(spec, agents);
  if (spec.probe) addProbe(spec, agents, out.rounds);
  return out;
}

}  // namespace fabcheck::plan
