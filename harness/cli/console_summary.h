// The console's view of a run: one line per finished test and the summary table at the end.
// Works from the test records the reporters get (reports/reporter.h), so the console shows
// exactly what the reports hold.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fabcheck::cli {

class ConsoleSummary {
 public:
  explicit ConsoleSummary(std::string suite_name) : suite_(std::move(suite_name)) {}

  // Records a finished test; returns its one-line result, every figure with its unit from the
  // metric registry (reports/metric_units.h), e.g.
  //   "ring          PASS    9.410 Gbit/s, lost 0 packets; 2/2 SLOs passed"
  //   "allreduce     FAIL    ring, busbw 0.0123 GB/s, algbw 0.0082 GB/s, time 511.2 us, jct ratio 10.16;
  //                          FAILED collective.busbw_gbytes_s 0.0123 GB/s >= 0.1 GB/s; 1/2 SLOs passed"
  std::string add(const nlohmann::json& record);
  nlohmann::json counts() const;  // {pass, fail, error, skipped}
  std::string table() const;      // every test, its verdict and key figures, then the counts

 private:
  std::string suite_;
  std::vector<nlohmann::json> records_;
  std::vector<std::string> lines_;
};

}  // namespace fabcheck::cli
