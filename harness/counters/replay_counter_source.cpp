#include "harness/counters/replay_counter_source.h"

#include <algorithm>
#include <filesystem>

#include "generators/core/clock.h"
#include "generators/core/errors.h"

namespace fabcheck::counters {

namespace fs = std::filesystem;

std::vector<Capture> replayCaptures(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ConfigError("counter replay " + dir + ": not a directory; expected capture directories in it");
  std::vector<std::string> dirs;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory() && fs::exists(e.path() / "meta.json")) dirs.push_back(e.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  if (dirs.empty()) throw ConfigError("counter replay " + dir + ": no capture directory (with a meta.json) in it");
  std::vector<Capture> out;
  for (const auto& d : dirs) {
    out.push_back(readCapture(d));
    if (out.size() > 1 && out.back().meta.time_ns < out[out.size() - 2].meta.time_ns) {
      throw ConfigError("counter replay " + d + ": time_ns " + std::to_string(out.back().meta.time_ns) +
                        " is before the previous capture's; expected captures in time order by name");
    }
  }
  return out;
}

ReplayCounterSource::ReplayCounterSource(std::string name, std::shared_ptr<const std::vector<Capture>> captures)
    : name_(std::move(name)), captures_(std::move(captures)) {
  if (!captures_ || captures_->empty()) throw Error("counter replay: no captures");
}

CounterSnapshot ReplayCounterSource::snapshot() {
  const int64_t now = monoNowNs();
  if (start_mono_ns_ < 0) start_mono_ns_ = now;
  const std::vector<Capture>& captures = *captures_;
  const int64_t t0 = captures.front().meta.time_ns;
  size_t pick = 0;
  while (pick + 1 < captures.size() && captures[pick + 1].meta.time_ns - t0 <= now - start_mono_ns_) ++pick;
  const Capture& c = captures[pick];
  reason_.clear();
  for (const SourceSnapshot& s : c.sources) {
    if (s.source != name_) continue;
    if (!s.error.empty()) throw Error("counter replay " + c.dir + ": " + s.error);
    reason_ = s.unavailable_reason;
    CounterSnapshot snap = s.snapshot;
    snap.taken_mono_ns = start_mono_ns_ + (c.meta.time_ns - t0);
    return snap;
  }
  reason_ = "capture " + c.dir + " has no " + name_ + " counters";
  return CounterSnapshot{.taken_mono_ns = start_mono_ns_ + (c.meta.time_ns - t0)};
}

CounterSet replayCounterSet(const std::string& dir) {
  const auto captures = std::make_shared<const std::vector<Capture>>(replayCaptures(dir));
  CounterSet set;
  for (const char* name : {"netdev", "infiniband", "ethtool"}) set.add(std::make_unique<ReplayCounterSource>(name, captures));
  return set;
}

}  // namespace fabcheck::counters
