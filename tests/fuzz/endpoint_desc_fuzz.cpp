// Fuzzes endpoint descriptions (generators/transport/transport.h EndpointDesc), which a peer
// sends for every flow: EndpointDesc::fromJson on the input, then, for an accepted one, the
// round trip through toJson (must give the same description; a difference aborts) and the
// field lookups a transport makes. Expected refusals: ProtocolError, ConfigError.
#include <cstdlib>

#include "generators/transport/transport.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fabcheck::fuzz::fuzzInput(data, size, [](const std::string& text) {
    using fabcheck::transport::EndpointDesc;
    const EndpointDesc desc = EndpointDesc::fromJson(text);
    if (!(EndpointDesc::fromJson(desc.toJson()) == desc)) std::abort();
    for (const char* key : {"address", "port", "family", "qpn", "gid"}) {
      try {
        (void)desc.at(key);
      } catch (const fabcheck::ConfigError&) {
      }
    }
  });
  return 0;
}
