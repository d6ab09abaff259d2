// Inline SVG charts for the HTML report: plain values in, one self-contained <svg> element out
// (no scripts, no external references, no ids, so any number can share a page).
//
// Contract
// - Every chart is `<svg class="chart" data-chart="KIND" ...>` with KIND latency | throughput |
//   flows | matrix | bandwidth | links | pause (and distribution, svg_distribution.h; the grouped
//   matrix of svg_group_heatmap.h), a <title>-free visible title, axes with ticks and labels, and a legend when
//   it has more than one series. Every text (titles, labels, series names) is XML-escaped.
// - Non-finite values (NaN, inf) are skipped, never drawn; a chart with nothing to draw shows
//   "no data" instead of empty axes.
// - Sizes are bounded: the throughput series is averaged down to at most kMaxLinePoints points,
//   the flows and links charts show at most kMaxBars bars (and say how many they left out).
// - Pure functions: no I/O, no exceptions for odd data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabcheck::reports::svg {

inline constexpr size_t kMaxLinePoints = 600;
inline constexpr size_t kMaxBars = 200;

// & < > " ' as entities: safe in element content and in attribute values; bytes that are not
// UTF-8 become U+FFFD (utf8.h), so the page never carries a raw invalid byte.
std::string escape(std::string_view text);

// Short human number: 1234 -> "1234", 12.345 -> "12.3", 0.01234 -> "0.0123".
std::string formatNumber(double v);

struct Point {
  double x = 0, y = 0;
};

struct Series {
  std::string name;
  std::vector<Point> points;
};

// Latency by percentile. Point.x is the percentile in percent (50, 90, 99, 99.9, 99.99),
// placed on a "nines" scale (-log10(1 - p/100)); Point.y is microseconds. The y axis turns
// logarithmic when the values span more than 20x.
std::string latencyChart(const std::string& title, const std::vector<Series>& series);

// Throughput over time: Point.x seconds since the measured start, Point.y Gbit/s.
std::string throughputChart(const std::string& title, const std::vector<Series>& series);

// A stretch of time to shade (a PFC storm): x0..x1 in the chart's x unit, with a label.
struct Span {
  double x0 = 0, x1 = 0;
  std::string label;
};

// PFC pause activity over time, one line per NIC priority: Point.x seconds since the counters'
// first sample, Point.y the value (pause duty in %, or pause frames per second); a NaN y is an
// interval without a known value, where the line breaks (never drawn as 0). `storms` are shaded
// red and labelled. Each series is downsampled to kMaxLinePoints like the throughput chart.
std::string pauseChart(const std::string& title, const std::string& y_label, const std::vector<Series>& series,
                       const std::vector<Span>& storms);

struct FlowBar {
  std::string label;  // e.g. "3: node01 → node02"
  double gbps = 0;
  uint64_t lost_packets = 0;
};
// One horizontal bar per flow; flows that lost packets are drawn red and say how many.
std::string flowsChart(const std::string& title, const std::vector<FlowBar>& bars);

// Bandwidth by message size, as a collective's size sweep (nccl-tests' rows): Point.x bytes
// (> 0) on a logarithmic axis whose ticks are the sizes themselves in binary units ("64 KiB",
// thinned to at most 8 labels), Point.y GB/s on a linear axis from 0. Every point is marked and
// carries a tooltip "NAME SIZE: Y GB/s".
std::string bandwidthChart(const std::string& title, const std::vector<Series>& series);

struct LinkBar {
  std::string label;  // e.g. "0 → 1" or "0 → 1 ch 2"
  double gbit_s = 0;
  bool slow = false;  // a straggler link: drawn red and marked "slow"
};
// The rate of every link of a collective, one horizontal bar each, slow links red and marked,
// with a dashed line at `median_gbit_s` when it is > 0. With more than kMaxBars links the
// kMaxBars slowest are shown, slowest first (and it says so), so no slow link is left out.
std::string linksChart(const std::string& title, const std::vector<LinkBar>& bars, double median_gbit_s);

struct Heatmap {
  std::string title;
  std::string unit;                                  // "µs", "Gbit/s"
  bool higher_is_better = false;                     // picks the colour scale's direction
  std::string row_title = "agent";                  // what rows and columns are
  std::string column_title = "peer";
  std::vector<std::string> labels;                   // rows (senders) and columns alike
  std::vector<std::vector<std::optional<double>>> values;  // [row][column]; nullopt: no value
  std::vector<std::pair<size_t, size_t>> flagged;   // outlier pairs (either order): outlined
  std::string note;                                  // a line under the matrix, e.g. the suspect host
  std::vector<std::string> groups;                   // per label: its switch ("" unknown); may be empty
};
// Host × host matrix: a coloured cell per value with the value written in it (when the cells
// are large enough), a colour scale with its range, row and column labels. When any group is
// known, rows and columns are ordered by group (switch) then label, hosts of no known switch
// last, each group's name is written left of its rows (<text class="group">) and a line
// separates the groups; column numbers stay the agents' matrix indexes.
std::string heatmapChart(const Heatmap& h);

}  // namespace fabcheck::reports::svg
