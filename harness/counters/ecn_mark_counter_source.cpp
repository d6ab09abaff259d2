#include "harness/counters/ecn_mark_counter_source.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "harness/counters/ecn_port_state.h"

namespace fabcheck::counters {
namespace {

// The state of the port pinned at `path`, read under the program's lock.
fabcheck_ecn_port readPinned(const std::string& path) {
  const int fd = bpf_obj_get(path.c_str());
  if (fd < 0) throw Error("fabric_ecn: cannot open the pinned map " + path + ": " + std::strerror(errno));
  bpf_map_info info{};
  uint32_t info_len = sizeof info;
  fabcheck_ecn_port v{};
  const uint32_t key = 0;
  int rc = bpf_obj_get_info_by_fd(fd, &info, &info_len);
  if (rc == 0 && info.value_size != sizeof v) {
    ::close(fd);
    throw Error("fabric_ecn: the map pinned at " + path + " has values of " + std::to_string(info.value_size) +
                " bytes; expected " + std::to_string(sizeof v) + " (a fabric made by another fabcheck version?)");
  }
  if (rc == 0) rc = bpf_map_lookup_elem_flags(fd, &key, &v, BPF_F_LOCK);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw Error("fabric_ecn: cannot read the map pinned at " + path + ": " + std::strerror(err));
  return v;
}

void addSamples(CounterSnapshot& snap, const fabcheck_ecn_port& v, const std::string& ns, const std::string& dev) {
  const Labels labels = {{"host", ns}, {"netns", ns}, {"dev", dev}};
  const std::pair<const char*, uint64_t> counters[] = {
      {"ecn_packets", v.packets},           {"ecn_ect_packets", v.ect_packets},     {"ecn_marked", v.marked},
      {"ecn_ce_arrived", v.ce_arrived},     {"ecn_not_ect_over", v.not_ect_over},   {"ecn_virtual_drops", v.virtual_drops},
      {"ecn_mark_failures", v.mark_failures}};
  for (const auto& [name, value] : counters) snap.samples.push_back(CounterSample{.name = name, .labels = labels, .value = value});
  snap.samples.push_back(CounterSample{.name = "ecn_virtual_backlog", .labels = labels,
                                       .value = v.backlog_scaled / FABCHECK_ECN_NS_PER_S, .kind = SampleKind::kGauge});
}

}  // namespace

EcnMarkCounterSource::EcnMarkCounterSource(EcnMarkSourceOptions options) : options_(std::move(options)) {}

CounterSnapshot EcnMarkCounterSource::snapshot() {
  reason_.clear();
  CounterSnapshot snap;
  snap.taken_mono_ns = monoNowNs();
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(options_.pin_dir, ec)) names.push_back(entry.path().filename());
  if (ec) {
    reason_ = "no ECN-marking ports: cannot list " + options_.pin_dir + " (" + ec.message() +
              "; the fabric is not up or has no ecn_threshold)";
    return snap;
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    const size_t us = n.rfind('_');
    if (us == std::string::npos || us == 0 || us + 1 == n.size()) continue;  // not <ns>_<dev>
    addSamples(snap, readPinned(options_.pin_dir + "/" + n), n.substr(0, us), n.substr(us + 1));
  }
  if (snap.samples.empty()) reason_ = options_.pin_dir + " holds no port's map (no port marks ECN)";
  return snap;
}

}  // namespace fabcheck::counters
