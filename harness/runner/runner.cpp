#include "harness/runner/runner.h"

#include "harness/runner/agent_cluster.h"

namespace fabcheck {

Runner::Runner(RunOptions options) : options_(std::move(options)) {}

RunResult Runner::run(const std::vector<model::TestSpec>& tests, const std::atomic<bool>* interrupt,
                      const std::function<void(const model::TestOutcome&)>& on_test) {
  // One run is a cluster started, used once and stopped (agent_cluster.h); the cluster's
  // destructor stops it on an exception too.
  AgentCluster cluster(options_);
  cluster.start(interrupt);
  RunResult result = cluster.runTests(tests, interrupt, on_test, options_.on_test_start);
  cluster.stop();
  return result;
}

}  // namespace fabcheck
