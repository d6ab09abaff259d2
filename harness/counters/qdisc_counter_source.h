// QdiscCounterSource: queueing-discipline statistics from `tc -s -j qdisc show [dev X]`,
// optionally inside a named network namespace (`tc -netns NS ...`). The emulated fabric
// (harness/fabric) reads its switch ports' queues through it.
//
// Samples, one set per qdisc, labelled {host, netns (when given), dev, handle, kind, parent}
// where parent is "root" for a root qdisc, else tc's parent handle ("1:1", "ffff:fff1"):
//   counters (64-bit): bytes, packets, drops, overlimits, requeues
//   gauges: backlog (bytes queued now), qlen (packets queued now)
// Note: a classful root (htb, tbf, prio) counts its children's drops again in its own drops, so
// totals over a device sum ROOT qdiscs only (rootQdiscTotal below; flat_metrics.h does so).
//
// Unavailable (empty snapshot + reason): `tc` not installed; the device does not exist
// ("Cannot find device"); the namespace does not exist. Errors (throws fabcheck::Error):
// tc fails otherwise, times out, or prints JSON that is not a list of qdiscs with the fields
// above (the message names the command and the field).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/counters/counter_source.h"
#include "harness/process/command_runner.h"

namespace fabcheck::counters {

struct QdiscSourceOptions {
  std::string host;             // "host" label; empty: this host's name
  std::string netns;            // named namespace (ip netns); empty: the caller's namespace
  std::string dev;              // one device; empty: every device
  std::string tc = "tc";        // the tc program
  int64_t timeout_ns = 5'000'000'000;              // each run of the tool
  std::shared_ptr<process::CommandRunner> runner;  // null: a process::SystemCommandRunner
};

// One qdisc's statistics, parsed.
struct QdiscStats {
  std::string dev, handle, kind, parent;  // parent "root" for a root qdisc
  uint64_t bytes = 0, packets = 0, drops = 0, overlimits = 0, requeues = 0;
  uint64_t backlog = 0, qlen = 0;
};

// Parses the output of `tc -s -j qdisc show`; `what` names its origin in error messages.
// `tc ... show dev X` leaves "dev" out of each qdisc: `dev` is used then (required).
std::vector<QdiscStats> parseTcQdiscJson(const std::string& json_text, const std::string& what, const std::string& dev = "");

class QdiscCounterSource : public CounterSource {
 public:
  explicit QdiscCounterSource(QdiscSourceOptions options);

  std::string name() const override { return "qdisc"; }
  CounterSnapshot snapshot() override;
  std::string unavailable_reason() const override { return reason_; }

  // The qdiscs as parsed (same read as snapshot(), for `fabcheck fabric status`); empty +
  // unavailable_reason() when unavailable.
  std::vector<QdiscStats> read();
  // The tc command this source runs.
  std::vector<std::string> command() const;

 private:
  QdiscSourceOptions options_;
  std::string reason_;
};

// Samples of a parsed qdisc list (the labels described above).
std::vector<CounterSample> qdiscSamples(const std::vector<QdiscStats>& qdiscs, const std::string& host, const std::string& netns);

// Sum of one counter field ("drops", "overlimits", ...) over the ROOT qdiscs of `dev` (every
// device when empty) in a snapshot of this source; nullopt when there is no such root qdisc.
std::optional<uint64_t> rootQdiscTotal(const CounterSnapshot& snap, const std::string& counter, const std::string& dev = "");

}  // namespace fabcheck::counters
