// fabcheck::Runner end to end over the ssh launcher: a real sshd on 127.0.0.1, real
// `fabcheck agent` processes started through it, connecting back to the controller with the
// per-run secret they received on ssh's standard input.
#include <gtest/gtest.h>

#include "harness/runner/runner.h"
#include "tests/integration/runner_helpers.h"
#include "tests/integration/sshd_fixture.h"

namespace fabcheck {
namespace {

TEST(RunnerOverSsh, RingOfThreeAgentsOnAnSshHost) {
  if (const std::string why = testing::sshdUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
  testing::Sshd sshd;
  ASSERT_TRUE(sshd.ok()) << sshd.log();

  const RunOptions o = testing::launcherRun("ssh", {launch::HostEntry{testing::Sshd::kAlias, 3, {{"rack", "a"}}}},
                                            {{"ssh_config", sshd.clientConfig()}});
  const RunResult r = Runner(o).run({testing::streamTest("ring over ssh", patterns::Placement::kRing, 20e6)});
  testing::expectRingDelivered(r, 3);
}

}  // namespace
}  // namespace fabcheck
