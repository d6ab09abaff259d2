// Topology from LLDP with real lldpd daemons: one per namespace of an emulated fabric (its own
// control socket and configuration under a TempDir, never the system's /run/lldpd.socket), the
// switch naming its ports by ifname. Every agent reports its data interface's switch port at
// registration, and the matrix finding names the shaped-down host's link with its switch port.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "harness/counters/lldp_neighbour.h"
#include "harness/results/test_summary.h"
#include "tests/integration/fabric_fixture.h"
#include "tests/support/temp_dir.h"

namespace fabcheck {
namespace {

using testing::FabricGuard;
using testing::Subprocess;
using testing::TempDir;

std::string lldpBinary(const char* name) {
  for (const std::string dir : {"/usr/sbin/", "/usr/bin/", "/sbin/"}) {
    if (::access((dir + name).c_str(), X_OK) == 0) return dir + name;
  }
  return "";
}

// lldpd daemons started by the test, stopped (SIGTERM, then SIGKILL) when it ends.
class LldpDaemons {
 public:
  explicit LldpDaemons(std::string dir) : dir_(std::move(dir)) {}
  ~LldpDaemons() {
    for (auto& d : daemons_) d.signal(SIGTERM);
    for (auto& d : daemons_) d.waitExit(std::chrono::seconds(5));
  }
  std::string socket(const std::string& ns) const { return dir_ + "/" + ns + ".sock"; }
  // lldpd in `ns` on `interfaces`, advertising `system_name`; tx-interval 1 s.
  void start(const std::string& ns, const std::string& interfaces, const std::string& system_name, bool switch_side) {
    const std::string conf = dir_ + "/" + ns + ".conf";
    std::ofstream(conf) << "configure system hostname " << system_name << "\n"
                        << (switch_side ? "configure lldp portidsubtype ifname\n" : "") << "configure lldp tx-interval 1\n";
    daemons_.push_back(Subprocess::start({testing::ipBinary(), "netns", "exec", ns, lldpBinary("lldpd"), "-d", "-u",
                                          socket(ns), "-I", interfaces, "-O", conf}));
  }
  // The neighbour lldpd in `ns` has on `interface`, polled until `deadline`.
  counters::LldpLookup waitNeighbour(const std::string& ns, const std::string& interface,
                                     std::chrono::steady_clock::time_point deadline) {
    counters::LldpLookup l;
    bool nudged = false;
    auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = testing::run({testing::ipBinary(), "netns", "exec", ns, lldpBinary("lldpcli"), "-u", socket(ns), "-f",
                             "json0", "show", "neighbors"},
                            std::chrono::seconds(5));
      l = counters::neighbourOn(counters::parseLldpNeighbours(r.out), interface);
      if (r.status.code != 0) l.reason = "lldpcli: " + r.err;
      if (l.neighbour) return l;
      if (!nudged && std::chrono::steady_clock::now() - start > std::chrono::seconds(5)) {
        testing::run({testing::ipBinary(), "netns", "exec", ns, lldpBinary("lldpcli"), "-u", socket(ns), "update"},
                     std::chrono::seconds(5));
        nudged = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return l;
  }

 private:
  std::string dir_;
  std::vector<Subprocess> daemons_;
};

// Sets an environment variable for the test's agents and removes it at the end.
class ScopedLldpEnv {
 public:
  ScopedLldpEnv(const char* key, const std::string& value) : key_(key) { ::setenv(key, value.c_str(), 1); }
  ~ScopedLldpEnv() { ::unsetenv(key_); }
  ScopedLldpEnv(const ScopedLldpEnv&) = delete;
  ScopedLldpEnv& operator=(const ScopedLldpEnv&) = delete;

 private:
  const char* key_;
};

TEST(FabricLldp, AgentsReportTheirSwitchPortAndTheMatrixFindingNamesIt) {
  FABCHECK_SKIP_WITHOUT_NAMESPACES();
  if (lldpBinary("lldpd").empty() || lldpBinary("lldpcli").empty()) GTEST_SKIP() << "lldpd is not installed (Debian package lldpd)";
  const std::string name = testing::uniqueFabricName('l');
  FabricGuard guard(name);
  RunOptions o = testing::slowH2FabricRun(name);
  const std::string sw_ns = "fc-" + name + "-sw", sw_name = "leaf-" + name;
  TempDir dir("fabcheck-lldp");
  // lldpcli run as root drops to the _lldpd user: it must be able to reach the sockets.
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  LldpDaemons lldp(dir.path());
  lldp.start(sw_ns, "p*", sw_name, true);
  for (int i = 0; i < 4; ++i) lldp.start("fc-" + name + "-h" + std::to_string(i), "eth0", "h" + std::to_string(i), false);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int i = 0; i < 4; ++i) {
    const auto l = lldp.waitNeighbour("fc-" + name + "-h" + std::to_string(i), "eth0", deadline);
    ASSERT_TRUE(l.neighbour) << "h" << i << ": " << l.reason;
  }
  // Each agent finds its namespace's lldpd through its own socket.
  ScopedLldpEnv env("FABCHECK_LLDP_SOCKET", dir.path() + "/{netns}.sock");

  auto matrix = testing::streamTest("matrix", patterns::Placement::kMatrix, 100e6);
  matrix.params.duration_ns = 400'000'000;
  matrix.outlier_retests = 0;  // the first pass decides: this test names the link (fabric_matrix_test retests)
  RunResult r = Runner(o).run({matrix});
  ASSERT_EQ(r.tests.size(), 1u);
  ASSERT_EQ(r.tests[0].error, "");
  ASSERT_EQ(r.agents.size(), 4u);
  for (const auto& a : r.agents) {
    EXPECT_EQ(a.switch_name, sw_name) << "agent " << a.id << ": " << a.topology_note;
    EXPECT_EQ(a.switch_port, "p" + std::to_string(a.id)) << "agent " << a.id << " runs on h" << a.id;
    EXPECT_EQ(a.topology_source, "lldp");
  }
  const auto j = results::summarizeTest(r.tests[0], r.agents);
  const auto& outliers = j.at("matrix").at("outliers");
  ASSERT_TRUE(outliers.at("suspect").is_string()) << outliers.dump();
  // Agents in the fabric's namespaces share the machine's host name: the port tells h2 apart.
  EXPECT_EQ(outliers.at("suspect_link"), r.agents[2].host + " ↔ " + sw_name + ":p2") << outliers.dump();
  EXPECT_EQ(j.at("matrix").at("switches"), nlohmann::json::array({sw_name, sw_name, sw_name, sw_name}));
}

}  // namespace
}  // namespace fabcheck
