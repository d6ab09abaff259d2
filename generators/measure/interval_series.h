// IntervalSeries: per-interval throughput (bytes, packets) of one flow or an aggregate.
//
// Contract
// - Fixed interval length (default 100 ms); ConfigError if interval_ns <= 0.
// - Times are CLOCK_MONOTONIC ns passed in by the caller (injectable). start(t0) sets the
//   origin; sample k covers [k*interval, (k+1)*interval) relative to t0 (start_ns = k*interval).
// - add() is noexcept, allocation-amortised O(1) per elapsed interval: it first closes every
//   interval that ended before `now`, including empty ones (gaps show as zero samples), then
//   adds to the open interval. add() before start() starts the series at that time. A `now`
//   earlier than the open interval (stale timestamp) is added to the open interval.
// - finish(now) closes the full intervals and then the last, partial one with its real
//   duration (now - its start). A partial interval of zero length with no traffic is dropped.
//   After finish() the series is frozen: add()/finish() are no-ops.
// - samples() holds closed intervals only. totalBytes()/totalPackets() count everything
//   added, so after finish() they equal the sums over samples() — unless truncated():
//   at most kMaxSamples samples are kept (a huge time jump cannot exhaust memory); past that
//   intervals are no longer stored but totals still count.
// - Not thread-safe: one series per data-path thread; combine with mergeSum().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace fabcheck::measure {

struct IntervalSample {
  int64_t start_ns = 0;     // relative to the series' t0
  int64_t duration_ns = 0;  // the interval, or less for the last, partial one
  uint64_t bytes = 0;
  uint64_t packets = 0;
  double gbps() const;  // bytes*8 / duration (10^9 bit/s); 0 if duration is 0
  double mpps() const;  // packets / duration (10^6 packets/s); 0 if duration is 0
};

// keys: start_s, duration_s, bytes, packets, gbps, mpps
void to_json(nlohmann::json& j, const IntervalSample& s);

class IntervalSeries {
 public:
  static constexpr size_t kMaxSamples = size_t{1} << 20;  // 29 h at 100 ms; 32 MiB

  explicit IntervalSeries(int64_t interval_ns = 100'000'000);

  void start(int64_t now_mono_ns) noexcept;  // t0; clears previous samples and totals
  void add(int64_t now_mono_ns, uint64_t bytes, uint64_t packets) noexcept;
  void finish(int64_t now_mono_ns) noexcept;

  const std::vector<IntervalSample>& samples() const noexcept { return samples_; }
  uint64_t totalBytes() const noexcept { return total_bytes_; }
  uint64_t totalPackets() const noexcept { return total_packets_; }
  int64_t intervalNs() const noexcept { return interval_ns_; }
  bool started() const noexcept { return started_; }
  bool finished() const noexcept { return finished_; }
  bool truncated() const noexcept { return truncated_; }

  // {"interval_ns", "total_bytes", "total_packets", "truncated", "samples":[IntervalSample...]}
  nlohmann::json toJson() const;
  // The result is finished (frozen). Throws ProtocolError on malformed or inconsistent input
  // (sample k must start at k*interval and last 0..interval).
  static IntervalSeries fromJson(const nlohmann::json& j);
  // Element-wise sum of aligned series (same interval, same t0), e.g. flows -> aggregate.
  // Sample k sums bytes/packets of every input's sample k; its duration is the longest of
  // theirs. The result has as many samples as the longest input and is finished.
  // Throws ConfigError if intervals differ. An empty input gives an empty default series.
  static IntervalSeries mergeSum(const std::vector<IntervalSeries>& series);

 private:
  void closeUntil(int64_t rel_ns) noexcept;  // closes every interval ending at or before rel_ns
  void push(const IntervalSample& s) noexcept;

  int64_t interval_ns_;
  int64_t t0_ = 0;
  int64_t open_start_ = 0;  // relative start of the open interval
  uint64_t open_bytes_ = 0;
  uint64_t open_packets_ = 0;
  uint64_t total_bytes_ = 0;
  uint64_t total_packets_ = 0;
  bool started_ = false;
  bool finished_ = false;
  bool truncated_ = false;
  std::vector<IntervalSample> samples_;
};

}  // namespace fabcheck::measure
