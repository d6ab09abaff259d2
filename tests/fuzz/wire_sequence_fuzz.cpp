// Fuzzes the receive path of the data plane's accounting: the wire header decoder
// (generators/measure/wire_header.h) and the per-flow sequence tracker
// (generators/measure/sequence_tracker.h). The input is: u32 reorder window, u32 first_seq, then
// datagrams, each a u8 length and that many bytes, decoded as a wire header; every header that
// decodes feeds its seq to the tracker, as a receiver does. At the end finish() is called and the
// tracker's documented invariant is checked: received + lost == expected (a violation aborts).
// Expected refusal: ConfigError for a window of 0 or above 2^24.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <span>

#include "generators/measure/sequence_tracker.h"
#include "generators/measure/wire_header.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

uint32_t takeU32(const uint8_t*& p, const uint8_t* end) {
  uint32_t v = 0;
  for (int i = 0; i < 4 && p < end; ++i) v = (v << 8) | *p++;
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fabcheck::measure;
  const uint8_t* p = data;
  const uint8_t* end = data + size;
  // Small windows reach the window and history edges in few datagrams; 2^24 + 1 is refused.
  const uint32_t raw_window = takeU32(p, end);
  const uint32_t window = raw_window % 2 ? raw_window % 300 : raw_window;
  const uint32_t first_seq = takeU32(p, end);
  fabcheck::fuzz::fuzzInput(data, 0, [&](const std::string&) {
    SequenceTracker tracker(window, first_seq);
    while (p < end) {
      const size_t wanted = *p++;
      const size_t length = std::min<size_t>(wanted, static_cast<size_t>(end - p));
      WireHeader header;
      if (decodeWireHeader(std::span(reinterpret_cast<const std::byte*>(p), length), header) == WireStatus::kOk)
        (void)tracker.onSequence(header.seq);
      p += length;
    }
    const SequenceCounts before = tracker.counts();
    tracker.finish(before.expected + (window % 7));
    const SequenceCounts after = tracker.counts();
    if (after.received + after.lost != after.expected) std::abort();
  });
  return 0;
}
