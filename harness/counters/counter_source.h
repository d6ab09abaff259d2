// CounterSource: a reader of one family of host counters (netdev, snmp, qdisc, infiniband,
// ethtool) — docs/architecture.md, "Interfaces and their contracts".
//
// Contract:
// - name() is a short constant ("netdev", "snmp", "qdisc", "infiniband", "ethtool"); the flat
//   metrics (flat_metrics.h) select counters by it.
// - snapshot() reads every counter the source covers, now, and stamps the snapshot with
//   CLOCK_MONOTONIC. Every sample carries a "host" label.
// - "Unsupported here" is not an error: when the host lacks what the source reads (no
//   /sys/class/infiniband, `ethtool` not installed, an interface without statistics), snapshot()
//   returns an empty, valid snapshot and unavailable_reason() says why (one line). It never
//   returns zeros in place of counters it could not read.
// - snapshot() throws fabcheck::Error only on real errors — a file that exists but is malformed,
//   a command that fails unexpectedly or times out — with a one-line message naming the file or
//   command, the bad value and what was expected.
// - unavailable_reason() describes the last snapshot(): empty when it read counters.
// - A source is used by one thread at a time.
// - scope() names what one source instance reads when several instances of one kind exist
//   (`{switch: leaf1}` for a switch's SNMP source): it travels with its snapshots and deltas,
//   so an unavailable instance can still be named. Empty for host sources.
#pragma once

#include <string>

#include "harness/counters/counter_sample.h"

namespace fabcheck::counters {

class CounterSource {
 public:
  virtual ~CounterSource() = default;
  virtual std::string name() const = 0;
  virtual CounterSnapshot snapshot() = 0;
  virtual std::string unavailable_reason() const = 0;
  virtual Labels scope() const { return {}; }
};

}  // namespace fabcheck::counters
