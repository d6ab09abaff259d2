// fabcheck::Runner end to end over the ssh launcher: a real sshd on 127.0.0.1, real
// `fabcheck agent` processes started through it, connecting back to the controller with the
// per-run secret they received on ssh's standard input.
#include <gtest/gtest.h>

#include "harness/runner/runner.h"
#include "tests/integration/gen_server.h"
#include "tests/integration/sshd_fixture.h"

namespace fabcheck {
namespace {

TEST(RunnerOverSsh, RingOfThreeAgentsOnAnSshHost) {
  if (const std::string why = testing::sshdUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
  testing::Sshd sshd;
  ASSERT_TRUE(sshd.ok()) << sshd.log();

  RunOptions o;
  o.launcher = "ssh";
  o.hosts = {launch::HostEntry{testing::Sshd::kAlias, 3, {{"rack", "a"}}}};
  o.binary = testing::kFabcheckBin;
  o.launcher_options = {{"ssh_config", sshd.clientConfig()}};
  o.controller.register_timeout_ns = 30'000'000'000;
  o.controller.step_timeout_ns = 10'000'000'000;

  controller::TestSpec ring;
  ring.name = "ring over ssh";
  ring.placement = plan::Placement::kRing;
  ring.params.kind = patterns::PatternKind::kStream;
  ring.params.size_bytes = 1200;
  ring.params.rate_bps = 20e6;
  ring.params.duration_ns = 300'000'000;

  RunResult r = Runner(o).run({ring});
  ASSERT_EQ(r.agents.size(), 3u);
  for (const auto& a : r.agents) EXPECT_FALSE(a.lost) << a.lost_reason;
  ASSERT_EQ(r.tests.size(), 1u);
  const auto& t = r.tests[0];
  EXPECT_EQ(t.error, "");
  ASSERT_EQ(t.receivers.size(), 3u);
  ASSERT_EQ(t.senders.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_GT(t.senders[i].packets, 0u);
    EXPECT_EQ(t.receivers[i].sequence.received, t.senders[i].packets);
  }

}

}  // namespace
}  // namespace fabcheck
