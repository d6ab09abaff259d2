#include "generators/measure/interval_series.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <string>

#include "generators/core/errors.h"

namespace fabcheck::measure {
namespace {

constexpr double kNsPerSecond = 1e9;

[[noreturn]] void badSeriesJson(const std::string& what) { throw ProtocolError("interval series JSON: " + what); }

std::string shortSeriesDump(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

const nlohmann::json& field(const nlohmann::json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) badSeriesJson(where + " is " + shortSeriesDump(obj) + "; expected an object");
  auto it = obj.find(key);
  if (it == obj.end()) badSeriesJson(std::string("missing field '") + key + "' in " + where);
  return *it;
}

uint64_t getU64(const nlohmann::json& obj, const char* key, const std::string& where) {
  const auto& v = field(obj, key, where);
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  badSeriesJson(std::string("field '") + key + "' in " + where + " is " + shortSeriesDump(v) +
          "; expected a non-negative integer");
}

// Seconds (as written by to_json) back to integer ns; exact for the values we write.
int64_t getSecondsAsNs(const nlohmann::json& obj, const char* key, const std::string& where) {
  const auto& v = field(obj, key, where);
  if (v.is_number()) {
    const double ns = std::round(v.get<double>() * kNsPerSecond);
    if (std::isfinite(ns) && ns >= 0 && ns < 9.2e18) return static_cast<int64_t>(ns);
  }
  badSeriesJson(std::string("field '") + key + "' in " + where + " is " + shortSeriesDump(v) +
          "; expected a non-negative number of seconds");
}

// a - b, saturated to the int64 range (timestamps are caller input; never overflow).
int64_t satSub(int64_t a, int64_t b) noexcept {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return b < 0 ? INT64_MAX : INT64_MIN;
  return r;
}

}  // namespace

double IntervalSample::gbps() const {
  return duration_ns > 0 ? static_cast<double>(bytes) * 8.0 / static_cast<double>(duration_ns) : 0.0;
}

double IntervalSample::mpps() const {
  return duration_ns > 0 ? static_cast<double>(packets) * 1e3 / static_cast<double>(duration_ns) : 0.0;
}

void to_json(nlohmann::json& j, const IntervalSample& s) {
  j = nlohmann::json{{"start_s", static_cast<double>(s.start_ns) / kNsPerSecond},
                     {"duration_s", static_cast<double>(s.duration_ns) / kNsPerSecond},
                     {"bytes", s.bytes},
                     {"packets", s.packets},
                     {"gbps", s.gbps()},
                     {"mpps", s.mpps()}};
}

IntervalSeries::IntervalSeries(int64_t interval_ns) : interval_ns_(interval_ns) {
  if (interval_ns <= 0) {
    throw ConfigError("IntervalSeries: interval_ns=" + std::to_string(interval_ns) + " is not positive; expected > 0");
  }
}

void IntervalSeries::start(int64_t now_mono_ns) noexcept {
  t0_ = now_mono_ns;
  open_start_ = 0;
  open_bytes_ = open_packets_ = 0;
  total_bytes_ = total_packets_ = 0;
  started_ = true;
  finished_ = false;
  truncated_ = false;
  samples_.clear();
  try {
    samples_.reserve(1024);
  } catch (const std::bad_alloc&) {
    // push() copes with allocation failure; nothing else to do here.
  }
}

void IntervalSeries::push(const IntervalSample& s) noexcept {
  if (samples_.size() >= kMaxSamples) {
    truncated_ = true;
    return;
  }
  try {
    samples_.push_back(s);
  } catch (const std::bad_alloc&) {
    truncated_ = true;
  }
}

void IntervalSeries::closeUntil(int64_t rel_ns) noexcept {
  const int64_t elapsed = satSub(rel_ns, open_start_);
  if (elapsed < interval_ns_) return;
  const int64_t ended = elapsed / interval_ns_;  // >= 1 intervals ended
  push(IntervalSample{open_start_, interval_ns_, open_bytes_, open_packets_});
  open_bytes_ = open_packets_ = 0;
  // The rest are empty; store at most what fits, then jump (a bogus huge `now` stays cheap).
  const auto room = static_cast<int64_t>(kMaxSamples - std::min(samples_.size(), kMaxSamples));
  const int64_t empties = ended - 1;
  for (int64_t k = 1; k <= std::min(empties, room); ++k) {
    push(IntervalSample{open_start_ + k * interval_ns_, interval_ns_, 0, 0});
  }
  if (empties > room) truncated_ = true;
  open_start_ += ended * interval_ns_;
}

void IntervalSeries::add(int64_t now_mono_ns, uint64_t bytes, uint64_t packets) noexcept {
  if (finished_) return;
  if (!started_) start(now_mono_ns);
  closeUntil(satSub(now_mono_ns, t0_));
  open_bytes_ += bytes;
  open_packets_ += packets;
  total_bytes_ += bytes;
  total_packets_ += packets;
}

void IntervalSeries::finish(int64_t now_mono_ns) noexcept {
  if (!started_ || finished_) return;
  const int64_t rel = satSub(now_mono_ns, t0_);
  closeUntil(rel);
  const int64_t dur = std::max<int64_t>(satSub(rel, open_start_), 0);
  if (dur > 0 || open_bytes_ != 0 || open_packets_ != 0) {
    push(IntervalSample{open_start_, dur, open_bytes_, open_packets_});
  }
  open_bytes_ = open_packets_ = 0;
  finished_ = true;
}

nlohmann::json IntervalSeries::toJson() const {
  return nlohmann::json{{"interval_ns", interval_ns_},
                        {"total_bytes", total_bytes_},
                        {"total_packets", total_packets_},
                        {"truncated", truncated_},
                        {"samples", samples_}};
}

IntervalSeries IntervalSeries::fromJson(const nlohmann::json& j) {
  const uint64_t interval = getU64(j, "interval_ns", "series");
  if (interval == 0 || interval > static_cast<uint64_t>(INT64_MAX)) {
    badSeriesJson("interval_ns=" + std::to_string(interval) + "; expected > 0");
  }
  IntervalSeries out(static_cast<int64_t>(interval));
  out.total_bytes_ = getU64(j, "total_bytes", "series");
  out.total_packets_ = getU64(j, "total_packets", "series");
  const auto& truncated = field(j, "truncated", "series");
  if (!truncated.is_boolean()) badSeriesJson("field 'truncated' is " + shortSeriesDump(truncated) + "; expected a boolean");
  out.truncated_ = truncated.get<bool>();
  const auto& samples = field(j, "samples", "series");
  if (!samples.is_array()) badSeriesJson("'samples' is " + shortSeriesDump(samples) + "; expected an array");
  if (samples.size() > kMaxSamples) {
    badSeriesJson(std::to_string(samples.size()) + " samples; expected at most " + std::to_string(kMaxSamples));
  }
  out.samples_.reserve(samples.size());
  uint64_t sum_bytes = 0, sum_packets = 0;
  for (size_t k = 0; k < samples.size(); ++k) {
    const std::string where = "samples[" + std::to_string(k) + "]";
    IntervalSample s;
    s.start_ns = getSecondsAsNs(samples[k], "start_s", where);
    s.duration_ns = getSecondsAsNs(samples[k], "duration_s", where);
    s.bytes = getU64(samples[k], "bytes", where);
    s.packets = getU64(samples[k], "packets", where);
    const auto expected_start = static_cast<int64_t>(k) * out.interval_ns_;
    if (s.start_ns != expected_start || s.duration_ns > out.interval_ns_) {
      badSeriesJson(where + " starts at " + std::to_string(s.start_ns) + " ns and lasts " +
              std::to_string(s.duration_ns) + " ns; expected start " + std::to_string(expected_start) +
              " ns and duration <= " + std::to_string(out.interval_ns_) + " ns");
    }
    sum_bytes += s.bytes;
    sum_packets += s.packets;
    out.samples_.push_back(s);
  }
  if (!out.truncated_ && (sum_bytes > out.total_bytes_ || sum_packets > out.total_packets_)) {
    badSeriesJson("samples sum to " + std::to_string(sum_bytes) + " bytes, " + std::to_string(sum_packets) +
            " packets, more than the totals " + std::to_string(out.total_bytes_) + ", " +
            std::to_string(out.total_packets_));
  }
  out.started_ = out.finished_ = true;
  return out;
}

IntervalSeries IntervalSeries::mergeSum(const std::vector<IntervalSeries>& series) {
  if (series.empty()) return IntervalSeries{};
  IntervalSeries out(series.front().interval_ns_);
  size_t length = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    const IntervalSeries& s = series[i];
    if (s.interval_ns_ != out.interval_ns_) {
      throw ConfigError("IntervalSeries::mergeSum: series[" + std::to_string(i) + "] has interval_ns=" +
                        std::to_string(s.interval_ns_) + "; expected " + std::to_string(out.interval_ns_) +
                        " like series[0]");
    }
    length = std::max(length, s.samples_.size());
    out.total_bytes_ += s.total_bytes_;
    out.total_packets_ += s.total_packets_;
    out.truncated_ = out.truncated_ || s.truncated_;
  }
  out.samples_.resize(length);
  for (size_t k = 0; k < length; ++k) out.samples_[k].start_ns = static_cast<int64_t>(k) * out.interval_ns_;
  for (const IntervalSeries& s : series) {
    for (size_t k = 0; k < s.samples_.size(); ++k) {
      IntervalSample& o = out.samples_[k];
      o.duration_ns = std::max(o.duration_ns, s.samples_[k].duration_ns);
      o.bytes += s.samples_[k].bytes;
      o.packets += s.samples_[k].packets;
    }
  }
  out.started_ = out.finished_ = true;
  return out;
}

}  // namespace fabcheck::measure
