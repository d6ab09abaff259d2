// Units beside figures in reports (console, HTML, JUnit). The one source of a metric's unit is
// the metric registry (harness/slo/metric_registry.h MetricInfo.unit); reporters never spell a
// unit of their own for a metric.
//
// - metricUnit("collective.busbw_gbytes_s") = "GB/s"; "" when the metric is dimensionless or
//   unknown (a deprecated name gives its metric's unit).
// - withUnit("0.42", "GB/s") = "0.42 GB/s"; withUnit("3", "") = "3".
// - sloFigure(slo, format): one SLO of a record (harness/runner/suite_run.h sloJson) as
//   "collective.busbw_gbytes_s 0.42 GB/s >= 0.1 GB/s" (observed, then the comparison and the
//   threshold, each with the SLO's unit; "n/a" when nothing was observed); `format` writes numbers.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace fabcheck::reports {

std::string metricUnit(const std::string& metric);
std::string withUnit(const std::string& figure, const std::string& unit);
std::string sloFigure(const nlohmann::json& slo, const std::function<std::string(double)>& format);

// The comparison of an SLO record: its "op" when present, else the first operator of its
// expression ("metric op threshold"; metric names and thresholds contain none); "?" if none.
std::string sloComparison(const nlohmann::json& slo);

}  // namespace fabcheck::reports
