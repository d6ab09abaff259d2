// CounterSet: several counter sources read together, before and after a test, turned into the
// report's counter JSON and the flat metrics.
//
// Contract:
// - snapshot() reads every source in order. A source that throws does not stop the others: its
//   entry carries the error (one line, prefixed with the source's name) and no samples.
// - deltas(before, after) pairs the entries by position (both from this set) and computes
//   each source's deltas (counter_delta.h); a source that failed or was unavailable in either
//   snapshot gets no counters, with that error/reason.
// - toJson(deltas): {"sources": [deltasToJson(...)...]} (counter_json.h), in source order.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/counters/counter_delta.h"
#include "harness/counters/counter_source.h"
#include "harness/counters/flat_metrics.h"

namespace fabcheck::counters {

struct SourceSnapshot {
  std::string source;
  Labels scope;  // CounterSource::scope()
  CounterSnapshot snapshot;
  std::string unavailable_reason;
  std::string error;
};

class CounterSet {
 public:
  void add(std::unique_ptr<CounterSource> source);
  size_t size() const { return sources_.size(); }

  std::vector<SourceSnapshot> snapshot();

 private:
  std::vector<std::unique_ptr<CounterSource>> sources_;
};

// Throws fabcheck::Error when the two lists do not hold the same sources in the same order.
std::vector<CounterDeltas> deltas(const std::vector<SourceSnapshot>& before, const std::vector<SourceSnapshot>& after);

nlohmann::json toJson(const std::vector<CounterDeltas>& deltas);

}  // namespace fabcheck::counters
