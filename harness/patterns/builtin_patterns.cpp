// The built-in patterns (harness/suite/pattern_registry.h), in the order messages list them.
// A new pattern: its own files in this folder and one line here.
#include "harness/patterns/collective_patterns.h"
#include "harness/patterns/flow_patterns.h"
#include "harness/suite/pattern_registry.h"

namespace fabcheck::suite {

std::vector<PatternPtr> builtinPatterns() {
  using patterns::CollectiveKind;
  using patterns::PatternKind;
  using pattern_plugins::collectivePattern;
  using pattern_plugins::flowPattern;
  return {
      flowPattern({"pingpong", "one message in flight per flow, echoed back: round-trip latency", PatternKind::kPingpong}),
      flowPattern({"stream", "paced or unpaced elephant flows: throughput, loss, fairness", PatternKind::kStream}),
      flowPattern({"microburst", "bursts of messages on a schedule: burst absorption, spread and loss",
                   PatternKind::kMicroburst}),
      flowPattern({"incast", "microbursts from M senders to 1 receiver (fan_in): the switch's incast buffering",
                   PatternKind::kMicroburst, true}),
      collectivePattern(CollectiveKind::kAllReduce, "every rank ends with the sum of all buffers (ring, tree, "
                                                    "rec_halving_doubling)"),
      collectivePattern(CollectiveKind::kReduceScatter, "every rank ends with its share of the sum (ring)"),
      collectivePattern(CollectiveKind::kAllGather, "every rank ends with every rank's share (ring)"),
      collectivePattern(CollectiveKind::kAllToAll, "every rank sends its own share to every other (pairwise, "
                                                   "all_at_once)"),
      collectivePattern(CollectiveKind::kBroadcast, "the root's buffer to every rank (ring pipeline)"),
  };
}

}  // namespace fabcheck::suite
