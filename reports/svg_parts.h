// The drawing parts the SVG charts share (svg_charts.cpp, svg_distribution.cpp,
// svg_group_heatmap.cpp): the line charts' frame, scales and ticks, the opening <svg> tag, the
// "no data" chart, axes, legend, the heat colour scale. Internal to reports/: the charts'
// contract is in svg_charts.h.
//
// Contract: pure functions; every text they write is XML-escaped; numbers in attributes are
// written with one decimal (px).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "reports/svg_charts.h"

namespace fabcheck::reports::svg::parts {

// Frame of the line charts: viewBox size and the plot area's margins.
inline constexpr double kW = 600, kH = 300, kLeft = 64, kRight = 16, kTop = 40, kBottom = 50;
inline constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
inline constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);
inline constexpr const char* kLostColour = "#d62728";
inline constexpr const char* kBarColour = "#4a8bc9";

// A coordinate with one decimal: "12.5".
std::string px(double v);

// Maps [lo, hi] (log10 of them when `log`) onto pixels [p0, p1].
struct Scale {
  double lo = 0, hi = 1, p0 = 0, p1 = 1;
  bool log = false;
  double operator()(double v) const;
};

struct Tick {
  double value;
  std::string label;
};

// 1, 2 or 5 × 10^k, so that `span` holds about `target` steps.
double niceStep(double span, int target);
// Widens [lo, hi] to whole steps and returns the ticks on it.
std::vector<Tick> linearTicks(double& lo, double& hi, int target = 5);
// Widens [lo, hi] (both > 0) to whole decades; ticks at 1 (and 2, 5 over few decades) × 10^k.
std::vector<Tick> logTicks(double& lo, double& hi);

// `<svg class="chart" data-chart="KIND" ...>` and the chart's title; the caller closes it.
std::string open(const char* kind, double w, double h, const std::string& title);
// A whole small chart saying "no data".
std::string noData(const char* kind, const std::string& title);
// Grid, ticks, tick labels and axis titles of a line chart's plot area.
std::string axes(const Scale& xs, const Scale& ys, const std::vector<Tick>& xt, const std::vector<Tick>& yt,
                 const std::string& xlabel, const std::string& ylabel);
// A legend with one entry per name (nothing for fewer than two), its right edge at `right`.
std::string legend(const std::vector<std::string>& names, double right, double top);

std::vector<Point> finitePoints(const std::vector<Point>& in, bool positive_y);
// Averages consecutive points so that at most `max_points` remain.
std::vector<Point> downsample(const std::vector<Point>& in, size_t max_points);
std::string polyline(const std::vector<Point>& pts, const Scale& xs, const Scale& ys);

// Cuts a UTF-8 label to `max` code points ("…" marks the cut).
std::string shorten(const std::string& s, size_t max);
// Yellow (good) → dark red (bad), t in [0, 1].
std::string heat(double t);

// The heatmap's colour scale at (sx, sy): ten steps from the best (top) to the worst, anchored
// on the median, with the range of the values and the chart's note under it.
std::string heatmapScale(const Heatmap& hm, double sx, double sy, double median, double vmin, double vmax);

}  // namespace fabcheck::reports::svg::parts
