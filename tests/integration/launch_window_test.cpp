// The launch window (harness/launch/launch_window.h) over real child processes.
#include <gtest/gtest.h>

#include "harness/launch/launch_window.h"
#include "harness/process/process.h"

namespace fabcheck::launch {
namespace {

// Each child takes 0.3 s to print its ready line: the window waits, and while it waits it
// calls while_waiting (the runner admits registrations there) over and over, from this thread.
TEST(LaunchWindow, WhileItWaitsForLaunchesItCallsWhileWaiting) {
  process::ChildSet children;
  int calls = 0;
  const std::vector<WindowOutcome> out = runLaunchWindow(
      children, {{}, {}}, 1, 20'000'000'000,
      [&](size_t) {
        process::SpawnRequest req;
        req.argv = {"/bin/sh", "-c", "sleep 0.3; echo up >&2; sleep 5"};
        req.ready_line = "up";
        return children.spawn(req);
      },
      [&] { ++calls; });
  ASSERT_EQ(out.size(), 2u);
  for (const auto& o : out) EXPECT_TRUE(o.spawned && o.failure.empty()) << o.failure;
  // Two launches of ≥ 0.3 s each, one at a time (fanout 1), woken at least every ~10 ms.
  EXPECT_GE(calls, 2);
  children.stop(0, 500'000'000);
}

}  // namespace
}  // namespace fabcheck::launch
