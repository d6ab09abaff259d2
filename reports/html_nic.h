// A test's NIC verdicts in its HTML section (html_reporter.h), from the record's `nic` object
// (harness/results/nic_verdicts.h):
//   - nicVerdictHtml: the lossless verdict at the top of the test — "lossless: holds" (with
//     what was checked), "lossless: broken" with every violation (host, counter, by how much;
//     storms), or "lossless: unknown" with why; then the ECN consistency line and its problems
//     when the NICs count marks and CNPs. "" when the record has no `nic` object.
//   - nicChartsHtml: per NIC priority that paused, pause duty (%) over time when a NIC has a
//     pause-duration counter, and pause frames received per second, each with the PFC storms
//     shaded (svg::pauseChart); "" when nothing paused.
// Records of unexpected shape never throw; only values the record holds are shown.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace fabcheck::reports {

std::string nicVerdictHtml(const nlohmann::json& record);
std::string nicChartsHtml(const nlohmann::json& record);

}  // namespace fabcheck::reports
