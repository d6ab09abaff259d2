// StartGate: a synchronised start returns at its time, pinned to the CPU its flow id picks
// while it spins, and release() gives the thread its CPU set back.
#include <gtest/gtest.h>

#include <sched.h>

#include "generators/core/clock.h"
#include "generators/engine/start_gate.h"

namespace fabcheck::engine {
namespace {

cpu_set_t currentCpus() {
  cpu_set_t s;
  EXPECT_EQ(sched_getaffinity(0, sizeof s, &s), 0);
  return s;
}

// The nth CPU of `s` (0-based), or -1.
int nthCpu(const cpu_set_t& s, int n) {
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &s) && n-- == 0) return c;
  }
  return -1;
}

TEST(StartGate, APassedStartReturnsAtOnceWithoutPinning) {
  const cpu_set_t before = currentCpus();
  StartGate gate;
  gate.waitFor(monoNowNs() - 1, 3);
  const cpu_set_t after = currentCpus();
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
  gate.release();  // nothing to undo
  const cpu_set_t released = currentCpus();
  EXPECT_TRUE(CPU_EQUAL(&before, &released));
}

TEST(StartGate, SpinsPinnedToTheFlowsCpuAndReleaseRestoresTheSet) {
  const cpu_set_t before = currentCpus();
  const int allowed = CPU_COUNT(&before);
  if (allowed < 2) GTEST_SKIP() << "one CPU allowed: the gate does not pin";
  StartGate gate;
  const int64_t start = monoNowNs() + 2'000'000;
  const uint32_t flow_id = 5;
  gate.waitFor(start, flow_id);
  EXPECT_GE(monoNowNs(), start);
  const cpu_set_t pinned = currentCpus();
  ASSERT_EQ(CPU_COUNT(&pinned), 1);
  EXPECT_TRUE(CPU_ISSET(nthCpu(before, static_cast<int>(flow_id % static_cast<uint32_t>(allowed))), &pinned));
  gate.release();
  const cpu_set_t released = currentCpus();
  EXPECT_TRUE(CPU_EQUAL(&before, &released));
}

}  // namespace
}  // namespace fabcheck::engine
