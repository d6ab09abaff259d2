// Fuzzes message decoding of both control protocols (harness/protocol/message_codec.h with the
// messages of agent_messages.h and pair/pair_messages.h): the input is one frame's JSON text, as
// the channel would hand it over; text that is not JSON is the channel's refusal (skipped here,
// control_frame_fuzz covers it), the rest is decoded as every message type (decode_messages.h).
#include <nlohmann/json.hpp>

#include "tests/fuzz/decode_messages.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json message;
  try {
    message = nlohmann::json::parse(data, data + size);
  } catch (const nlohmann::json::parse_error&) {
    return 0;
  } catch (const nlohmann::json::out_of_range&) {  // 1e400: the channel refuses it (ProtocolError)
    return 0;
  }
  fabcheck::fuzz::fuzzInput(data, 0, [&](const std::string&) { fabcheck::fuzz::decodeEveryMessage(message); });
  return 0;
}
