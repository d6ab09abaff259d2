#include "harness/counters/infiniband_counter_source.h"

#include <filesystem>
#include <map>

#include "generators/core/clock.h"
#include "generators/core/host_info.h"
#include "harness/counters/sysfs_reader.h"

namespace fabcheck::counters {

namespace {

constexpr uint64_t k32 = 0xFFFF'FFFFull;

bool isDataCounter(const std::string& name) {
  return name == "port_xmit_data" || name == "port_rcv_data" || name == "port_xmit_packets" || name == "port_rcv_packets" ||
         name == "unicast_xmit_packets" || name == "unicast_rcv_packets" || name == "multicast_xmit_packets" ||
         name == "multicast_rcv_packets";
}

}  // namespace

int pmaCounterWidth(const std::string& name) {
  static const std::map<std::string, int> kWidths = {
      {"symbol_error", 16},
      {"port_rcv_errors", 16},
      {"port_rcv_remote_physical_errors", 16},
      {"port_rcv_switch_relay_errors", 16},
      {"port_xmit_discards", 16},
      {"VL15_dropped", 16},
      {"link_error_recovery", 8},
      {"link_downed", 8},
      {"port_xmit_constraint_errors", 8},
      {"port_rcv_constraint_errors", 8},
      {"local_link_integrity_errors", 4},
      {"excessive_buffer_overrun_errors", 4},
  };
  auto it = kWidths.find(name);
  return it == kWidths.end() ? 32 : it->second;
}

InfinibandCounterSource::InfinibandCounterSource(InfinibandSourceOptions options) : options_(std::move(options)) {
  if (options_.host.empty()) options_.host = hostName();
}

void InfinibandCounterSource::readDir(const std::string& dir, const Labels& labels, bool pma, CounterSnapshot& snap) const {
  for (const std::string& file : listDir(dir)) {
    if (file == "lifespan") continue;
    const std::string path = dir + "/" + file;
    const auto content = readSmallFile(path);
    if (!content) continue;  // unreadable: the driver does not support it
    const auto value = parseCounterValue(*content);
    if (!value) {
      snap.notes.push_back(path + " reads '" + content->substr(0, 40) + "' (not a number): skipped");
      continue;
    }
    CounterSample s{.name = file, .labels = labels, .value = *value};
    if (pma) {
      s.saturating = true;
      s.width_bits = isDataCounter(file) ? (*value > k32 ? 64 : 32) : pmaCounterWidth(file);
      if (*value > maxValue(s.width_bits)) s.width_bits = 64;  // a driver wider than the IBA spec
    } else {
      s.width_bits = *value > k32 ? 64 : 32;
    }
    snap.samples.push_back(s);
    if (pma && (file == "port_xmit_data" || file == "port_rcv_data")) {
      const bool saturated = *value == maxValue(s.width_bits) || *value > (~0ull >> 2);
      CounterSample bytes{.name = file == "port_xmit_data" ? "port_xmit_bytes" : "port_rcv_bytes",
                          .labels = labels,
                          .value = saturated ? ~0ull : *value * 4,
                          .width_bits = 64,
                          .saturating = true};
      snap.samples.push_back(bytes);
    }
  }
}

CounterSnapshot InfinibandCounterSource::snapshot() {
  reason_.clear();
  CounterSnapshot snap;
  snap.taken_mono_ns = monoNowNs();
  const std::string& root = options_.sysfs_root;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    reason_ = "no " + root + " (no RDMA devices)";
    return snap;
  }
  const std::vector<std::string> devices = options_.devices.empty() ? listDir(root) : options_.devices;
  for (const std::string& dev : devices) {
    const std::string dev_dir = root + "/" + dev;
    readDir(dev_dir + "/hw_counters", {{"host", options_.host}, {"dev", dev}, {"dir", "hw_counters"}}, false, snap);
    for (const std::string& port : listDir(dev_dir + "/ports")) {
      const std::string port_dir = dev_dir + "/ports/" + port;
      readDir(port_dir + "/counters", {{"host", options_.host}, {"dev", dev}, {"port", port}, {"dir", "counters"}}, true, snap);
      readDir(port_dir + "/hw_counters", {{"host", options_.host}, {"dev", dev}, {"port", port}, {"dir", "hw_counters"}}, false,
              snap);
    }
  }
  if (snap.samples.empty()) {
    reason_ = devices.empty() ? "no RDMA devices under " + root : "no readable counters under " + root;
  }
  return snap;
}

}  // namespace fabcheck::counters
