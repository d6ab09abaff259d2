#include "harness/counters/netdev_counter_source.h"

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "harness/counters/sysfs_reader.h"

namespace fabcheck::counters {

namespace {

constexpr const char* kArphrdLoopback = "772";

bool isLoopback(const std::string& root, const std::string& dev) {
  const auto type = readSmallFile(root + "/" + dev + "/type");
  return type ? *type == kArphrdLoopback : dev == "lo";
}

}  // namespace

NetdevCounterSource::NetdevCounterSource(NetdevSourceOptions options) : options_(std::move(options)) {
  if (options_.host.empty()) options_.host = hostName();
}

CounterSnapshot NetdevCounterSource::snapshot() {
  reason_.clear();
  CounterSnapshot snap;
  snap.taken_mono_ns = monoNowNs();
  const std::string& root = options_.sysfs_root;
  std::vector<std::string> devs = options_.interfaces;
  if (devs.empty()) {
    for (const std::string& dev : listDir(root)) {
      if (!isLoopback(root, dev)) devs.push_back(dev);
    }
  }
  for (const std::string& dev : devs) {
    const std::string dir = root + "/" + dev + "/statistics";
    for (const std::string& file : listDir(dir)) {
      const auto content = readSmallFile(dir + "/" + file);
      if (!content) continue;
      const auto value = parseCounterValue(*content);
      if (!value) {
        throw Error(dir + "/" + file + " holds '" + content->substr(0, 80) + "'; expected a decimal counter value");
      }
      snap.samples.push_back(CounterSample{.name = file, .labels = {{"host", options_.host}, {"dev", dev}}, .value = *value});
    }
  }
  if (snap.samples.empty()) {
    if (options_.interfaces.empty()) {
      reason_ = "no network interface with statistics under " + root + " (loopback excluded)";
    } else {
      std::string names;
      for (const auto& d : options_.interfaces) names += (names.empty() ? "" : ", ") + d;
      reason_ = "no statistics for interface(s) " + names + " under " + root;
    }
  }
  return snap;
}

}  // namespace fabcheck::counters
