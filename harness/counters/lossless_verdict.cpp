#include "harness/counters/lossless_verdict.h"

#include <algorithm>

#include <fmt/format.h>

namespace fabcheck::counters {

const std::vector<std::string>& losslessCounterMetrics() {
  static const std::vector<std::string> kMetrics = {
      "nic.discards", "nic.rdma.out_of_sequence", "nic.rdma.packet_seq_err", "nic.rdma.out_of_buffer",
      "rdma.port_xmit_discards"};
  return kMetrics;
}

namespace {

std::string contributorsText(const std::vector<Contribution>& list) {
  std::string out;
  for (size_t i = 0; i < list.size() && i < 3; ++i) {
    out += (i ? ", " : "") + list[i].counter + ": " + std::to_string(list[i].delta);
  }
  if (list.size() > 3) out += fmt::format(", and {} more", list.size() - 3);
  return out;
}

std::string nicText(const Labels& nic) {
  std::string out;
  for (const auto& [k, v] : nic) {
    if (k == "host") continue;
    out += (out.empty() ? "" : ",") + k + "=" + v;
  }
  return out.empty() ? "NIC" : out;
}

bool judged(const std::vector<int>& priorities, int p) {
  return priorities.empty() || std::find(priorities.begin(), priorities.end(), p) != priorities.end();
}

// (2): the host's discard and sequence counters; false when it has none of them.
bool checkCounters(const LosslessHost& h, LosslessVerdict& v) {
  bool any = false;
  for (const std::string& m : losslessCounterMetrics()) {
    const auto it = h.metrics.find(m);
    if (it == h.metrics.end()) {
      const auto why = h.missing.find(m);
      v.not_checked.push_back(h.host + ": " + m + " (" + (why == h.missing.end() ? "not read" : why->second) + ")");
      continue;
    }
    any = true;
    v.checked.push_back(h.host + ": " + m);
    if (it->second <= 0) continue;
    const auto c = h.contributors.find(m);
    v.violations.push_back(fmt::format("{}: {} rose by {:.0f}{}", h.host, m, it->second,
                                       c == h.contributors.end() ? "" : " (" + contributorsText(c->second) + ")"));
  }
  return any;
}

// (3): storms on the judged priorities and pause-storm error events.
void checkStorms(const LosslessHost& h, const std::vector<int>& priorities, LosslessVerdict& v) {
  if (!h.storm) {
    v.not_checked.push_back(h.host + ": PFC storms (" +
                            (h.storm_not_judged.empty() ? std::string("not judged") : h.storm_not_judged) + ")");
    return;
  }
  v.checked.push_back(h.host + ": PFC storms");
  for (const PfcStorm& s : h.storm->storms) {
    if (!judged(priorities, s.priority)) continue;
    v.violations.push_back(fmt::format("{}: PFC storm on {} priority {}: pause duty up to {:.2f} for {:.0f} ms from +{:.1f} s",
                                       h.host, nicText(s.nic), s.priority, s.max_duty, s.duration_ns / 1e6,
                                       (s.start_mono_ns - h.first_sample_mono_ns) / 1e9));
  }
  if (h.storm->storm_error_events > 0) {
    v.violations.push_back(fmt::format("{}: tx_pause_storm_error_events rose by {} (the NIC's own storm guard fired)",
                                       h.host, h.storm->storm_error_events));
  }
}

}  // namespace

LosslessVerdict losslessVerdict(const LosslessInput& input) {
  LosslessVerdict v;
  if (input.hosts.empty()) {
    v.why_unknown = "no participant's counters were read";
    return v;
  }
  if (input.lost_packets) {
    v.checked.push_back("traffic loss");
    if (*input.lost_packets > 0) v.violations.push_back(fmt::format("traffic: {:.0f} messages lost", *input.lost_packets));
  } else {
    v.not_checked.push_back("traffic loss (this pattern does not count lost messages)");
  }
  std::vector<std::string> blind;
  for (const LosslessHost& h : input.hosts) {
    if (!checkCounters(h, v)) blind.push_back(h.host);
    checkStorms(h, input.priorities, v);
  }
  if (!blind.empty()) {
    std::string hosts;
    for (const auto& b : blind) hosts += (hosts.empty() ? "" : ", ") + b;
    std::string example;  // why the first blind host lacks them
    for (const auto& n : v.not_checked) {
      if (n.rfind(blind.front() + ": ", 0) == 0) {
        example = " (" + n + ")";
        break;
      }
    }
    v.why_unknown = "no NIC discard or sequence-error counter on " + hosts + example;
    return v;
  }
  v.known = true;
  return v;
}

}  // namespace fabcheck::counters
