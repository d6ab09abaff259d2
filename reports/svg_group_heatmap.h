// The heatmap of a matrix too large for a cell per pair (matrix_groups.h): a cell per pair of
// host groups (switches, or blocks of hosts), coloured by the worst pair in it.
//
// Contract
// - One `<svg class="chart" data-chart="matrix" ...>` like svg::heatmapChart's, with the cells in
//   `<g class="grouped" data-basis="switch|block">`, each cell a `<rect class="group-cell">`
//   whose <title> names the two groups, the worst pair's value and its two hosts (row → column,
//   the matrix's labels), the median of the cell's pairs, their count and its outlier pairs.
//   A cell holding a flagged outlier pair is outlined (class "group-cell flagged").
// - Colours as svg::heatmapChart: relative to the median of every pair, the worst value of the
//   cell decides. A cell without a measured pair is grey and says so.
// - Rows are written with the group's name and host count, columns with the name turned upright;
//   the colour scale, range and the heatmap's note at the right. Every text is escaped.
// - Its size depends on the number of groups (≤ kMaxGroups), not on the number of hosts.
#pragma once

#include <string>

#include "reports/matrix_groups.h"
#include "reports/svg_charts.h"

namespace fabcheck::reports::svg {

std::string groupHeatmapChart(const Heatmap& hm, const GroupedMatrix& grouped);

}  // namespace fabcheck::reports::svg
