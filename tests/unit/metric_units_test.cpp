// Units that cannot be misread (docs/metrics.md "Naming"): every registry name says its unit,
// the renamed collective bandwidths keep their old names as deprecated aliases that read the
// same value and warn at the SLO's file:line:col; the JCT ratio per collective kind against the
// line rate, absent with a reason when it is unknown; busbw above the line rate is a misreading;
// the algorithm a schedule runs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/patterns/collective_schedule.h"
#include "harness/fabric/fabric_state.h"
#include "harness/results/collective_line_rate.h"
#include "harness/runner/line_rate_source.h"
#include "harness/slo/metric_registry.h"
#include "harness/slo/verdict.h"
#include "harness/suite/suite_loader.h"
#include "reports/metric_units.h"
#include "tests/support/temp_dir.h"

namespace fabcheck::testing {
namespace {

using nlohmann::json;

bool endsWithUnits(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The part of a metric name that carries the unit: before a histogram statistic
// ("latency_us.p99" → "latency_us") or a per-flow/matrix tail ("throughput_gbps.per_flow.min").
bool nameSaysUnit(const std::string& name, const std::string& suffix) {
  return name.find(suffix + ".") != std::string::npos || endsWithUnits(name, suffix) ||
         name.find(suffix + "_") != std::string::npos;  // matrix.latency_us_p50.max
}

TEST(MetricUnits, EveryRateAndTimeNameSaysItsUnitInTheOneConvention) {
  for (const auto& m : slo::metricRegistry()) {
    if (m.unit == "GB/s") {
      EXPECT_TRUE(nameSaysUnit(m.name, "_gbytes_s")) << m.name << " holds GB/s: its name must end _gbytes_s";
    } else if (m.unit == "Gbit/s") {
      EXPECT_TRUE(nameSaysUnit(m.name, "_gbps")) << m.name << " holds Gbit/s: its name must say _gbps";
    } else if (m.unit == "us") {
      EXPECT_TRUE(nameSaysUnit(m.name, "_us")) << m.name << " holds us: its name must say _us";
    } else if (m.unit == "s") {
      EXPECT_TRUE(nameSaysUnit(m.name, "_s")) << m.name;
    }
    // A name that says one unit never holds another.
    if (nameSaysUnit(m.name, "_gbps")) {
      EXPECT_EQ(m.unit, "Gbit/s") << m.name;
    }
    if (nameSaysUnit(m.name, "_gbytes_s")) {
      EXPECT_EQ(m.unit, "GB/s") << m.name;
    }
    for (const auto& d : m.deprecated) EXPECT_NE(d, m.name);
  }
}

TEST(MetricUnits, TheOldCollectiveNamesAreDeprecatedAliasesOfTheGbytesNames) {
  const std::pair<const char*, const char*> renamed[] = {{"collective.busbw_gbps", "collective.busbw_gbytes_s"},
                                                         {"collective.algbw_gbps", "collective.algbw_gbytes_s"},
                                                         {"collective.avg_busbw_gbps", "collective.avg_busbw_gbytes_s"},
                                                         {"collective.min_busbw_gbps", "collective.min_busbw_gbytes_s"}};
  for (const auto& [old_name, new_name] : renamed) {
    const slo::MetricInfo* m = slo::findMetric(old_name);
    ASSERT_NE(m, nullptr) << old_name << " must still be accepted";
    EXPECT_EQ(m->name, new_name);
    EXPECT_EQ(m->unit, "GB/s");
    EXPECT_EQ(slo::deprecatedMetric(old_name), m);
    EXPECT_EQ(slo::deprecatedMetric(new_name), nullptr);
    EXPECT_EQ(slo::deprecationWarning(new_name), "");
    EXPECT_EQ(reports::metricUnit(old_name), "GB/s");
  }
  EXPECT_EQ(slo::deprecationWarning("collective.busbw_gbps"),
            "metric 'collective.busbw_gbps' is deprecated: use 'collective.busbw_gbytes_s' (GB/s = 10^9 bytes/s); the old "
            "name reads the same value until the next release");
  EXPECT_EQ(slo::nearestMetric("collective.busbw_gbp"), "collective.busbw_gbytes_s") << "never suggest an old name";
  EXPECT_EQ(slo::deprecatedMetric("throughput_gbps"), nullptr) << "Gbit/s under _gbps: not renamed";
}

TEST(MetricUnits, AnSloWithADeprecatedNameReadsTheSameValue) {
  const std::map<std::string, double> metrics = {{"collective.busbw_gbytes_s", 0.42}};
  const slo::SloResult old_name = slo::evaluate({"collective.busbw_gbps >= 0.1", {}}, metrics, {}, "");
  const slo::SloResult new_name = slo::evaluate({"collective.busbw_gbytes_s >= 0.1", {}}, metrics, {}, "");
  EXPECT_EQ(old_name.verdict, slo::Verdict::kPass);
  ASSERT_TRUE(old_name.observed.has_value());
  EXPECT_EQ(*old_name.observed, 0.42);
  EXPECT_EQ(old_name.metric, "collective.busbw_gbytes_s");
  EXPECT_EQ(old_name.unit, "GB/s");
  EXPECT_EQ(old_name.reason, "collective.busbw_gbps = 0.42 GB/s, within >= 0.1 GB/s") << "as written, with units";
  EXPECT_EQ(new_name.reason, "collective.busbw_gbytes_s = 0.42 GB/s, within >= 0.1 GB/s");
  const slo::SloResult failed = slo::evaluate({"collective.busbw_gbps >= 1", {}}, metrics, {}, "");
  EXPECT_EQ(failed.verdict, slo::Verdict::kFail);
}

TEST(MetricUnits, ValidateWarnsOncePerSloThatUsesADeprecatedNameAtItsPosition) {
  const suite::Suite s = suite::parseSuite(R"(name: w
fabric: {transport: udp, line_rate_gbps: 100}
tests:
  - name: ar
    pattern: all_reduce
    agents: 4
    slos:
      - collective.busbw_gbps >= 0.8 * line_rate_gbps / 8
      - collective.busbw_gbytes_s >= 1
      - collective.min_busbw_gbps > 0
)",
                                           "w.yaml");
  EXPECT_TRUE(slo::validateSlos(s).empty()) << "a deprecated name is valid";
  const auto warnings = slo::sloWarnings(s);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].str(),
            "w.yaml:8:9: warning: slo 'collective.busbw_gbps >= 0.8 * line_rate_gbps / 8': metric "
            "'collective.busbw_gbps' is deprecated: use 'collective.busbw_gbytes_s' (GB/s = 10^9 bytes/s); the old name "
            "reads the same value until the next release");
  EXPECT_EQ(warnings[1].pos.line, 10);
  EXPECT_NE(warnings[1].message.find("use 'collective.min_busbw_gbytes_s' (GB/s = 10^9 bytes/s)"), std::string::npos);
}

TEST(MetricUnits, AnSloLineHasTheUnitBesideTheObservedValueAndTheThreshold) {
  const json slo = {{"expression", "collective.busbw_gbps >= 0.1"}, {"metric", "collective.busbw_gbytes_s"},
                    {"unit", "GB/s"},  {"op", ">="}, {"observed", 0.42}, {"threshold", 0.1}};
  auto g = [](double v) { return nlohmann::json(v).dump(); };
  EXPECT_EQ(reports::sloFigure(slo, g), "collective.busbw_gbytes_s 0.42 GB/s >= 0.1 GB/s");
  json no_unit = slo;
  no_unit.erase("unit");
  no_unit.erase("op");
  EXPECT_EQ(reports::sloFigure(no_unit, g), "collective.busbw_gbytes_s 0.42 GB/s >= 0.1 GB/s") << "unit from the registry";
  const json ratio = {{"expression", "loss_ratio == 0"}, {"metric", "loss_ratio"}, {"observed", 0}, {"threshold", 0}};
  EXPECT_EQ(reports::sloFigure(ratio, g), "loss_ratio 0.0 == 0.0") << "dimensionless: no unit";
}

// ---- JCT ratio ----------------------------------------------------------------------------

TEST(MetricUnits, TheIdealTimeIsTheBusiestLinksBytesAtTheLineRatePerKind) {
  // 1 MB on 4 ranks at 8 Gbit/s = 1 GB/s: 1000 us per MB on a link.
  EXPECT_DOUBLE_EQ(results::collectiveIdealTimeUs("all_reduce", 4, 1e6, 8), 1500);      // 2(n-1)/n S
  EXPECT_DOUBLE_EQ(results::collectiveIdealTimeUs("reduce_scatter", 4, 1e6, 8), 750);   // (n-1)/n S
  EXPECT_DOUBLE_EQ(results::collectiveIdealTimeUs("all_gather", 4, 1e6, 8), 750);
  EXPECT_DOUBLE_EQ(results::collectiveIdealTimeUs("all_to_all", 4, 1e6, 8), 750);
  EXPECT_DOUBLE_EQ(results::collectiveIdealTimeUs("broadcast", 4, 1e6, 8), 1000);       // the root sends S
  EXPECT_DOUBLE_EQ(results::collectiveIdealTimeUs("all_reduce", 2, 1e6, 8), 1000);
  EXPECT_EQ(results::collectiveIdealTimeUs("all_reduce", 4, 1e6, 0), 0) << "unknown rate: none";
  EXPECT_EQ(results::collectiveIdealTimeUs("gather", 4, 1e6, 8), 0) << "unknown kind: none";
}

// A summarised collective record (collective_summary.h) of one kind at two sizes.
json collectiveRecordOf(const std::string& kind, int ranks, double busbw_small, double busbw_large) {
  const double factor = kind == "all_reduce" ? 2.0 * (ranks - 1) / ranks : kind == "broadcast" ? 1.0 : (ranks - 1.0) / ranks;
  auto size = [&](double bytes, double busbw) {
    const double algbw = busbw / factor;
    return json{{"size_bytes", bytes}, {"iterations", 5}, {"time_us", bytes / (algbw * 1e3)}, {"algbw_gbytes_s", algbw},
                {"busbw_gbytes_s", busbw}};
  };
  json r;
  r["collective"] = {{"kind", kind}, {"ranks", ranks}, {"ranks_per_node", 1},
                     {"sizes", json::array({size(65536, busbw_small), size(1048576, busbw_large)})}};
  r["metrics"]["collective"] = {{"busbw_gbytes_s", busbw_large}, {"algbw_gbytes_s", busbw_large / factor},
                                {"avg_busbw_gbytes_s", (busbw_small + busbw_large) / 2},
                                {"min_busbw_gbytes_s", std::min(busbw_small, busbw_large)}, {"time_us", 1.0}};
  return r;
}

TEST(MetricUnits, TheJctRatioIsLineRateOverBusbwForEveryKind) {
  for (const std::string kind : {"all_reduce", "reduce_scatter", "all_gather", "all_to_all", "broadcast"}) {
    json r = collectiveRecordOf(kind, 4, 0.5, 1.0);  // GB/s; the line rate 10 Gbit/s = 1.25 GB/s
    EXPECT_TRUE(results::addLineRateFigures(r, {10, "fabric.line_rate_gbps", ""}).empty()) << kind;
    const json& sizes = r["collective"]["sizes"];
    EXPECT_NEAR(sizes[0]["jct_ratio"].get<double>(), 10 / (8 * 0.5), 1e-9) << kind;
    EXPECT_NEAR(sizes[1]["jct_ratio"].get<double>(), 10 / (8 * 1.0), 1e-9) << kind;
    EXPECT_NEAR(sizes[1]["time_us"].get<double>() / sizes[1]["ideal_time_us"].get<double>(), 1.25, 1e-9) << kind;
    EXPECT_NEAR(r["metrics"]["collective"]["jct_ratio"].get<double>(), 1.25, 1e-9) << kind << ": the largest size's";
    EXPECT_EQ(r["collective"]["line_rate"], (json{{"gbps", 10}, {"source", "fabric.line_rate_gbps"}}));
    EXPECT_FALSE(r.contains("metrics_missing")) << kind;
  }
}

TEST(MetricUnits, WithoutALineRateThereIsNoJctRatioButAReason) {
  json r = collectiveRecordOf("all_reduce", 4, 0.5, 1.0);
  EXPECT_TRUE(results::addLineRateFigures(r, {0, "", "set fabric.line_rate_gbps in the suite or a site file"}).empty());
  EXPECT_FALSE(r["metrics"]["collective"].contains("jct_ratio"));
  EXPECT_FALSE(r["collective"]["sizes"][1].contains("jct_ratio"));
  EXPECT_EQ(r["metrics_missing"]["collective.jct_ratio"],
            "the line rate is unknown: set fabric.line_rate_gbps in the suite or a site file");
  EXPECT_TRUE(r["collective"]["line_rate"]["gbps"].is_null());
  EXPECT_EQ(r["metrics"]["collective"]["busbw_gbytes_s"], 1.0) << "the bandwidths stay";
  // Ranks sharing a host: their traffic bypasses the link; neither a ratio nor a misreading check.
  json shared = collectiveRecordOf("all_reduce", 4, 50, 100);
  shared["collective"]["ranks_per_node"] = 2;
  EXPECT_TRUE(results::addLineRateFigures(shared, {10, "fabric.line_rate_gbps", ""}).empty());
  EXPECT_NE(shared["metrics_missing"]["collective.jct_ratio"].get<std::string>().find("ranks_per_node 2"), std::string::npos);
  EXPECT_EQ(shared["metrics"]["collective"]["busbw_gbytes_s"], 100);
}

TEST(MetricUnits, BusbwAboveTheLineRateIsAMisreadingNotAResult) {
  // 10 Gbit/s = 1.25 GB/s; 2% over is 1.275 GB/s.
  json within = collectiveRecordOf("all_reduce", 4, 0.5, 1.27);
  EXPECT_TRUE(results::addLineRateFigures(within, {10, "fabric.line_rate_gbps", ""}).empty()) << "within 2%: rounding";
  EXPECT_NEAR(within["metrics"]["collective"]["jct_ratio"].get<double>(), 10 / (8 * 1.27), 1e-9);

  json over = collectiveRecordOf("all_reduce", 4, 0.5, 1.28);
  const auto m = results::addLineRateFigures(over, {10, "fabric.line_rate_gbps", ""});
  ASSERT_EQ(m.size(), 1u) << "the small size was fine";
  EXPECT_EQ(m[0],
            "size 1048576 B: busbw 1.28 GB/s (10.24 Gbit/s) is above the line rate of 10 Gbit/s (1.25 GB/s, from "
            "fabric.line_rate_gbps) by more than 2%: a misreading, not a result — likely the ranks talk over loopback or "
            "one host, faster than the declared line rate, or fabric.line_rate_gbps is wrong");
  EXPECT_EQ(over["collective"]["sizes"][1]["misreading"], m[0]);
  EXPECT_FALSE(over["collective"]["sizes"][0].contains("misreading"));
  EXPECT_EQ(over["collective"]["misreadings"], json(m));
  for (const char* k : {"busbw_gbytes_s", "algbw_gbytes_s", "avg_busbw_gbytes_s", "min_busbw_gbytes_s", "jct_ratio"}) {
    EXPECT_FALSE(over["metrics"]["collective"].contains(k)) << k << " must not be reported as a result";
    const std::string why = over["metrics_missing"][std::string("collective.") + k];
    EXPECT_EQ(why.rfind("busbw above the line rate is a misreading", 0), 0u) << why;
  }
  EXPECT_EQ(over["metrics"]["collective"]["time_us"], 1.0) << "the times stay";
  // Flattened for SLOs, the bandwidths are gone: an SLO on one is not evaluated on it.
  over["pattern"] = "collective";
  EXPECT_EQ(slo::flattenMetrics(over).count("collective.busbw_gbytes_s"), 0u);
}

TEST(MetricUnits, TheLineRateIsTheEmulatedFabricsPortRateElseTheSuitesElseUnknown) {
  suite::Suite s;
  RunOptions local;
  EXPECT_EQ(lineRateOf(s, local).gbps, 0);
  EXPECT_EQ(lineRateOf(s, local).why_unknown, "set fabric.line_rate_gbps in the suite or a site file");
  s.fabric.line_rate_gbps = 10;
  EXPECT_EQ(lineRateOf(s, local).gbps, 10);
  EXPECT_EQ(lineRateOf(s, local).source, "fabric.line_rate_gbps");
  RunOptions emulated;
  emulated.launcher = "emulated";
  emulated.launcher_options["fabric"] = "name=u,hosts=4,topology=switch,rate=200mbit";
  const results::LineRate r = lineRateOf(s, emulated);
  EXPECT_DOUBLE_EQ(r.gbps, 0.2) << "what the links carry";
  EXPECT_EQ(r.source, "the emulated fabric's port rate; the suite declares 10 Gbit/s");
  EXPECT_TRUE(lineRateIsTheFabrics(r));
  EXPECT_FALSE(lineRateIsTheFabrics(lineRateOf(s, local)));
  emulated.launcher_options["fabric"] = "hosts=4,rate=fast";
  EXPECT_EQ(lineRateOf(s, emulated).gbps, 10) << "a spec that does not parse leaves it to the suite";
  EXPECT_NE(lineRateOf(s, emulated).source.find("could not be read"), std::string::npos) << lineRateOf(s, emulated).source;
}

TEST(MetricUnits, AFabricThatIsUpGivesTheRateItsStateRecordsIncludingRateAutosChoice) {
  TempDir dir;
  ::setenv("FABCHECK_FABRIC_DIR", dir.path().c_str(), 1);
  fabric::FabricState st{"lr", "name=lr,hosts=4,topology=switch,rate=auto", 7, true, 1, {}};
  st.auto_rate_bps = 300'000'000;
  fabric::writeState(dir.path(), st);
  suite::Suite s;
  s.fabric.line_rate_gbps = 1;
  RunOptions by_name;
  by_name.launcher = "emulated";
  by_name.launcher_options["fabric_name"] = "lr";
  EXPECT_DOUBLE_EQ(lineRateOf(s, by_name).gbps, 0.3) << "what rate=auto chose";
  RunOptions by_spec;
  by_spec.launcher = "emulated";
  by_spec.launcher_options["fabric"] = "name=lr,hosts=4,topology=switch,rate=auto";
  EXPECT_DOUBLE_EQ(lineRateOf(s, by_spec).gbps, 0.3) << "the spec names the fabric that is up";
  fabric::removeState(dir.path(), "lr");
  EXPECT_DOUBLE_EQ(lineRateOf(s, by_spec).gbps, 1) << "rate=auto before up is not known: the suite's";
  ::unsetenv("FABCHECK_FABRIC_DIR");
}

// ---- the algorithm that ran ---------------------------------------------------------------

std::string ranAlgorithm(patterns::CollectiveKind kind, patterns::CollectiveAlgorithm alg, int ranks) {
  patterns::CollectiveParams p;
  p.kind = kind;
  p.algorithm = alg;
  p.size_bytes = 1 << 20;
  p.size_bytes -= p.size_bytes % static_cast<uint64_t>(ranks);
  return patterns::CollectiveSchedule(p, ranks).algorithmRun();
}

TEST(MetricUnits, TheScheduleNamesTheAlgorithmItRunsNotTheSuitesSpelling) {
  using K = patterns::CollectiveKind;
  using A = patterns::CollectiveAlgorithm;
  EXPECT_EQ(ranAlgorithm(K::kAllReduce, A::kRing, 4), "ring");
  EXPECT_EQ(ranAlgorithm(K::kAllReduce, A::kTree, 5), "tree");
  EXPECT_EQ(ranAlgorithm(K::kAllReduce, A::kRecHalvingDoubling, 8), "rec_halving_doubling");
  EXPECT_EQ(ranAlgorithm(K::kAllReduce, A::kRecHalvingDoubling, 6), "rec_halving_doubling_folded");
  EXPECT_EQ(ranAlgorithm(K::kReduceScatter, A::kRing, 4), "ring");
  EXPECT_EQ(ranAlgorithm(K::kAllGather, A::kRing, 3), "ring");
  EXPECT_EQ(ranAlgorithm(K::kBroadcast, A::kRing, 4), "pipeline") << "broadcast runs a chain from the root";
  EXPECT_EQ(ranAlgorithm(K::kAllToAll, A::kPairwise, 4), "pairwise");
  EXPECT_EQ(ranAlgorithm(K::kAllToAll, A::kAllAtOnce, 4), "all_at_once");
}

}  // namespace
}  // namespace fabcheck::testing
