// Per-priority PFC counter names of NIC drivers (mlx5, bnxt and ice ethtool -S names; docs/metrics.md), recognised from
// `ethtool -S` names:
//   mlx5: rx_prio{p}_pause, tx_prio{p}_pause, rx_prio{p}_pause_duration (µs),
//         tx_prio{p}_pause_duration (µs), rx_prio{p}_pause_transition
//   bnxt: rx_pfc_ena_frames_pri{p}, tx_pfc_ena_frames_pri{p}, pfc_pri{p}_rx_duration_us,
//         pfc_pri{p}_tx_duration_us, pfc_pri{p}_rx_transitions
//   ice:  rx_priority_{p}_xoff.nic, tx_priority_{p}_xoff.nic, rx_priority_{p}_xon.nic (XON received:
//         counted as a transition)
// The same names are rows of the NIC vocabulary (nic_vocabulary.h), which maps them to metrics.
// Device-wide: tx_pause_storm_warning_events, tx_pause_storm_error_events (mlx5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fabcheck::counters {

enum class PfcCounter : uint8_t {
  kRxPause,            // PFC pause frames received for the priority
  kTxPause,            // ... sent
  kRxPauseDurationUs,  // time the priority was paused by the peer (µs)
  kTxPauseDurationUs,  // time this port paused the peer (µs)
  kRxPauseTransition,  // XOFF→XON transitions received
};

struct PfcName {
  PfcCounter counter;
  int priority;  // 0..7
};

// The PFC meaning of an ethtool counter name; nullopt for any other name.
std::optional<PfcName> parsePfcCounterName(const std::string& name);

}  // namespace fabcheck::counters
