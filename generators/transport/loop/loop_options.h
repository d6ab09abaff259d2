// Options of the in-process "loop" transport, read from TransportOptions::extra.
//
//   "drop_every" = N       drop every Nth message sent (N >= 1; 0 = off)
//   "reorder_every" = N    hold every Nth message and deliver it right after the next one
//                          (swaps pairs); a held message waits for a following one
//   "duplicate_every" = N  deliver every Nth message twice
//   "queue_depth" = N      messages that may wait for a receive buffer at the peer (default 1024)
// Counting is per connection and direction, over messages (a segmented op counts each segment).
// When several apply to one message, drop wins. Unknown keys and non-numbers are ConfigErrors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace fabcheck::transport::loop {

struct LoopOptions {
  uint64_t drop_every = 0;
  uint64_t reorder_every = 0;
  uint64_t duplicate_every = 0;
  size_t queue_depth = 1024;

  bool anyFault() const noexcept { return drop_every != 0 || reorder_every != 0 || duplicate_every != 0; }
};

// Throws ConfigError naming the key, the value and what was expected.
LoopOptions parseLoopOptions(const std::map<std::string, std::string>& extra);

}  // namespace fabcheck::transport::loop
