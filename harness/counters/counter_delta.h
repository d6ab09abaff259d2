// Deltas between two snapshots of one source: what happened to each counter in between.
//
// Contract of delta(before, after):
// - Samples are matched by name + labels. Output order: `after`'s order, then vanished samples
//   in `before`'s order.
// - kOk: after ≥ before → delta = after − before.
// - kWrapped: a non-saturating counter narrower than 64 bits went down → it wrapped once:
//   delta = after + 2^width − before. (Read more often than one wrap period: a 32-bit mlx5
//   q-counter counting 100 Gbit/s of 4 KiB messages wraps after ~20 minutes.)
// - kSaturated: a saturating counter reads its maximum (2^width − 1) in `after`: the true delta
//   is unknown, none is given (never a fake number).
// - kReset: a 64-bit or saturating counter went down (device reset, counters cleared): no delta.
// - kAppeared / kVanished: present in only one snapshot: no delta; the value that exists is
//   reported. (Per-priority NIC counters appear when PFC is enabled on a priority.)
// - Gauges (SampleKind::kGauge) get kGauge with after's value and no delta.
// - `after`'s width rules: a source may widen a counter between snapshots (InfiniBand data
//   counters are read as 32-bit until they pass 2^32 − 1, see infiniband_counter_source.h).
// - Throws fabcheck::Error naming the sample when a snapshot holds the same name+labels twice,
//   a width is not in 1..64, a value exceeds its width, or the two disagree on saturating/kind.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/counters/counter_sample.h"

namespace fabcheck::counters {

enum class DeltaStatus : uint8_t { kOk, kWrapped, kSaturated, kReset, kAppeared, kVanished, kGauge };

// "ok", "wrapped", "saturated", "reset", "appeared", "vanished", "gauge".
const char* toString(DeltaStatus s);

struct CounterDelta {
  std::string name;
  Labels labels;
  DeltaStatus status = DeltaStatus::kOk;
  std::optional<uint64_t> delta;   // only for kOk and kWrapped
  std::optional<uint64_t> before;  // the values read (absent for appeared / vanished)
  std::optional<uint64_t> after;
};

// The deltas of one source over one interval, as reports carry them (counter_json.h).
struct CounterDeltas {
  std::string source;               // the source's name()
  Labels scope;                     // the source's scope() (counter_source.h)
  std::string unavailable_reason;   // the source had nothing to read (counters empty)
  std::string error;                // reading the source failed (counters empty)
  int64_t interval_ns = 0;          // after.taken_mono_ns − before.taken_mono_ns
  std::vector<CounterDelta> counters;
  std::vector<std::string> notes;   // both snapshots' notes, without repeats
};

std::vector<CounterDelta> delta(const CounterSnapshot& before, const CounterSnapshot& after);

// One sample's delta (both present, same identity); throws like delta().
CounterDelta deltaOf(const CounterSample& before, const CounterSample& after);

}  // namespace fabcheck::counters
