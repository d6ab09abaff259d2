// Who lost the packets of a test on an emulated fabric: its switch queues, or the machine that
// emulates it. Findings for a failing loss or retransmission SLO (runner/suite_run.cpp), so a
// report does not blame a fabric for what the host's CPU did (docs/fabric.md "Calibration").
//
// Contract of lossAttribution(metrics), `metrics` a test record's "metrics" object:
// - Nothing (empty) unless it has fabric.queue_drops (the test ran on an emulated fabric whose
//   ports were read).
// - fabric.queue_drops > 0: "the emulated switch queues dropped N packets (fabric.queue_drops)".
// - fabric.queue_drops == 0 and fabric.emulator_drops > 0: the loss is the emulator's (this
//   machine's softnet backlog), not the fabric's.
// - tcp.retransmitted_segments > 0 with no queue drop: how many of them the kernel found spurious
//   (D-SACK: the segment had arrived; reordering or a stall inside the emulator) — retransmissions
//   that are not fabric loss.
// - isLossMetric(name): the SLO metrics these findings explain.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fabcheck::results {

std::vector<std::string> lossAttribution(const nlohmann::json& metrics);
bool isLossMetric(const std::string& metric);

}  // namespace fabcheck::results
