#include "harness/counters/counter_sampler.h"

#include <chrono>

#include "generators/core/errors.h"

namespace fabcheck::counters {

CounterSampler::CounterSampler(CounterSet& set, SamplingOptions options)
    : set_(set), options_(std::move(options)), interval_ns_(options_.interval_ns) {
  if (interval_ns_ <= 0) throw Error("counter sampler: interval " + std::to_string(interval_ns_) + " ns; expected > 0");
  if (options_.max_samples < 4) options_.max_samples = 4;
}

CounterSampler::~CounterSampler() { stop(); }

void CounterSampler::append(const std::vector<SourceSnapshot>& sample) {
  if (series_.empty()) {
    for (const auto& s : sample) series_.push_back(CounterSeries{.source = s.source});
  }
  for (size_t i = 0; i < sample.size() && i < series_.size(); ++i) {
    // The same reading again (a replayed capture that has not moved on) adds nothing.
    if (!series_[i].t_mono_ns.empty() && series_[i].t_mono_ns.back() == sample[i].snapshot.taken_mono_ns) continue;
    CounterSnapshot snap = sample[i].snapshot;
    if (!sample[i].error.empty() || !sample[i].unavailable_reason.empty()) snap.samples.clear();
    const std::string& source = series_[i].source;
    SampleFilter keep;
    if (options_.keep) {
      // The decision per counter is made once: a NIC's statistics are the same names every read.
      keep = [this, &source](const CounterSample& c) {
        const std::string key = source + '\n' + sampleKey(c.name, c.labels);
        auto it = kept_.find(key);
        if (it == kept_.end()) it = kept_.emplace(key, options_.keep(source, c)).first;
        return it->second;
      };
    }
    appendSample(series_[i], snap, keep);
  }
  if (!series_.empty() && series_.front().t_mono_ns.size() >= options_.max_samples) {
    for (auto& s : series_) decimate(s);
    interval_ns_ *= 2;
  }
}

void CounterSampler::start(const std::vector<SourceSnapshot>& first) {
  if (thread_.joinable()) throw Error("counter sampler: start() twice");
  append(first);
  thread_ = std::thread([this] { run(); });
}

void CounterSampler::run() {
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    next += std::chrono::nanoseconds(interval_ns_);
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
    append(set_.snapshot());  // CounterSet::snapshot records a source's failure; it does not throw
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // a slow read delays the next sample; it does not burst
  }
}

void CounterSampler::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<CounterSeries> CounterSampler::finish(const std::vector<SourceSnapshot>& last) {
  stop();
  append(last);
  return std::move(series_);
}

}  // namespace fabcheck::counters
