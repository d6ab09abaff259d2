// ECN SLOs end to end: `fabcheck run` of a suite on the emulated launcher, whose fabric has
// ecn_threshold, with UDP streams above the port's rate. The ECT(0) test (`ecn: ect0`) makes
// the port mark and its receiver count CE, so `fabric.ecn_marked_packets > 0` and
// `host.ce_packets > 0` pass; the same stream Not-ECT (`ecn: off`) is never marked.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/integration/fabric_fixture.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {
namespace {

constexpr const char* kEcnSuite = R"(name: ecn-e2e
fabric:
  transport: udp
tests:
  - name: ect0-over-rate
    pattern: stream
    size: 1400
    rate: 100mbit
    duration: 300ms
    ecn: ect0
    slos:
      - fabric.ecn_marked_packets > 0
      - host.ce_packets > 0
  - name: not-ect-over-rate
    pattern: stream
    size: 1400
    rate: 100mbit
    duration: 300ms
    ecn: off
    slos:
      - fabric.ecn_marked_packets == 0
      - host.ce_packets == 0
)";

TEST(FabricEcnSuite, EcnSlosPassOnlyForEcnCapableTraffic) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  const std::string name = uniqueFabricName('s');
  FabricGuard guard(name);
  TempDir dir("fc-ecn-suite");
  std::ofstream(dir.path() + "/s.yaml") << kEcnSuite;
  const auto r = run({kFabcheckBin, "run", dir.path() + "/s.yaml", "--launcher", "emulated", "--agents", "2", "--launcher-option",
                      "fabric=name=" + name + ",hosts=2,rate=50mbit,queue=5000,ecn_threshold=20p", "--report",
                      "json:" + dir.path() + "/r.json"},
                     std::chrono::seconds(120));
  EXPECT_EQ(r.status.code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(slurp(dir.path() + "/r.json"));
  ASSERT_EQ(j.at("tests").size(), 2u);
  for (const auto& t : j.at("tests")) {
    for (const auto& s : t.at("slos")) EXPECT_EQ(s.at("verdict"), "pass") << t.at("name") << ": " << s.dump();
  }
  const auto& m = j.at("tests")[0].at("metrics");
  const double marked = m.at("fabric").at("ecn_marked_packets"), ce = m.at("host").at("ce_packets");
  EXPECT_GT(ce, 0);
  // The receiver's counters may be read before the port's queue has drained: never more CE than marks.
  EXPECT_LE(ce, marked);
}

}  // namespace
}  // namespace fabcheck::testing
