#include "harness/slo/verdict.h"

#include <cmath>

#include <fmt/format.h>

#include "generators/core/errors.h"
#include "harness/slo/metric_registry.h"

namespace fabcheck::slo {

std::string_view toString(Verdict v) noexcept {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "fail";
    case Verdict::kError: return "error";
    case Verdict::kSkipped: return "skipped";
  }
  return "?";
}

namespace {

// Whole numbers (packet counts) in full, everything else to 6 significant digits.
std::string number(double x) {
  if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 1e15) return fmt::format("{:.0f}", x);
  return fmt::format("{:.6g}", x);
}

std::string thresholdText(const SloExpression& e) {
  const std::string value = number(e.threshold);
  return e.threshold_text == value ? value : e.threshold_text + " = " + value;
}

// Why `metric` is absent: its own entry, else the longest "prefix.*" entry it falls under
// (a switch that was not read: "switch.leaf1.*").
const std::string* whyMissing(const std::map<std::string, std::string>& why_missing, const std::string& metric) {
  if (auto it = why_missing.find(metric); it != why_missing.end()) return &it->second;
  const std::string* best = nullptr;
  size_t best_len = 0;
  for (const auto& [name, why] : why_missing) {
    if (name.size() < 2 || name.compare(name.size() - 2, 2, ".*") != 0) continue;
    const size_t len = name.size() - 1;  // keeps the dot
    if (len > best_len && metric.compare(0, len, name, 0, len) == 0) {
      best = &why;
      best_len = len;
    }
  }
  return best;
}

}  // namespace

SloResult evaluate(const suite::Slo& slo, const std::map<std::string, double>& metrics, const Constants& constants,
                   const std::string& test_error, const std::map<std::string, std::string>& why_missing) {
  SloResult r;
  r.expression = slo.expression;
  r.pos = slo.pos;
  r.verdict = Verdict::kError;
  SloExpression e;
  try {
    e = parseSlo(slo.expression, constants);
  } catch (const ConfigError& err) {
    // Both: the expression's own error is not hidden by the test's (issue 19).
    r.reason = test_error.empty() ? err.what() : std::string(err.what()) + "; and the test did not complete: " + test_error;
    return r;
  }
  r.threshold = e.threshold;
  r.metric = e.metric;
  r.op = std::string(toString(e.op));
  const MetricInfo* info = findMetric(e.metric);
  r.unit = info ? info->unit : "";
  if (!test_error.empty()) {
    r.reason = "the test did not complete: " + test_error;
    return r;
  }
  const auto it = metrics.find(e.metric);
  if (it == metrics.end()) {
    r.verdict = Verdict::kSkipped;
    if (const std::string* why = whyMissing(why_missing, e.metric)) {
      r.reason = "metric '" + e.metric_as_written + "' is not available: " + *why;
      return r;
    }
    r.reason = "metric '" + e.metric_as_written + "' is not available in this test's results (produced by " +
               (info ? patternList(*info) : std::string("?")) +
               (info && !info->condition.empty() ? ", when " + info->condition : std::string()) + ")";
    return r;
  }
  r.observed = it->second;
  const bool ok = holds(it->second, e.op, e.threshold);
  r.verdict = ok ? Verdict::kPass : Verdict::kFail;
  const std::string unit = r.unit.empty() ? "" : " " + r.unit;
  r.reason = e.metric_as_written + " = " + number(it->second) + unit + (ok ? ", within " : ", expected ") +
             std::string(toString(e.op)) + " " + thresholdText(e) + unit;
  return r;
}

Verdict testVerdict(const std::vector<SloResult>& results, const std::string& test_error) {
  if (!test_error.empty()) return Verdict::kError;
  bool fail = false, all_skipped = !results.empty();
  for (const auto& r : results) {
    if (r.verdict == Verdict::kError) return Verdict::kError;
    if (r.verdict == Verdict::kFail) fail = true;
    if (r.verdict != Verdict::kSkipped) all_skipped = false;
  }
  if (fail) return Verdict::kFail;
  return all_skipped ? Verdict::kSkipped : Verdict::kPass;
}

Constants constantsFor(const suite::Suite& suite, const suite::SuiteTest& test) {
  Constants c;
  if (suite.fabric.line_rate_gbps > 0) c["line_rate_gbps"] = suite.fabric.line_rate_gbps;
  if (suite.fabric.mtu > 0) c["mtu"] = suite.fabric.mtu;
  const auto& p = test.spec.params;
  c["size_bytes"] = p.size_bytes;
  c["flows"] = p.flows;
  if (p.rate_bps > 0) c["rate_gbps"] = p.rate_bps / 1e9;
  return c;
}

std::vector<suite::Diagnostic> validateSlos(const suite::Suite& suite) {
  std::vector<suite::Diagnostic> out;
  for (const auto& test : suite.tests) {
    const Constants constants = constantsFor(suite, test);
    const std::string pattern = metricPattern(test.spec);
    for (const auto& slo : test.slos) {
      try {
        const SloExpression e = parseSlo(slo.expression, constants);
        const MetricInfo* m = findMetric(e.metric);
        if (m && !producedBy(*m, pattern) && !(test.spec.probe && producedBy(*m, "probe"))) {
          out.push_back({slo.pos, "slo '" + slo.expression + "': metric '" + e.metric_as_written +
                                      "' is not produced by pattern " + pattern + " (test '" + test.spec.name +
                                      "'); it comes from " + patternList(*m)});
        }
      } catch (const ConfigError& err) {
        out.push_back({slo.pos, err.what()});
      }
    }
  }
  return out;
}

std::vector<suite::Diagnostic> sloWarnings(const suite::Suite& suite) {
  std::vector<suite::Diagnostic> out;
  for (const auto& test : suite.tests) {
    const Constants constants = constantsFor(suite, test);
    for (const auto& slo : test.slos) {
      try {
        const SloExpression e = parseSlo(slo.expression, constants);
        if (std::string w = deprecationWarning(e.metric_as_written); !w.empty()) {
          out.push_back({slo.pos, "warning: slo '" + slo.expression + "': " + w});
        }
      } catch (const ConfigError&) {
        // validateSlos() reports it
      }
    }
  }
  return out;
}

}  // namespace fabcheck::slo
