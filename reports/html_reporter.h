// The HTML report: one self-contained page (inline CSS and inline SVG charts, no scripts, no
// links, no fonts or images to fetch), readable opened straight from disk.
//
// Contents: run summary (suite, verdict counts, agents with clock offsets, timing, version),
// run-level error and an "incomplete" / "interrupted" banner, every SLO in one table, and per
// test a collapsible section with its key metrics and charts (svg_charts.h): latency by
// percentile, throughput over time, per-flow throughput with loss (html_flows.h: a bar per flow,
// or above 64 flows histograms and the worst flows), host×host matrix (html_matrix.h: a cell
// per pair, or above 64 hosts a cell per pair of switches or host blocks and the worst pairs);
// a collective test's nccl-tests table, bandwidth by size and straggler (html_collective.h).
//
// Like the JSON report it is rewritten whole after every event through a temporary file and
// rename(), so after Ctrl-C or a crash the page on disk is complete and says the run is
// incomplete. Records of unexpected shape are shown as far as they make sense; rendering
// never throws on them (only I/O errors throw).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/whole_file_reporter.h"

namespace fabcheck::reports {

class HtmlReporter : public WholeFileReporter {
 public:
  explicit HtmlReporter(std::string path);  // throws ConfigError when the path is not writable

 protected:
  std::string render(const RunSoFar& run) const override;
};

std::string renderHtml(const nlohmann::json& context, const nlohmann::json& agents,
                       const std::vector<nlohmann::json>& tests, const std::optional<nlohmann::json>& end);

}  // namespace fabcheck::reports
