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

  // Records a finished test; returns its one-line result, e.g.
  //   "ring          PASS   9.41 Gbit/s, loss 0, 2/2 SLOs"
  //   "incast        FAIL   latency_us.p99 = 812 (<= 500)"
  std::string add(const nlohmann::json& record);
  nlohmann::json counts() const;  // {pass, fail, error, skipped}
  std::string table() const;      // every test, its verdict and key figures, then the counts

 private:
  std::string suite_;
  std::vector<nlohmann::json> records_;
  std::vector<std::string> lines_;
};

}  // namespace fabcheck::cli
