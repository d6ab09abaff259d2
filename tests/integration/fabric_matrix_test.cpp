// The pairwise matrix finds the bad link: on an emulated fabric whose host h2 hangs off a
// 20 Mbit/s link (the others 1 Gbit/s), every pair through h2's link shows far below the
// median in the throughput matrix, and no other pair does; the pairs into h2 stay slow when
// run again alone, so the retests confirm them (and report first-pass and retest values).
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "harness/fabric/fabric_manager.h"
#include "harness/launch/emulated_launcher.h"
#include "harness/launch/launcher.h"
#include "harness/results/test_summary.h"
#include "harness/slo/metric_registry.h"
#include "tests/integration/fabric_fixture.h"
#include "tests/integration/runner_helpers.h"

namespace fabcheck {
namespace {

using testing::FabricGuard;
using testing::uniqueFabricName;

TEST(FabricMatrix, AShapedDownLinkStandsOutInTheThroughputMatrix) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = uniqueFabricName('m');
  FabricGuard guard(name);
  RunOptions o = testing::slowH2FabricRun(name);
  auto matrix = testing::streamTest("matrix", patterns::Placement::kMatrix, 100e6);  // 100 Mbit/s per pair
  matrix.params.duration_ns = 400'000'000;
  matrix.outlier_retests = 1;  // one retest shows it; the unit tests cover several (CI time)
  RunResult r = Runner(o).run({matrix});
  ASSERT_EQ(r.tests.size(), 1u);
  ASSERT_EQ(r.tests[0].error, "");
  ASSERT_EQ(r.agents.size(), 4u);
  const int slow = 2;  // agent i runs on host h<i>
  ASSERT_EQ(o.hosts.at(slow).name, "h2") << "one agent per host, in order";
  const auto j = results::summarizeTest(r.tests[0], r.agents);
  // Every pair ran once, in one direction: its cell is the non-null one of (a, b) and (b, a).
  const auto& cells = j.at("matrix").at("throughput_gbps");
  auto pair = [&](size_t a, size_t b) {
    const auto& v = cells.at(a).at(b).is_number() ? cells.at(a).at(b) : cells.at(b).at(a);
    return v.get<double>();
  };
  std::vector<double> all;
  for (size_t a = 0; a < 4; ++a) {
    for (size_t b = a + 1; b < 4; ++b) all.push_back(pair(a, b));
  }
  ASSERT_EQ(all.size(), 6u);
  double slowest_other = 1e9, fastest_through_slow = 0, fastest_toward_slow = 0;
  for (size_t a = 0; a < 4; ++a) {
    for (size_t b = a + 1; b < 4; ++b) {
      const double v = pair(a, b);
      const bool through_slow = static_cast<int>(a) == slow || static_cast<int>(b) == slow;
      if (through_slow) {
        fastest_through_slow = std::max(fastest_through_slow, v);
      } else {
        slowest_other = std::min(slowest_other, v);  // CPU-bound on a loaded machine: no absolute floor
      }
      // Toward h2 the switch port's 20 Mbit/s egress holds; from h2, its own interface's
      // shaper lets more through (see the issue note), but the pair still stands out.
      const bool toward_slow = cells.at(a).at(b).is_number() ? static_cast<int>(b) == slow : static_cast<int>(a) == slow;
      if (toward_slow) {
        fastest_toward_slow = std::max(fastest_toward_slow, v);
        EXPECT_LT(v, 0.03) << a << " - " << b << ": into the 20 Mbit/s link; matrix " << cells.dump();
      }
    }
  }
  // fabcheck's own finding: h2's pairs are the outliers and h2 is the suspect.
  const auto& outliers = j.at("matrix").at("outliers");
  EXPECT_GE(outliers.at("pairs").size(), 2u) << outliers.dump();
  EXPECT_EQ(outliers.at("suspect"), j.at("matrix").at("agents").at(slow)) << outliers.dump();
  // The pairs into h2 (0 -> 2, 1 -> 2) were confirmed: flagged in the first pass and below the
  // tolerance in the retest, each run alone through the 20 Mbit/s port.
  const double reference = outliers.at("reference").get<double>();
  for (size_t from : {0u, 1u}) {
    const auto it = std::find_if(outliers.at("pairs").begin(), outliers.at("pairs").end(),
                                 [&](const nlohmann::json& p) { return p.at("a") == from && p.at("b") == 2; });
    ASSERT_NE(it, outliers.at("pairs").end()) << from << " -> 2 not confirmed: " << j.at("matrix").dump();
    EXPECT_DOUBLE_EQ(it->at("first_pass").get<double>(), pair(from, 2));
    ASSERT_EQ(it->at("retests").size(), 1u) << it->dump();
    for (const auto& v : it->at("retests")) {
      ASSERT_TRUE(v.is_number()) << it->dump();
      EXPECT_LT(v.get<double>(), 0.03) << "alone, still through the 20 Mbit/s port: " << it->dump();
      EXPECT_LT(v.get<double>(), 0.9 * reference) << it->dump();
    }
  }
  const auto& first = j.at("matrix").at("first_pass").at("pairs");
  EXPECT_EQ(first.size(), outliers.at("pairs").size() + outliers.at("cleared").get<size_t>()) << j.at("matrix").dump();
  const auto flat = slo::flattenMetrics(j);
  EXPECT_EQ(flat.at("matrix.outlier_pairs"), static_cast<double>(outliers.at("pairs").size()));
  EXPECT_EQ(flat.at("matrix.first_pass_outlier_pairs"), static_cast<double>(first.size()));
  // Into h2 the port's shaper holds, so those pairs are below every other pair. From h2 only its
  // interface's shaper holds them back, and under CPU load the other pairs sink toward them: only
  // the finding above (outliers, suspect h2) is asserted for those.
  EXPECT_LT(fastest_toward_slow, slowest_other) << "every pair into h2's link is below every other pair; matrix " << cells.dump();
  EXPECT_LT(fastest_through_slow, 0.08) << "no pair through h2's 20 Mbit/s link reaches the 100 Mbit/s asked; matrix "
                                        << cells.dump();
}

}  // namespace
}  // namespace fabcheck
