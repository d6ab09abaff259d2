#include "reports/metric_units.h"

#include "harness/slo/metric_registry.h"
#include "reports/record_fields.h"

namespace fabcheck::reports {

std::string metricUnit(const std::string& metric) {
  const slo::MetricInfo* m = slo::findMetric(metric);
  return m ? m->unit : "";
}

std::string withUnit(const std::string& figure, const std::string& unit) {
  return unit.empty() ? figure : figure + " " + unit;
}

std::string sloComparison(const nlohmann::json& slo) {
  if (std::string op = textField(slo, "op"); !op.empty()) return op;
  const std::string e = textField(slo, "expression");
  for (size_t i = 0; i < e.size(); ++i) {
    const char c = e[i], d = i + 1 < e.size() ? e[i + 1] : '\0';
    if ((c == '<' || c == '>' || c == '=' || c == '!') && d == '=') return std::string{c, d};
    if (c == '<' || c == '>') return std::string{c};
  }
  return "?";
}

std::string sloFigure(const nlohmann::json& slo, const std::function<std::string(double)>& format) {
  std::string metric = textField(slo, "metric");
  if (metric.empty()) metric = textField(slo, "expression");
  std::string unit = textField(slo, "unit");
  if (unit.empty()) unit = metricUnit(metric);
  const auto observed = numberField(slo, "observed"), threshold = numberField(slo, "threshold");
  return metric + " " + (observed ? withUnit(format(*observed), unit) : std::string("n/a")) + " " + sloComparison(slo) +
         " " + (threshold ? withUnit(format(*threshold), unit) : std::string("?"));
}

}  // namespace fabcheck::reports
