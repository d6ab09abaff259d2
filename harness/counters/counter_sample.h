// Counter values as read from the host: one sample per (name, labels), a snapshot per source.
//
// A sample is identified by its name plus its labels (host, device, port, queue...): two
// snapshots of one source are compared sample by sample on that identity (counter_delta.h).
// `width_bits` (1..64) says where a wrapping counter wraps; `saturating` says the counter
// sticks at its maximum (2^width − 1) instead of wrapping (InfiniBand PMA counters, many of
// which are 4, 8 or 16 bits wide).
// A gauge (queue backlog, queue length) is a level, not a count: deltas report its last value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fabcheck::counters {

// Label keys in use: "host", "dev" (interface or RDMA device), "port", "netns", "handle",
// "parent", "kind" (qdisc), "dir" ("counters" or
// "hw_counters"). Ordered, so JSON and identities are deterministic.
using Labels = std::map<std::string, std::string>;

enum class SampleKind : uint8_t { kCounter, kGauge };

struct CounterSample {
  std::string name;
  Labels labels;
  uint64_t value = 0;
  int width_bits = 64;      // 1..64
  bool saturating = false;  // sticks at 2^width_bits − 1 instead of wrapping
  SampleKind kind = SampleKind::kCounter;
};

struct CounterSnapshot {
  int64_t taken_mono_ns = 0;  // CLOCK_MONOTONIC when the source was read
  std::vector<CounterSample> samples;
  std::vector<std::string> notes;  // what was skipped while reading, one line each
};

// The largest value a counter of `width_bits` holds (2^width − 1); width_bits in 1..64.
constexpr uint64_t maxValue(int width_bits) { return width_bits >= 64 ? ~0ull : (1ull << width_bits) - 1; }

// "name{k=v,k=v}" — the identity of a sample, also used in messages.
std::string sampleKey(const std::string& name, const Labels& labels);

}  // namespace fabcheck::counters
