#include "harness/counters/counter_sample.h"

namespace fabcheck::counters {

std::string sampleKey(const std::string& name, const Labels& labels) {
  std::string k = name + "{";
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) k += ",";
    first = false;
    k += key + "=" + value;
  }
  return k + "}";
}

}  // namespace fabcheck::counters
