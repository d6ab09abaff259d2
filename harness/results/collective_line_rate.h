// A collective's figures against the line rate (docs/metrics.md "JCT ratio and busbw above the
// line rate"): the job completion time ratio of the IETF BMWG AI-fabric draft, and busbw above
// the line rate flagged as a misreading.
//
// Ideal time of one size: the bytes each rank must move over its busiest link at the line rate,
//   ideal_time_us = busbwFactor(kind, n) × S × 8 / (line_rate_gbps × 10^3)
// (all-reduce 2(n−1)/n·S: every rank sends and receives that much whatever the algorithm;
// reduce-scatter, all-gather, all-to-all (n−1)/n·S; broadcast S, the root's send). So
//   jct_ratio = time_us / ideal_time_us = line_rate_gbps / (8 × busbw_gbytes_s),
// ≥ 1 in a sane run; it is the algorithm's and the fabric's inefficiency together (a tree or a
// folded halving-doubling moves more than the bound, so its ratio is higher on the same fabric).
// It assumes each rank has its own link to the fabric (ranks_per_node 1).
//
// Contract of addLineRateFigures(record, rate), called on a summarised collective record
// (collective_summary.h; a record without "collective" is left as it is):
// - rate known (gbps > 0) and ranks_per_node 1: each measured size gets ideal_time_us and
//   jct_ratio; collective.line_rate = {gbps, source}; metrics.collective.jct_ratio is the largest
//   size's. Otherwise jct_ratio is absent, the reason in collective.line_rate.unknown and
//   metrics_missing["collective.jct_ratio"] — never a made-up number.
// - busbw above kBusbwMisreadingFactor × the line rate at any size is a misreading: each such
//   size gets "misreading": "<one line>" naming the size, the busbw (GB/s and Gbit/s), the line
//   rate and the likely causes; collective.misreadings lists them; the bandwidth metrics
//   (busbw, algbw, avg/min busbw, jct_ratio) leave metrics.collective, their metrics_missing
//   entry says why. Returns the misreadings (empty: none); the caller makes the test an error.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fabcheck::results {

// busbw above this × the line rate cannot be the fabric's (2% for rounding of declared rates).
inline constexpr double kBusbwMisreadingFactor = 1.02;

struct LineRate {
  double gbps = 0;          // > 0: known
  std::string source;       // where it came from, e.g. "fabric.line_rate_gbps"
  std::string why_unknown;  // when gbps is 0: how to set it
};

// The ideal time in us of one size (see above); 0 when the rate or the factor is 0.
double collectiveIdealTimeUs(const std::string& kind, int ranks, double size_bytes, double line_rate_gbps);

std::vector<std::string> addLineRateFigures(nlohmann::json& record, const LineRate& rate);

}  // namespace fabcheck::results
