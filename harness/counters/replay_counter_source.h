// Replaying captured NIC counters as if they were live: a sequence of capture directories
// (counter_capture.h) played back in real time, so a whole run — agents, sampling, verdicts,
// reports — can be driven by counters taken on another host (a customer's NIC, a fixture of a
// PFC storm) where that hardware cannot exist.
//
// Contract:
// - replayCaptures(dir): the capture directories directly under `dir` (each with a meta.json),
//   in name order, read with readCapture(); ConfigError naming `dir` when it holds none, and
//   readCapture()'s error for a malformed one. Their times must not go backwards (ConfigError).
// - ReplayCounterSource(name, captures) plays the `name` part (netdev, infiniband or ethtool) of
//   the captures: the first snapshot() starts the clock; each snapshot() returns the latest
//   capture whose time since the first capture has passed, stamped with that capture's time on
//   the monotonic clock (first read + capture offset), so intervals between samples are the
//   captures' own. After the last capture it keeps returning the last one. A capture lacking
//   the part is unavailable with its reason, as live.
// - replayCounterSet(dir): a CounterSet of the three replayed sources, in hostCounterSet()'s
//   order for them (netdev, infiniband, ethtool).
// Reports of replayed counters say so (the agent marks its counters "replayed_from").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/counters/counter_capture.h"
#include "harness/counters/counter_set.h"
#include "harness/counters/counter_source.h"

namespace fabcheck::counters {

std::vector<Capture> replayCaptures(const std::string& dir);

class ReplayCounterSource : public CounterSource {
 public:
  // The sources of one replay share its captures (read once).
  ReplayCounterSource(std::string name, std::shared_ptr<const std::vector<Capture>> captures);
  std::string name() const override { return name_; }
  CounterSnapshot snapshot() override;
  std::string unavailable_reason() const override { return reason_; }

 private:
  std::string name_;
  std::shared_ptr<const std::vector<Capture>> captures_;
  int64_t start_mono_ns_ = -1;
  std::string reason_;
};

CounterSet replayCounterSet(const std::string& dir);

}  // namespace fabcheck::counters
