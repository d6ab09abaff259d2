// Parsing the loop transport's extra options (loop_options.h).
#include "generators/transport/loop/loop_options.h"

#include <charconv>

#include "generators/core/errors.h"

namespace fabcheck::transport::loop {

namespace {

uint64_t parseCount(const std::string& key, const std::string& value, uint64_t min) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || p != value.data() + value.size() || v < min) {
    throw ConfigError("loop: transport option '" + key + "' is '" + value + "'; expected an integer >= " +
                      std::to_string(min));
  }
  return v;
}

}  // namespace

LoopOptions parseLoopOptions(const std::map<std::string, std::string>& extra) {
  LoopOptions o;
  for (const auto& [key, value] : extra) {
    if (key == "drop_every") {
      o.drop_every = parseCount(key, value, 0);
    } else if (key == "reorder_every") {
      o.reorder_every = parseCount(key, value, 0);
    } else if (key == "duplicate_every") {
      o.duplicate_every = parseCount(key, value, 0);
    } else if (key == "queue_depth") {
      o.queue_depth = parseCount(key, value, 1);
    } else {
      throw ConfigError("loop: unknown transport option '" + key +
                        "'; expected one of: drop_every, duplicate_every, queue_depth, reorder_every");
    }
  }
  return o;
}

}  // namespace fabcheck::transport::loop
