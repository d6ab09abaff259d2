#include "harness/counters/pfc_counter_names.h"

#include <array>

namespace fabcheck::counters {

namespace {

struct Pattern {
  const char* prefix;
  const char* suffix;
  PfcCounter counter;
};

constexpr std::array<Pattern, 13> kPatterns{{
    {"rx_prio", "_pause", PfcCounter::kRxPause},
    {"tx_prio", "_pause", PfcCounter::kTxPause},
    {"rx_prio", "_pause_duration", PfcCounter::kRxPauseDurationUs},
    {"tx_prio", "_pause_duration", PfcCounter::kTxPauseDurationUs},
    {"rx_prio", "_pause_transition", PfcCounter::kRxPauseTransition},
    {"rx_pfc_ena_frames_pri", "", PfcCounter::kRxPause},
    {"tx_pfc_ena_frames_pri", "", PfcCounter::kTxPause},
    {"pfc_pri", "_rx_duration_us", PfcCounter::kRxPauseDurationUs},
    {"pfc_pri", "_tx_duration_us", PfcCounter::kTxPauseDurationUs},
    {"pfc_pri", "_rx_transitions", PfcCounter::kRxPauseTransition},
    {"rx_priority_", "_xon.nic", PfcCounter::kRxPauseTransition},
    {"rx_priority_", "_xoff.nic", PfcCounter::kRxPause},
    {"tx_priority_", "_xoff.nic", PfcCounter::kTxPause},
}};

}  // namespace

std::optional<PfcName> parsePfcCounterName(const std::string& name) {
  for (const Pattern& p : kPatterns) {
    const std::string prefix = p.prefix, suffix = p.suffix;
    // prefix + one digit 0..7 + suffix, exactly.
    if (name.size() != prefix.size() + 1 + suffix.size()) continue;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    if (name.compare(prefix.size() + 1, suffix.size(), suffix) != 0) continue;
    const char digit = name[prefix.size()];
    if (digit < '0' || digit > '7') continue;
    return PfcName{p.counter, digit - '0'};
  }
  return std::nullopt;
}

}  // namespace fabcheck::counters
