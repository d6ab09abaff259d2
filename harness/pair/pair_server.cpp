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
#include "harness/protocol/control_channel.h"

namespace fabcheck::pair {

using nlohmann::json;
using protocol::ControlChannel;
using protocol::expectMessage;
using protocol::makeMessage;

struct PairServer::Impl {
  ServerConfig config;
  protocol::ControlListener listener;

  void serveSession(ControlChannel& ch, const std::atomic<bool>& stop);
  void runTest(ControlChannel& ch, const json& request, bool same_clock);
  void sendError(ControlChannel& ch, const std::string& message) {
    json e = makeMessage(msg::kError);
    e["message"] = message;
    ch.send(e, config.control_timeout_ns);
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
  json hello = ch.receive(config.control_timeout_ns, "waiting for the client's hello");
  expectMessage(hello, msg::kHello, ch.peer(), "hello");
  const std::string my_boot = bootId();
  const bool same_clock = !my_boot.empty() && hello.value("boot_id", "") == my_boot;
  json welcome = makeMessage(msg::kWelcome);
  welcome["fabcheck_version"] = kVersion;
  welcome["host"] = hostName();
  welcome["boot_id"] = my_boot;
  ch.send(welcome, config.control_timeout_ns);

  while (!stop.load()) {
    std::optional<json> m = ch.tryReceive(200'000'000);
    if (!m) continue;
    const std::string type = m->value("type", "");
    if (type == msg::kBye) return;
    if (type != msg::kTest) {
      sendError(ch, "server: unexpected message '" + type + "' from " + ch.peer() + " between tests");
      throw ProtocolError("unexpected message '" + type + "' between tests");
    }
    expectMessage(*m, msg::kTest, ch.peer(), "test request");
    runTest(ch, *m, same_clock);
  }
}

void PairServer::Impl::runTest(ControlChannel& ch, const json& request, bool same_clock) {
  patterns::PatternParams params;
  std::unique_ptr<transport::Transport> transport;
  transport::TransportProperties props;
  std::string tname;
  try {
    params = request.at("params").get<patterns::PatternParams>();
    tname = request.at("transport").get<std::string>();
    transport::TransportOptions options = transport::transportOptionsFromJson(request.at("transport_options").dump());
    options.bind_interface = config.bind_interface;  // the server's own choice, never the client's
    transport = transport::createTransport(tname, options);
    props = transport->properties();
    patterns::validate(params, props.max_message_bytes, tname);
  } catch (const Error& e) {
    sendError(ch, std::string("server rejected the test: ") + e.what());
    return;
  } catch (const json::exception& e) {
    sendError(ch, std::string("server rejected the test: malformed request: ") + e.what());
    return;
  }
  const patterns::PatternPlan plan = patterns::planPair(params);

  // One data endpoint per flow, on the address the client reached us at.
  std::vector<std::unique_ptr<transport::Listener>> listeners;
  json endpoints = json::array();
  try {
    for (size_t i = 0; i < plan.flows.size(); ++i) {
      listeners.push_back(transport->listen({.address = ch.localAddress(), .port = 0}));
      endpoints.push_back(json::parse(listeners.back()->endpoint().toJson()));
    }
  } catch (const Error& e) {
    sendError(ch, std::string("server cannot listen: ") + e.what());
    return;
  }
  json reply = makeMessage(msg::kEndpoints);
  reply["endpoints"] = endpoints;
  ch.send(reply, config.control_timeout_ns);

  std::map<uint32_t, std::unique_ptr<transport::Connection>> conns;
  for (size_t i = 0; i < plan.flows.size(); ++i) {
    conns[plan.flows[i].flow_id] = listeners[i]->accept(config.control_timeout_ns);
  }
  engine::FlowSet flows(props, params, plan, /*me=*/1, std::move(conns), {.same_clock = same_clock});
  flows.startReceivers();
  ch.send(makeMessage(msg::kReady), config.control_timeout_ns);

  expectMessage(ch.receive(config.control_timeout_ns, "waiting for start"), msg::kStart, ch.peer(), "start");
  flows.startSenders(monoNowNs());
  ch.send(makeMessage(msg::kStarted), config.control_timeout_ns);
  log::info("client {}: {} test, {} flows of {}-byte messages running", ch.peer(), patterns::toString(params.kind),
            plan.flows.size(), params.size_bytes);

  const int64_t run_ns = params.duration_ns > 0 ? params.warmup_ns + params.duration_ns : config.idle_timeout_ns;
  json stop = ch.receive(run_ns + config.control_timeout_ns, "waiting for the client to finish sending");
  expectMessage(stop, msg::kStop, ch.peer(), "stop");
  if (stop.value("interrupted", false)) flows.stopSenders();
  flows.waitSenders();
  std::map<uint32_t, uint64_t> client_sent;
  for (const auto& s : stop.at("senders")) client_sent[s.at("flow_id").get<uint32_t>()] = s.at("packets").get<uint64_t>();
  flows.finishReceivers(client_sent);

  json results = makeMessage(msg::kResults);
  results["senders"] = flows.senderResults();
  results["receivers"] = flows.receiverResults();
  results["responders"] = flows.responderResults();
  results["errors"] = flows.errors();
  ch.send(results, config.control_timeout_ns);
}

}  // namespace fabcheck::pair
