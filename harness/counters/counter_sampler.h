// CounterSampler: reads a CounterSet at a fixed interval on a thread of its own while a test
// runs, so the results show when counters moved (pauses, discards), not only by how much.
//
// Contract:
// - start(first) takes the set's snapshot the caller just read (the "before" of the test) as the
//   first sample, then reads the set every interval_ns until stop(). Between start() and stop()
//   only the sampler's thread touches the set (CounterSet is single-threaded).
// - stop() ends the thread (it is waiting at most one interval); the caller then reads the set
//   (the "after" of the test) and finish(last) appends it and returns one CounterSeries per
//   source, in the set's order. A sample
//   whose source failed or was unavailable adds no counters for it (its values are null there).
// - A source whose reading carries the time of its previous one (a replayed capture that has not
//   moved on) adds no sample.
// - Only counters `keep` accepts are kept (sampled_counters.h: the ones the verdicts and charts
//   read), so a NIC with a thousand statistics costs a few dozen values per sample.
// - Memory is bounded: when a series reaches max_samples it is decimated (counter_series.h) and
//   the interval doubles; `interval_ns()` tells the one in force at the end.
// - The thread never throws out: a read that throws is recorded like CounterSet::snapshot does.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <string>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "harness/counters/counter_series.h"
#include "harness/counters/counter_set.h"

namespace fabcheck::counters {

struct SamplingOptions {
  int64_t interval_ns = 0;    // 0: no sampling
  // (source name, sample) → keep it; empty: every counter. Usually sampledCounter().
  std::function<bool(const std::string&, const CounterSample&)> keep;
  size_t max_samples = 2048;  // per series, before decimation
};

class CounterSampler {
 public:
  CounterSampler(CounterSet& set, SamplingOptions options);
  ~CounterSampler();
  CounterSampler(const CounterSampler&) = delete;
  CounterSampler& operator=(const CounterSampler&) = delete;

  void start(const std::vector<SourceSnapshot>& first);
  void stop();
  std::vector<CounterSeries> finish(const std::vector<SourceSnapshot>& last);
  int64_t interval_ns() const { return interval_ns_; }

 private:
  void run();
  void append(const std::vector<SourceSnapshot>& sample);

  CounterSet& set_;
  SamplingOptions options_;
  int64_t interval_ns_;
  std::vector<CounterSeries> series_;
  std::unordered_map<std::string, bool> kept_;  // "source\nname{labels}" → options_.keep's answer
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fabcheck::counters
