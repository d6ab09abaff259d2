#include "harness/counters/counter_series.h"

#include <unordered_map>

#include "generators/core/errors.h"

namespace fabcheck::counters {

using nlohmann::json;

void appendSample(CounterSeries& series, const CounterSnapshot& snapshot, const SampleFilter& keep) {
  const size_t before = series.t_mono_ns.size();
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < series.lines.size(); ++i) index[sampleKey(series.lines[i].name, series.lines[i].labels)] = i;
  series.t_mono_ns.push_back(snapshot.taken_mono_ns);
  for (auto& line : series.lines) line.values.emplace_back();
  for (const CounterSample& s : snapshot.samples) {
    if (keep && !keep(s)) continue;
    const std::string key = sampleKey(s.name, s.labels);
    auto it = index.find(key);
    if (it == index.end()) {
      SeriesLine line{.name = s.name, .labels = s.labels, .width_bits = s.width_bits, .saturating = s.saturating, .kind = s.kind};
      line.values.assign(before + 1, std::nullopt);
      series.lines.push_back(std::move(line));
      it = index.emplace(key, series.lines.size() - 1).first;
    }
    SeriesLine& line = series.lines[it->second];
    line.width_bits = s.width_bits;  // a source may widen a counter (infiniband_counter_source.h)
    line.values.back() = s.value;
  }
}

std::vector<CounterSnapshot> toSnapshots(const CounterSeries& series) {
  std::vector<CounterSnapshot> out(series.t_mono_ns.size());
  for (size_t i = 0; i < out.size(); ++i) out[i].taken_mono_ns = series.t_mono_ns[i];
  for (const SeriesLine& line : series.lines) {
    for (size_t i = 0; i < out.size() && i < line.values.size(); ++i) {
      if (!line.values[i]) continue;
      out[i].samples.push_back({.name = line.name, .labels = line.labels, .value = *line.values[i],
                                .width_bits = line.width_bits, .saturating = line.saturating, .kind = line.kind});
    }
  }
  return out;
}

void decimate(CounterSeries& series) {
  const size_t n = series.t_mono_ns.size();
  if (n <= 2) return;
  std::vector<size_t> keep;
  for (size_t i = 0; i + 1 < n; i += 2) keep.push_back(i);
  keep.push_back(n - 1);
  auto pick = [&keep](auto& v) {
    std::decay_t<decltype(v)> out;
    out.reserve(keep.size());
    for (size_t i : keep) out.push_back(v[i]);
    v = std::move(out);
  };
  pick(series.t_mono_ns);
  for (auto& line : series.lines) pick(line.values);
}

namespace {

json lineToJson(const SeriesLine& line) {
  json j = {{"name", line.name}, {"labels", line.labels}};
  if (line.width_bits != 64) j["width_bits"] = line.width_bits;
  if (line.saturating) j["saturating"] = true;
  if (line.kind == SampleKind::kGauge) j["gauge"] = true;
  bool constant = !line.values.empty() && line.values.front().has_value();
  for (const auto& v : line.values) constant = constant && v == line.values.front();
  if (constant) {
    j["value"] = *line.values.front();
    return j;
  }
  json values = json::array();
  for (const auto& v : line.values) values.push_back(v ? json(*v) : json(nullptr));
  j["values"] = std::move(values);
  return j;
}

SeriesLine lineFromJson(const json& j, size_t samples, const std::string& where) {
  SeriesLine line;
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) throw Error(where + ": expected an object with a \"name\" string");
  line.name = j["name"].get<std::string>();
  const std::string at = where + " (" + line.name + ")";
  if (j.contains("labels")) {
    if (!j["labels"].is_object()) throw Error(at + ": \"labels\" is not an object");
    for (const auto& [k, v] : j["labels"].items()) line.labels[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  line.width_bits = j.value("width_bits", 64);
  line.saturating = j.value("saturating", false);
  line.kind = j.value("gauge", false) ? SampleKind::kGauge : SampleKind::kCounter;
  if (j.contains("value")) {
    if (!j["value"].is_number_unsigned()) throw Error(at + ": \"value\" is not an unsigned number");
    line.values.assign(samples, j["value"].get<uint64_t>());
    return line;
  }
  if (!j.contains("values") || !j["values"].is_array() || j["values"].size() != samples) {
    throw Error(at + ": \"values\" must be an array of " + std::to_string(samples) + " entries (one per t_ns)");
  }
  for (const auto& v : j["values"]) {
    if (v.is_null()) line.values.emplace_back();
    else if (v.is_number_unsigned()) line.values.emplace_back(v.get<uint64_t>());
    else throw Error(at + ": value " + v.dump() + " is not an unsigned number or null");
  }
  return line;
}

}  // namespace

json seriesToJson(const CounterSeries& series) {
  json lines = json::array();
  for (const auto& line : series.lines) lines.push_back(lineToJson(line));
  return {{"source", series.source}, {"t_ns", series.t_mono_ns}, {"counters", std::move(lines)}};
}

CounterSeries seriesFromJson(const json& j) {
  if (!j.is_object() || !j.contains("t_ns") || !j["t_ns"].is_array()) throw Error("counter series: expected an object with a \"t_ns\" array");
  CounterSeries s;
  s.source = j.value("source", std::string());
  const std::string where = "counter series '" + s.source + "'";
  for (const auto& t : j["t_ns"]) {
    if (!t.is_number_integer()) throw Error(where + ": t_ns entry " + t.dump() + " is not an integer");
    s.t_mono_ns.push_back(t.get<int64_t>());
  }
  if (j.contains("counters")) {
    if (!j["counters"].is_array()) throw Error(where + ": \"counters\" is not an array");
    for (const auto& c : j["counters"]) s.lines.push_back(lineFromJson(c, s.t_mono_ns.size(), where));
  }
  return s;
}

}  // namespace fabcheck::counters
