#include "harness/model/name_suggestion.h"

#include <algorithm>
#include <cstdint>

namespace fabcheck::model {

namespace {

// The edit distance of a and b when it is at most `bound`, else bound + 1: every path through the
// table passes through each row and never decreases, so once a whole row exceeds the bound the
// answer does too and the remaining rows are not computed.
size_t boundedDistance(const std::string& a, const std::string& b, size_t bound) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    size_t row_min = row[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
      row_min = std::min(row_min, row[j]);
    }
    if (row_min > bound) return bound + 1;
  }
  return std::min(row[b.size()], bound + 1);
}

}  // namespace

std::string nearestKey(const std::string& key, const std::vector<std::string>& known) {
  const size_t limit = std::max<size_t>(2, key.size() / 3);
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& k : known) {
    if (best_d == 0) break;  // nothing beats the key itself
    // A prefix of a known key ("line_rate" for "line_rate_gbps") is as good as a typo.
    const bool prefix = key.size() >= 3 && (k.rfind(key, 0) == 0 || key.rfind(k, 0) == 0);
    // Only a key within the limit that beats the best so far can be the answer, so the distance
    // is measured no further than that: a key whose length alone puts it out of reach is skipped,
    // and the others stop as soon as they cannot come closer. Same answer, but a long or random
    // unknown key (found by fuzzing: a few KB against every metric name, ~40 ms under ASan) costs
    // no quadratic work.
    const size_t bound = std::min(limit, best_d - 1);
    const size_t length_gap = key.size() > k.size() ? key.size() - k.size() : k.size() - key.size();
    if (!prefix && length_gap > bound) continue;
    const size_t d = prefix ? 1 : boundedDistance(key, k, bound);
    if (d <= bound) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

}  // namespace fabcheck::model
