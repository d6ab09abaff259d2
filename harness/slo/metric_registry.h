// The metrics an SLO can name: one registry, documented in docs/metrics.md (a unit test keeps
// the two in sync).
//
// Names are dotted paths into a test's summary (harness/results/test_summary.h), flattened:
//   - top-level numbers keep their key:           loss_ratio, throughput_gbps, jain_fairness
//   - nested objects become dotted names:         latency_us.p99, burst_spread_us.max
//   - per_flow_throughput_gbps.{min,max,mean} is renamed throughput_gbps.per_flow.{min,max,mean}
//     (so every throughput reads "throughput_gbps...")
//   - start_skew_us / start_skew_bound_us come from the test object beside `metrics`
//   - arrays (per_flow), the `intervals` time series, strings, booleans and nulls are not metrics.
// Start skew is one value per test (the largest of its rounds' spreads), so `start_skew_us.p99`
// and `start_skew_us.max` are accepted aliases of `start_skew_us` (all three read that value;
// for a `<=` limit it is the conservative reading).
//
// Units: every name says its unit by its suffix (docs/metrics.md "Naming"): _gbps 10^9 bit/s,
// _gbytes_s 10^9 byte/s, _mpps 10^6 messages/s, _us, _s, _bytes, _ppm, _pct, _per_s; a count is
// named by its noun (sent_packets, retransmissions); ratios and indexes have no unit. A name that
// broke this is renamed and its old spelling kept as a DEPRECATED name for one release: it reads
// the same metric, and `fabcheck validate` / `fabcheck run` warn (deprecationWarning()).
//
// Patterns: a test's pattern for metric purposes is its pattern's metric family
// (harness/suite/pattern_plugin.h): pingpong, stream, microburst; "incast" for a microburst
// test placed as incast (what `pattern: incast` loads to); "collective" for any collective
// test (all_reduce, all_to_all, ...). A pingpong or stream test placed as incast keeps its
// kind's metrics. Which metrics a family produces goes through the pattern registry: each
// shared metric here belongs to metric groups (packets, flows, bursts, round_trips, probe,
// counters) and each pattern names the groups it produces; a family's own metrics (the
// collectives') come from its pattern (Pattern::ownMetrics()).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/patterns/pattern.h"
#include "generators/patterns/placement.h"
#include "harness/model/test_spec.h"

namespace fabcheck::slo {

struct MetricInfo {
  std::string name;                   // canonical dotted name, e.g. "latency_us.p99"
  std::string unit;                   // "us", "Gbit/s", "packets"...; "" = dimensionless
  std::string meaning;                // one sentence
  std::vector<std::string> groups;    // metric groups (pattern_plugin.h kMetric*) or the metric
                                      // family that owns it; "probe": any test with a probe
  std::string condition;              // extra condition for it to exist ("" = always there)
  std::vector<std::string> aliases;   // other accepted spellings
  std::vector<std::string> deprecated;  // old names still accepted for one release, with a warning
};

// Every metric, in documentation order (the registered patterns' own metrics after the shared
// ones, counters last). Rebuilt when the pattern registry changes.
const std::vector<MetricInfo>& metricRegistry();

// The metric with this name or alias, or whose name template it fits (a template's name has
// <placeholders>, e.g. switch.<switch>.port.<port>.rx_discards: <port> may hold dots, the others
// are one name part); nullptr when unknown.
const MetricInfo* findMetric(std::string_view name);
// The metric `name` is a deprecated (old) name of; nullptr when `name` is not a deprecated name.
const MetricInfo* deprecatedMetric(std::string_view name);
// One line for a deprecated name, e.g. "metric 'collective.busbw_gbps' is deprecated: use
// 'collective.busbw_gbytes_s' (GB/s = 10^9 bytes/s); the old name reads the same value until the
// next release". "" when `name` is not deprecated.
std::string deprecationWarning(std::string_view name);
// A unit with its meaning for messages: "GB/s" → "GB/s = 10^9 bytes/s", "Gbit/s" → "Gbit/s =
// 10^9 bits/s", "us" → "us = microseconds"; others as they are, "" → "dimensionless".
std::string unitExplained(const std::string& unit);
// True when the metric's name is such a template (an SLO then keeps the name as written).
bool isMetricTemplate(const MetricInfo& m);

// The known name (or alias; deprecated names are not suggested) nearest to an unknown one, or ""
// when none is close.
std::string nearestMetric(const std::string& name);

// The spec's metric family (suite::patternFor(spec)->metricFamily()), see the header comment.
std::string metricPattern(const model::TestSpec& spec);
// The same for a spec of this kind and placement; `collective`: any collective ("collective").
std::string metricPattern(patterns::PatternKind kind, patterns::Placement placement, bool collective = false);

// Whether the metric family `pattern` (or "probe": a test with a probe) produces `m`.
bool producedBy(const MetricInfo& m, std::string_view pattern);

// "pingpong, stream" — the families that produce the metric (registry order), for messages.
std::string patternList(const MetricInfo& m);

// The flat canonical-name → value map of a test summary: summarizeTest()'s object (metrics
// under "metrics", start skew beside it) or a bare summarize() object. Holds only registry
// metrics that have a number in the summary and that the summary's pattern produces (a metric
// another pattern produces is left out even if the summary carries a placeholder for it, so an
// SLO on it is skipped, never passed). Never throws; a non-object gives an empty map.
std::map<std::string, double> flattenMetrics(const nlohmann::json& test_summary);

}  // namespace fabcheck::slo
