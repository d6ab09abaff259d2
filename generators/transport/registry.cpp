// createTransport() / transportNames() (transport.h): name -> factory.
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "generators/transport/loop/loop_transport.h"
#include "generators/transport/transport.h"
#include "generators/transport/udp/udp_transport.h"
#include "generators/transport/verbs/verbs_probe.h"

namespace fabcheck::transport {

std::vector<std::string> transportNames() { return {"loop", "udp", "verbs"}; }

std::unique_ptr<Transport> createTransport(std::string_view name, const TransportOptions& options) {
  if (name == "loop") return loop::createLoopTransport(options);
  if (name == "udp") return udp::createUdpTransport(options);
  if (name == "verbs") return verbs::createVerbsTransport(options);
  std::string known;
  for (const auto& n : transportNames()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError("unknown transport '" + std::string(name) + "'; expected one of: " + known);
}

}  // namespace fabcheck::transport
