// The HTML report's part for a placement-matrix test: host × host heatmaps of round-trip p50 and
// throughput from the record's "matrix" (results/test_summary.h, matrix_outliers.h).
//
// Contract
// - Up to kMaxPairHosts hosts (matrix_groups.h): a cell per pair (svg::heatmapChart), hosts
//   grouped by switch when matrix.switches names any, confirmed outlier pairs outlined.
// - Above: the aggregated heatmap (svg::groupHeatmapChart: a cell per pair of switches, or of
//   blocks of hosts) and beside it the drill-down, a table `<table class="worst-pairs">` of the
//   kWorstPairs worst pairs (worst first: value, both directions, each host's group, how far
//   from the median, confirmed outlier or not).
// - A metric whose every cell is null (a pingpong matrix has no throughput) draws nothing; a
//   record of odd shape draws what makes sense and never throws.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace fabcheck::reports {

// The heatmaps (and worst-pairs tables) of the test's matrix, as items of the report's charts
// row; "" when the record has no matrix with values.
std::string matrixChartsHtml(const nlohmann::json& record);

}  // namespace fabcheck::reports
