#include "harness/model/name_suggestion.h"

#include <algorithm>
#include <cstdint>

namespace fabcheck::model {

std::string nearestKey(const std::string& key, const std::vector<std::string>& known) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        const size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    return row[b.size()];
  };
  const size_t limit = std::max<size_t>(2, key.size() / 3);
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& k : known) {
    // A prefix of a known key ("line_rate" for "line_rate_gbps") is as good as a typo.
    const bool prefix = key.size() >= 3 && (k.rfind(key, 0) == 0 || key.rfind(k, 0) == 0);
    // The distance is at least the difference in length: a key that cannot come within the
    // limit (or beat the best so far) is not measured. Same answer, but a long unknown key
    // (found by fuzzing: a few KB against every metric name, ~40 ms under ASan) costs no quadratic work.
    const size_t length_gap = key.size() > k.size() ? key.size() - k.size() : k.size() - key.size();
    if (!prefix && (length_gap > limit || length_gap >= best_d)) continue;
    const size_t d = prefix ? 1 : distance(key, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best_d <= limit ? best : "";
}

}  // namespace fabcheck::model
