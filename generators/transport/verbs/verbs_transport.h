// The "verbs" transport: RDMA over rdma-core (RoCEv2 or InfiniBand), RC or UD, behind the
// Transport interface.
//
//   listen(address)  picks the device, port and GID for `address` (verbs_addressing.h), opens a
//                    TCP socket for the QP exchange and describes both in endpoint():
//                    {exchange_address, exchange_port, device, gid, lid, link_layer, verb,
//                    connection, qps}
//   connect(desc)    dials the exchange, picks its own device for the local address the route
//                    to the peer uses, creates its QPs and trades QP information
//                    (verbs_bootstrap.h, verbs_side_info.h)
//   accept()         answers one such exchange; returns when the peer's QPs are ready.
//
// Contract: createVerbsTransport() throws UnsupportedError with the reason when the host has no
// RDMA device (or the build has no libibverbs), ConfigError for a bad option
// (verbs_options.h). properties().caveat is set over the software device of the tests: its
// figures are never performance.
#pragma once

#include <memory>

#include "generators/transport/transport.h"
#include "generators/transport/verbs/verbs_api.h"

namespace fabcheck::transport::verbs {

// `api` nullptr: defaultVerbsApi().
std::unique_ptr<Transport> createVerbsTransport(const TransportOptions& options,
                                                std::shared_ptr<VerbsApi> api = nullptr);

}  // namespace fabcheck::transport::verbs
