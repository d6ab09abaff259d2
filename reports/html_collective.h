// A collective test's part of its section in the HTML report (html_reporter.h), from the
// record's `collective` object (harness/results/collective_summary.h), shown as a user of
// nccl-tests reads it:
//   - a line with the set-up: kind, algorithm, ranks, channels, chunk, iterations, link pacing;
//   - when the largest size has a straggler, a note naming it (collective.straggler.text);
//   - the nccl-tests table, one row per size in sweep order: size, time, algbw, busbw (GB/s),
//     p50, p99, cv, retransmissions, that size's straggler ("—" without one); a size that
//     measured nothing shows "—" for its figures, and every rank's error is listed;
//   - busbw and algbw by size (svg::bandwidthChart) when two or more sizes measured something;
//   - with a straggler, the rate of every link at the largest size (svg::linksChart), its slow
//     links (the straggler_links slowest) in red, the median marked.
// The headline figures (busbw, algbw, time... of metrics.collective) are in the test's key
// metrics row, which html_reporter.cpp writes.
//
// Only values the record holds are shown; a part whose data is absent is left out, and a
// record without a `collective` object gives "". Records of unexpected shape never throw.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace fabcheck::reports {

std::string collectiveHtml(const nlohmann::json& record);

}  // namespace fabcheck::reports
