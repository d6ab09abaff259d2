#include "harness/counters/pause_activity.h"

#include <map>
#include <tuple>

#include "harness/counters/counter_delta.h"
#include "harness/counters/pfc_counter_names.h"

namespace fabcheck::counters {

namespace {

using PauseKey = std::pair<Labels, int>;

struct PauseIndex {
  // (labels, priority) → counter → sample, for one snapshot.
  std::map<PauseKey, std::map<PfcCounter, const CounterSample*>> by_key;
};

PauseIndex indexOf(const CounterSnapshot& snap) {
  PauseIndex idx;
  for (const auto& s : snap.samples) {
    if (const auto p = parsePfcCounterName(s.name)) idx.by_key[{s.labels, p->priority}][p->counter] = &s;
  }
  return idx;
}

std::optional<double> rate(const PauseIndex& before, const PauseKey& key, PfcCounter which,
                           const std::map<PfcCounter, const CounterSample*>& after, double dt_s, double scale, uint64_t* sum) {
  const auto a = after.find(which);
  const auto bk = before.by_key.find(key);
  if (a == after.end() || bk == before.by_key.end()) return std::nullopt;
  const auto b = bk->second.find(which);
  if (b == bk->second.end()) return std::nullopt;
  std::optional<uint64_t> d;
  try {
    d = deltaOf(*b->second, *a->second).delta;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!d) return std::nullopt;
  if (sum) *sum += *d;
  return static_cast<double>(*d) * scale / dt_s;
}

}  // namespace

std::vector<PauseLine> pauseActivity(const std::vector<CounterSnapshot>& series) {
  std::map<PauseKey, PauseLine> lines;
  const size_t intervals = series.size() > 1 ? series.size() - 1 : 0;
  std::vector<PauseIndex> idx;
  for (const auto& s : series) idx.push_back(indexOf(s));
  for (size_t i = 0; i < intervals; ++i) {
    const double dt_s = static_cast<double>(series[i + 1].taken_mono_ns - series[i].taken_mono_ns) / 1e9;
    if (dt_s <= 0) continue;
    for (const auto& [key, after] : idx[i + 1].by_key) {
      PauseLine& line = lines[key];
      if (line.t_end_mono_ns.empty()) {
        line.nic = key.first;
        line.priority = key.second;
        line.t_end_mono_ns.reserve(intervals);
      }
      // Intervals before this NIC/priority first appeared stay null.
      while (line.t_end_mono_ns.size() < i) {
        line.t_end_mono_ns.push_back(series[line.t_end_mono_ns.size() + 1].taken_mono_ns);
        line.duty.emplace_back();
        line.rx_frames_per_s.emplace_back();
        line.tx_frames_per_s.emplace_back();
      }
      line.has_duration = line.has_duration || after.count(PfcCounter::kRxPauseDurationUs) > 0;
      line.t_end_mono_ns.push_back(series[i + 1].taken_mono_ns);
      const auto duty = rate(idx[i], key, PfcCounter::kRxPauseDurationUs, after, dt_s, 1e-6, nullptr);
      line.duty.push_back(duty);
      if (duty && *duty > line.max_duty) line.max_duty = *duty;
      line.rx_frames_per_s.push_back(rate(idx[i], key, PfcCounter::kRxPause, after, dt_s, 1, &line.rx_frames));
      line.tx_frames_per_s.push_back(rate(idx[i], key, PfcCounter::kTxPause, after, dt_s, 1, &line.tx_frames));
    }
  }
  std::vector<PauseLine> out;
  for (auto& [key, line] : lines) {
    if (line.rx_frames == 0 && line.tx_frames == 0 && line.max_duty == 0) continue;
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace fabcheck::counters
