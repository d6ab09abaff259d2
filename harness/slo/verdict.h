// SLO verdicts: each SLO of a test against the test's flat metrics (flattenMetrics()), and the
// test's verdict from its SLOs'. Also the suite-time check of every SLO (validateSlos()).
//
// Contract (docs/architecture.md, "Interfaces and their contracts"):
// - evaluate() never throws. A test that did not complete (its error is non-empty) gives kError
//   for every SLO, the error as the reason. An expression that does not parse gives kError with
//   the parse error (followed by the test's error when there is one: neither hides the other) (validateSlos() catches those before a run). A metric that is not in the map
//   (this pattern or fabric does not produce it, or it needs something the run lacked, e.g. 2
//   flows for jain_fairness) gives kSkipped with a reason naming the metric and what produces it:
//   a missing metric is NEVER a pass. Otherwise kPass or kFail by holds() (slo_expression.h), with
//   the observed value and the threshold, and a reason like
//   "latency_us.p99 = 31.2 us, expected <= 25".
// - testVerdict(): the test's error → kError; else any kError → kError; else any kFail → kFail;
//   else when there are SLOs and every one was skipped → kSkipped (nothing was checked); else
//   kPass (some SLO passed and the rest were skipped, or the test has no SLOs and ran).
// - validateSlos(): parses every SLO of every test with that test's constants and checks that the
//   test's pattern (metricPattern()) produces its metric. One Diagnostic per bad SLO, at the SLO's
//   position in the suite file; the message is parseSlo()'s one line, or "slo '<text>': metric
//   '<m>' is not produced by pattern <p> (test '<name>'); it comes from <patterns>". Empty: all good.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/slo/slo_expression.h"
#include "harness/suite/suite.h"
#include "harness/suite/suite_loader.h"

namespace fabcheck::slo {

enum class Verdict : uint8_t { kPass, kFail, kError, kSkipped };

std::string_view toString(Verdict v) noexcept;  // "pass", "fail", "error", "skipped"

struct SloResult {
  std::string expression;          // as written
  Verdict verdict = Verdict::kError;
  std::optional<double> observed;  // set for kPass and kFail
  double threshold = 0;            // the right side's value (0 when the expression did not parse)
  std::string reason;              // one line for people
  suite::SourcePos pos;            // the SLO in the suite file
  std::string metric;              // canonical metric name ("" when the expression did not parse)
  std::string unit;                // the metric's unit ("" = dimensionless or unknown)
  std::string op;                  // the comparison ("<=", ...; "" when the expression did not parse)
};

// `why_missing`: metric → why the test has no value for it (the summary's "metrics_missing",
// e.g. "h2: ethtool unavailable: ..."); a skipped SLO then says that instead of a generic reason.
SloResult evaluate(const suite::Slo& slo, const std::map<std::string, double>& metrics, const Constants& constants,
                   const std::string& test_error, const std::map<std::string, std::string>& why_missing = {});

Verdict testVerdict(const std::vector<SloResult>& results, const std::string& test_error);

// The constants (constantRegistry()) that have a value for this test: line_rate_gbps and mtu
// from the fabric when known (> 0), size_bytes and flows from the test, rate_gbps when the test
// has a bit-rate target.
Constants constantsFor(const suite::Suite& suite, const suite::SuiteTest& test);

std::vector<suite::Diagnostic> validateSlos(const suite::Suite& suite);

// One warning per SLO that names a metric by a deprecated name (metric_registry.h), at the SLO's
// position: "warning: slo '<text>': metric 'collective.busbw_gbps' is deprecated: use
// 'collective.busbw_gbytes_s' (GB/s = 10^9 bytes/s); the old name reads the same value until the
// next release". Diagnostic::str() prefixes file:line:col. SLOs that do not parse are
// validateSlos()'s; they give no warning here.
std::vector<suite::Diagnostic> sloWarnings(const suite::Suite& suite);

}  // namespace fabcheck::slo
