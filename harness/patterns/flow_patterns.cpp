#include "harness/patterns/flow_patterns.h"

#include "harness/plan/test_rounds.h"
#include "harness/results/test_summary.h"
#include "harness/suite/flow_loader.h"

namespace fabcheck::pattern_plugins {
namespace {

using patterns::PatternKind;

class FlowPattern final : public suite::Pattern {
 public:
  explicit FlowPattern(FlowPatternDef def) : def_(std::move(def)) {}

  std::string name() const override { return def_.name; }
  std::string description() const override { return def_.description; }

  std::vector<std::string> keys() const override { return suite::detail::flowPatternKeys(); }
  void load(const suite::PatternKeys& in, suite::SuiteTest& t) const override {
    suite::detail::loadFlowKeys(in.reader, def_.kind, def_.incast, in.keys, in.fabric, t);
  }
  void check(const suite::PatternKeys& in, suite::SuiteTest& t) const override {
    suite::detail::validateFlowTest(in.reader, in.entry, in.keys, t);
  }

  bool describes(const model::TestSpec& spec) const override {
    return !spec.collective && spec.params.kind == def_.kind &&
           (!def_.incast || spec.placement == patterns::Placement::kIncast);
  }
  suite::PatternRounds plan(const model::TestSpec& spec, int agents) const override {
    return plan::planFlowRounds(spec, agents);
  }
  bool makesLoad() const override { return def_.kind != PatternKind::kPingpong; }

  std::vector<std::string> metricGroups() const override {
    std::vector<std::string> g = {suite::kMetricPackets};
    g.push_back(def_.kind == PatternKind::kPingpong ? suite::kMetricRoundTrips : suite::kMetricFlows);
    if (bursts()) g.push_back(suite::kMetricBursts);
    return g;
  }
  void summarize(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents,
                 nlohmann::json& record) const override {
    record["pattern"] = patterns::toString(t.spec.params.kind);
    record["placement"] = patterns::toString(t.spec.placement);
    record["metrics"] = results::flowMetrics(t, agents, results::SummaryParts{.bursts = bursts()});
    results::addMatrix(t, agents, record);
  }
  // A record names the kind ("microburst" for incast too) and the placement.
  bool summarizedAs(std::string_view pattern, std::string_view placement) const override {
    return pattern == patterns::toString(def_.kind) && (!def_.incast || placement == "incast");
  }

 private:
  bool bursts() const { return patterns::roleFor(def_.kind) == patterns::FlowRole::kBurst; }

  FlowPatternDef def_;
};

}  // namespace

suite::PatternPtr flowPattern(FlowPatternDef def) { return std::make_shared<FlowPattern>(std::move(def)); }

}  // namespace fabcheck::pattern_plugins
