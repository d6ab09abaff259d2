// "Did you mean ...?": the known name closest to a mistyped one, for error messages of the suite
// loader, the fabric spec and SLO expressions (one rule, one implementation).
#pragma once

#include <string>
#include <vector>

namespace fabcheck::model {

// The known key closest to `key` by edit distance (a prefix of a known key, or a known key as a
// prefix, counts as distance 1), or "" when none is within max(2, |key|/3).
std::string nearestKey(const std::string& key, const std::vector<std::string>& known);

}  // namespace fabcheck::model
