// The shipped smoke suite (suites/smoke.yaml) judges the fabric: its elephant ring and TCP ring
// all-reduce, with SLOs against the line rate, fail when one host's link is shaped to half the
// others — run as `make run` runs them, with the fabric's port rate as fabric.line_rate_gbps in a
// site file.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/integration/fabric_fixture.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {
namespace {

struct SmokeRun {
  int exit_code = -1;
  std::string output;
  nlohmann::json report;
};

// `fabcheck run suites/smoke.yaml --test elephant-ring --test allreduce` on an emulated fabric
// of 4 hosts at 100 Mbit/s plus `extra` spec keys, with the line rate 0.1 Gbit/s in a site file.
SmokeRun runSmoke(const std::string& name, const std::string& extra) {
  TempDir dir("fc-smoke");
  std::ofstream(dir.path() + "/site.yaml") << "fabric:\n  line_rate_gbps: 0.1\n";
  const auto r = run({kFabcheckBin, "run", std::string(FABCHECK_SOURCE_DIR) + "/suites/smoke.yaml", "--site", dir.path() + "/site.yaml",
                      "--test", "elephant-ring", "--test", "allreduce", "--launcher", "emulated", "--launcher-option",
                      "fabric=name=" + name + ",hosts=4,topology=switch,rate=100mbit,queue=1000" + extra, "--launcher-option",
                      "calibrate=no", "--report", "json:" + dir.path() + "/r.json"},
                     std::chrono::seconds(180));
  SmokeRun s{r.status.code, r.out + r.err, nlohmann::json::parse(slurp(dir.path() + "/r.json"))};
  return s;
}

// The verdict of test `test`'s SLO whose expression starts with `slo`.
std::string verdictOf(const nlohmann::json& report, const std::string& test, const std::string& slo) {
  for (const auto& t : report.at("tests")) {
    if (t.at("name") != test) continue;
    for (const auto& s : t.at("slos")) {
      if (s.at("expression").get<std::string>().rfind(slo, 0) == 0) return s.at("verdict");
    }
  }
  return "absent";
}

TEST(SmokeSuite, TheRingAndTheAllReduceFailWithOneLinkAtHalfRate) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  // That they pass on a healthy fabric is a claim about speed (`make run`, docs/PERFORMANCE.md),
  // not asserted here; a link at half the rate caps its flows below the SLOs whatever the CPU.
  const std::string name = uniqueFabricName('h');
  FabricGuard guard(name);
  const SmokeRun shaped = runSmoke(name, ",link.h1.rate=50mbit");
  EXPECT_EQ(shaped.exit_code, 1) << "SLOs fail, nothing errs: " << shaped.output;
  EXPECT_EQ(verdictOf(shaped.report, "elephant-ring", "throughput_gbps.per_flow.min"), "fail") << shaped.output;
  EXPECT_EQ(verdictOf(shaped.report, "allreduce", "collective.busbw_gbytes_s"), "fail") << shaped.output;
  EXPECT_EQ(verdictOf(shaped.report, "allreduce", "collective.sizes"), "pass") << "every size still ran: " << shaped.output;
}

}  // namespace
}  // namespace fabcheck::testing
