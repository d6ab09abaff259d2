// The in-process "loop" transport, for unit tests of patterns and receivers.
//
// Contract (beyond transport.h): listen() registers an endpoint in a process-wide registry and
// publishes {"id": N}; ListenOptions are ignored. connect() pairs with it at once (no wait);
// the listener's accept() returns the server end of the next pending pair (a listener may
// accept several peers). Unknown or closed ids -> TransportError. Both ends of a connection may
// run on different threads. Messages are copied (loop_connection.h); receive timestamps are
// kUserSpace; the TOS byte carried is the sender's dscp << 2 | ecn. Fault injection and the queue
// bound come from TransportOptions::extra (loop_options.h).
// properties(): reliable unless a fault is injected; no segmentation, coalescing or RDMA ops.
#pragma once

#include <memory>

#include "generators/transport/transport.h"

namespace fabcheck::transport::loop {

std::unique_ptr<Transport> createLoopTransport(const TransportOptions& options);

}  // namespace fabcheck::transport::loop
