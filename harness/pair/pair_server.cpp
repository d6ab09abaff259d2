#include "harness/pair/pair_server.h"

#include <map>
#include <optional>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "generators/core/log.h"
#include "generators/core/version.h"
#include "generators/engine/flow_set.h"
#include "harness/pair/pair_messages.h"
#include "harness/pair/pair_one_sided.h"
#include "harness/protocol/control_channel.h"

namespace fabcheck::pair {

using nlohmann::json;
using protocol::ControlChannel;

struct PairServer::Impl {
  ServerConfig config;
  protocol::ControlListener listener;

  void serveSession(ControlChannel& ch, const std::atomic<bool>& stop);
  void runTest(ControlChannel& ch, const json& request, bool same_clock);
  void runFlows(ControlChannel& ch, const patterns::PatternParams& params, const patterns::PatternPlan& plan,
                engine::FlowSet& flows);
  void waitOneSided(ControlChannel& ch, const patterns::PatternParams& params);
  void sendError(ControlChannel& ch, const std::string& message) {
    ch.send(protocol::encode(msg::ErrorMessage{message}), config.control_timeout_ns);
  }
};

PairServer::PairServer(ServerConfig config)
    : impl_(new Impl{config, protocol::ControlListener::listen(config.bind, config.port)}) {}

PairServer::~PairServer() = default;

uint16_t PairServer::port() const { return impl_->listener.port(); }

int PairServer::serve(const std::atomic<bool>& stop) {
  int failed = 0;
  while (!stop.load()) {
    std::optional<ControlChannel> ch;
    try {
      ch.emplace(impl_->listener.accept(200'000'000));
    } catch (const TimeoutError&) {
      continue;
    }
    log::info("client {} connected", ch->peer());
    try {
      impl_->serveSession(*ch, stop);
      log::info("client {} done", ch->peer());
    } catch (const std::exception& e) {
      log::error("session with {}: {}", ch->peer(), e.what());
      ++failed;
    }
    if (impl_->config.once) break;
  }
  return failed;
}

void PairServer::Impl::serveSession(ControlChannel& ch, const std::atomic<bool>& stop) {
  const auto hello =
      msg::expect<msg::Hello>(ch.receive(config.control_timeout_ns, "waiting for the client's hello"), ch.peer(), "hello");
  const std::string my_boot = bootId();
  const bool same_clock = !my_boot.empty() && hello.boot_id == my_boot;
  ch.send(protocol::encode(msg::Welcome{kVersion, hostName(), my_boot}), config.control_timeout_ns);

  while (!stop.load()) {
    std::optional<json> m = ch.tryReceive(200'000'000);
    if (!m) continue;
    const std::string type = protocol::typeOf(*m);
    if (type == msg::Bye::kType) return;
    if (type != msg::Test::kType) {
      sendError(ch, "server: unexpected message '" + type + "' from " + ch.peer() + " between tests");
      throw ProtocolError("unexpected message '" + type + "' between tests");
    }
    protocol::expectMessage(*m, msg::Test::kType, ch.peer(), "test request");
    runTest(ch, *m, same_clock);
  }
}

void PairServer::Impl::runTest(ControlChannel& ch, const json& request, bool same_clock) {
  msg::Test test;
  std::unique_ptr<transport::Transport> transport;
  transport::TransportProperties props;
  try {
    test = protocol::decode<msg::Test>(request);
    transport::TransportOptions options = test.transport_options;
    options.bind_interface = config.bind_interface;  // the server's own choice, never the client's
    if (test.transport == "verbs") {  // our NIC (or discovery), never the client's
      for (const char* key : {"device", "port", "gid_index"}) options.extra.erase(key);
      for (const auto& [key, value] : config.local_extra) options.extra[key] = value;
    }
    transport = transport::createTransport(test.transport, options);
    props = transport->properties();
    patterns::validate(test.params, props.max_message_bytes, test.transport);
  } catch (const Error& e) {  // a malformed request too: "malformed 'test' message: ..."
    sendError(ch, std::string("server rejected the test: ") + e.what());
    return;
  }
  const patterns::PatternParams& params = test.params;
  const patterns::PatternPlan plan = patterns::planPair(params);

  // One data endpoint per flow, on the address the client reached us at.
  std::vector<std::unique_ptr<transport::Listener>> listeners;
  msg::Endpoints endpoints;
  try {
    for (size_t i = 0; i < plan.flows.size(); ++i) {
      listeners.push_back(transport->listen({.address = ch.localAddress(), .port = 0}));
      endpoints.endpoints.push_back(listeners.back()->endpoint());
    }
  } catch (const Error& e) {
    sendError(ch, std::string("server cannot listen: ") + e.what());
    return;
  }
  ch.send(protocol::encode(endpoints), config.control_timeout_ns);

  std::map<uint32_t, std::unique_ptr<transport::Connection>> conns;
  for (size_t i = 0; i < plan.flows.size(); ++i) {
    conns[plan.flows[i].flow_id] = listeners[i]->accept(config.control_timeout_ns);
  }
  if (oneSidedOpcode(test.transport_options)) {
    waitOneSided(ch, params);  // the client writes into or reads from our memory; nothing to run here
    return;
  }
  engine::FlowSet flows(props, params, plan, /*me=*/1, std::move(conns),
                        {.same_clock = same_clock, .busy_poll = test.busy_poll.value_or(false)});
  runFlows(ch, params, plan, flows);
}

// A one-sided test's server side: the connections stay open (their memory exposed) from "ready"
// to the client's stop; the initiator alone measures.
void PairServer::Impl::waitOneSided(ControlChannel& ch, const patterns::PatternParams& params) {
  ch.send(protocol::encode(msg::Ready{}), config.control_timeout_ns);
  msg::expect<msg::Start>(ch.receive(config.control_timeout_ns, "waiting for start"), ch.peer(), "start");
  ch.send(protocol::encode(msg::Started{}), config.control_timeout_ns);
  log::info("client {}: one-sided test of {}-byte ops running", ch.peer(), params.size_bytes);
  const int64_t run_ns = params.duration_ns > 0 ? params.duration_ns : config.idle_timeout_ns;
  msg::expect<msg::Stop>(ch.receive(run_ns + config.control_timeout_ns, "waiting for the client to finish"),
                         ch.peer(), "stop");
  ch.send(protocol::encode(msg::Results{}), config.control_timeout_ns);
}

// From "ready" to "results": this side's flows run between the client's start and stop.
void PairServer::Impl::runFlows(ControlChannel& ch, const patterns::PatternParams& params,
                                const patterns::PatternPlan& plan, engine::FlowSet& flows) {
  flows.startReceivers();
  ch.send(protocol::encode(msg::Ready{}), config.control_timeout_ns);

  msg::expect<msg::Start>(ch.receive(config.control_timeout_ns, "waiting for start"), ch.peer(), "start");
  flows.startSenders(monoNowNs());
  ch.send(protocol::encode(msg::Started{}), config.control_timeout_ns);
  log::info("client {}: {} test, {} flows of {}-byte messages running", ch.peer(), patterns::toString(params.kind),
            plan.flows.size(), params.size_bytes);

  const int64_t run_ns = params.duration_ns > 0 ? params.warmup_ns + params.duration_ns : config.idle_timeout_ns;
  const auto stop = msg::expect<msg::Stop>(
      ch.receive(run_ns + config.control_timeout_ns, "waiting for the client to finish sending"), ch.peer(), "stop");
  if (stop.interrupted) flows.stopSenders();
  flows.waitSenders();
  std::map<uint32_t, uint64_t> client_sent;
  for (const auto& s : stop.senders) client_sent[s.flow_id] = s.packets;
  flows.finishReceivers(client_sent);

  msg::Results results;
  results.senders = flows.senderResults();
  results.receivers = flows.receiverResults();
  results.responders = flows.responderResults();
  results.errors = flows.errors();
  ch.send(protocol::encode(results), config.control_timeout_ns);
}

}  // namespace fabcheck::pair
