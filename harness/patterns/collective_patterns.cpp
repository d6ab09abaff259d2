#include "harness/patterns/collective_patterns.h"

#include "harness/plan/test_rounds.h"
#include "harness/results/collective_summary.h"
#include "harness/suite/collective_loader.h"

namespace fabcheck::pattern_plugins {
namespace {

// docs/metrics.md "Collectives". Bandwidths are GB/s (10^9 bytes/s) as nccl-tests prints them,
// under names that say so (_gbytes_s); the _gbps names they had are deprecated (they read GB/s).
std::vector<suite::PatternMetric> collectiveMetrics() {
  const std::string largest = "at the largest size of the sweep";
  return {
      {"collective.busbw_gbytes_s", "GB/s", "bus bandwidth: algbw x the kind's factor (all-reduce 2(n-1)/n; reduce-scatter, all-gather, all-to-all (n-1)/n; broadcast 1), " + largest, "busbw within the line rate, when known", {}, {"collective.busbw_gbps"}},
      {"collective.algbw_gbytes_s", "GB/s", "algorithm bandwidth: size / time_us, " + largest, "busbw within the line rate, when known", {}, {"collective.algbw_gbps"}},
      {"collective.time_us", "us", "mean over the measured iterations of the slowest rank's iteration time, " + largest, "", {}},
      {"collective.p50_us", "us", "median iteration time (slowest rank per iteration), " + largest, "", {}},
      {"collective.p99_us", "us", "99th percentile iteration time (slowest rank per iteration), " + largest, "", {}},
      {"collective.cv", "", "coefficient of variation (stddev / mean) of the iteration times, " + largest, "", {}},
      {"collective.avg_busbw_gbytes_s", "GB/s", "mean busbw over the sizes of the sweep (nccl-tests' Avg bus bandwidth)", "busbw within the line rate, when known", {}, {"collective.avg_busbw_gbps"}},
      {"collective.min_busbw_gbytes_s", "GB/s", "lowest busbw over the sizes of the sweep", "busbw within the line rate, when known", {}, {"collective.min_busbw_gbps"}},
      {"collective.jct_ratio", "", "job completion time ratio: time_us / the ideal time the line rate allows (the kind's factor x size x 8 / line rate = line rate / busbw), " + largest + " (>= 1 in a sane run)", "the line rate is known, one rank per host", {}},
      {"collective.sizes", "sizes", "sizes of the sweep that measured at least one iteration", "", {}},
      {"collective.retransmissions", "segments", "segments the ranks' links sent again (loss or overrun recovery), all sizes, warm-up included", "", {}},
      {"collective.timeouts", "timeouts", "retransmission timer expiries over all links and sizes", "", {}},
      {"collective.corrupted_bytes", "bytes", "payload bytes that differed from the pattern on receipt", "payload_check on", {}},
      {"collective.stragglers", "sizes", "sizes at which a link ran below straggler_ratio x the median link rate", "", {}},
      {"collective.straggler_links", "links", "links below straggler_ratio x the median link rate, " + largest, "", {}},
  };
}

class CollectivePattern final : public suite::Pattern {
 public:
  CollectivePattern(patterns::CollectiveKind kind, std::string description)
      : kind_(kind), description_(std::move(description)) {}

  std::string name() const override { return std::string(patterns::toString(kind_)); }
  std::string description() const override { return description_; }

  std::vector<std::string> keys() const override { return suite::detail::collectivePatternKeys(); }
  std::string keyNotHere(const std::string& key) const override {
    return suite::detail::collectiveKeyNotHere(key, kind_);
  }
  void load(const suite::PatternKeys& in, suite::SuiteTest& t) const override {
    suite::detail::loadCollective(in.reader, in.entry, in.keys, kind_, in.fabric.line_rate_gbps, in.errors_before, t);
  }

  bool describes(const model::TestSpec& spec) const override {
    return spec.collective && spec.collective->params.kind == kind_;
  }
  suite::PatternRounds plan(const model::TestSpec& spec, int agents) const override {
    return plan::planCollectiveRounds(spec, agents);
  }

  std::string metricFamily() const override { return "collective"; }
  std::vector<std::string> metricGroups() const override { return {}; }
  std::vector<suite::PatternMetric> ownMetrics() const override { return collectiveMetrics(); }
  // Its own metrics are under metrics.collective; the flow metrics of streams would all read 0.
  void summarize(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents,
                 nlohmann::json& record) const override {
    record["pattern"] = "collective";
    record["placement"] = "ranks";  // rank r = the test's r-th agent
    record["metrics"] = nlohmann::json::object();
    results::addCollective(t, agents, record);
  }

 private:
  patterns::CollectiveKind kind_;
  std::string description_;
};

}  // namespace

suite::PatternPtr collectivePattern(patterns::CollectiveKind kind, std::string description) {
  return std::make_shared<CollectivePattern>(kind, std::move(description));
}

}  // namespace fabcheck::pattern_plugins
