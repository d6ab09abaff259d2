#include "harness/pair/pair_session.h"

#include <map>
#include <optional>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "generators/core/log.h"
#include "generators/core/version.h"
#include "generators/engine/flow_set.h"
#include "harness/pair/pair_limits.h"
#include "harness/pair/pair_one_sided.h"
#include "harness/protocol/control_channel.h"
#include "harness/protocol/run_secret.h"

namespace fabcheck::pair {

using nlohmann::json;
using protocol::MessageChannel;

namespace {

class Session {
 public:
  Session(const ServerConfig& config, MessageChannel& ch, bool same_clock)
      : config_(config), ch_(ch), same_clock_(same_clock), session_id_(protocol::generateRunSecret().hex().substr(0, 32)) {}

  const std::string& id() const { return session_id_; }
  void serve(const std::atomic<bool>& stop);

 private:
  void runTest(const json& request);
  // The request decoded, checked and its transport made; nullopt when refused (error sent).
  std::optional<msg::Test> acceptTest(const json& request, std::unique_ptr<transport::Transport>& transport);
  void runFlows(const patterns::PatternParams& params, const patterns::PatternPlan& plan, engine::FlowSet& flows);
  void waitOneSided(const patterns::PatternParams& params);
  void sendError(const std::string& message) {
    ch_.send(protocol::encode(msg::ErrorMessage{message}), config_.control_timeout_ns);
  }

  const ServerConfig& config_;
  MessageChannel& ch_;
  bool same_clock_;
  std::string session_id_;
};

void Session::serve(const std::atomic<bool>& stop) {
  int64_t last_heard = monoNowNs();
  while (!stop.load()) {
    std::optional<json> m = ch_.tryReceive(200'000'000);
    if (!m) {
      if (monoNowNs() - last_heard < config_.idle_timeout_ns) continue;
      sendError("server: no test from " + ch_.peer() + " within the idle timeout of " +
                std::to_string(config_.idle_timeout_ns / 1'000'000'000) + " s; closing");
      throw TimeoutError("idle for " + std::to_string(config_.idle_timeout_ns / 1'000'000'000) + " s after hello");
    }
    const std::string type = protocol::typeOf(*m);
    if (type == msg::Bye::kType) return;
    if (type != msg::Test::kType) {
      sendError("server: unexpected message '" + type + "' from " + ch_.peer() + " between tests");
      throw ProtocolError("unexpected message '" + type + "' between tests");
    }
    protocol::expectMessage(*m, msg::Test::kType, ch_.peer(), "test request");
    runTest(*m);
    last_heard = monoNowNs();
  }
}

std::optional<msg::Test> Session::acceptTest(const json& request, std::unique_ptr<transport::Transport>& transport) {
  msg::Test test;
  try {
    test = protocol::decodeStrict<msg::Test>(request);
  } catch (const Error& e) {  // "malformed 'test' message: 'flows': expected a whole number ..."
    sendError(std::string("server rejected the test: ") + e.what());
    return std::nullopt;
  }
  if (config_.secret && test.session != session_id_) {
    const std::string why = "the test request does not carry this session's id (a replayed request?)";
    sendError("server rejected the test: " + why);
    throw ProtocolError(why);
  }
  try {
    transport::TransportOptions options = test.transport_options;
    options.bind_interface = config_.bind_interface;  // the server's own choice, never the client's
    if (test.transport == "verbs") {  // our NIC (or discovery), never the client's
      for (const char* key : {"device", "port", "gid_index"}) options.extra.erase(key);
      for (const auto& [key, value] : config_.local_extra) options.extra[key] = value;
    }
    transport = transport::createTransport(test.transport, options);
    patterns::validate(test.params, transport->properties().max_message_bytes, test.transport);
    checkLimits(test.params, config_.limits);
    return test;
  } catch (const Error& e) {
    sendError(std::string("server rejected the test: ") + e.what());
    return std::nullopt;
  }
}

void Session::runTest(const json& request) {
  std::unique_ptr<transport::Transport> transport;
  const std::optional<msg::Test> test = acceptTest(request, transport);
  if (!test) return;
  const patterns::PatternParams& params = test->params;
  patterns::PatternPlan plan = patterns::planPair(params);
  paceServerFlows(plan, config_.limits, /*me=*/1);

  // One data endpoint per flow, on the address the client reached us at, for the client alone.
  std::vector<std::unique_ptr<transport::Listener>> listeners;
  msg::Endpoints endpoints;
  try {
    for (size_t i = 0; i < plan.flows.size(); ++i) {
      listeners.push_back(transport->listen(
          {.address = ch_.localAddress(), .port = 0, .peer_address = hostOfPeer(ch_.peer())}));
      endpoints.endpoints.push_back(listeners.back()->endpoint());
    }
  } catch (const Error& e) {
    sendError(std::string("server cannot listen: ") + e.what());
    return;
  }
  ch_.send(protocol::encode(endpoints), config_.control_timeout_ns);

  std::map<uint32_t, std::unique_ptr<transport::Connection>> conns;
  for (size_t i = 0; i < plan.flows.size(); ++i) {
    conns[plan.flows[i].flow_id] = listeners[i]->accept(config_.control_timeout_ns);
  }
  if (oneSidedOpcode(test->transport_options)) {
    waitOneSided(params);  // the client writes into or reads from our memory; nothing to run here
    return;
  }
  engine::FlowSet flows(transport->properties(), params, plan, /*me=*/1, std::move(conns),
                        {.same_clock = same_clock_, .busy_poll = test->busy_poll.value_or(false)});
  runFlows(params, plan, flows);
}

// A one-sided test's server side: the connections stay open (their memory exposed) from "ready"
// to the client's stop; the initiator alone measures.
void Session::waitOneSided(const patterns::PatternParams& params) {
  ch_.send(protocol::encode(msg::Ready{}), config_.control_timeout_ns);
  msg::expect<msg::Start>(ch_.receive(config_.control_timeout_ns, "waiting for start"), ch_.peer(), "start");
  ch_.send(protocol::encode(msg::Started{}), config_.control_timeout_ns);
  log::info("client {}: one-sided test of {}-byte ops running", ch_.peer(), params.size_bytes);
  const int64_t run_ns = runLimitNs(params, config_.limits);
  msg::expect<msg::Stop>(ch_.receive(run_ns + config_.control_timeout_ns, "waiting for the client to finish"),
                         ch_.peer(), "stop");
  ch_.send(protocol::encode(msg::Results{}), config_.control_timeout_ns);
}

// From "ready" to "results": this side's flows run between the client's start and stop, and never
// past runLimitNs() + the control timeout (FlowSet's destructor stops them when we throw).
void Session::runFlows(const patterns::PatternParams& params, const patterns::PatternPlan& plan,
                       engine::FlowSet& flows) {
  flows.startReceivers();
  ch_.send(protocol::encode(msg::Ready{}), config_.control_timeout_ns);

  msg::expect<msg::Start>(ch_.receive(config_.control_timeout_ns, "waiting for start"), ch_.peer(), "start");
  flows.startSenders(monoNowNs());
  ch_.send(protocol::encode(msg::Started{}), config_.control_timeout_ns);
  log::info("client {}: {} test, {} flows of {}-byte messages running", ch_.peer(), patterns::toString(params.kind),
            plan.flows.size(), params.size_bytes);

  const int64_t run_ns = runLimitNs(params, config_.limits);
  const auto stop = msg::expect<msg::Stop>(
      ch_.receive(run_ns + config_.control_timeout_ns, "waiting for the client to finish sending"), ch_.peer(), "stop");
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
  ch_.send(protocol::encode(results), config_.control_timeout_ns);
}

}  // namespace

std::string hostOfPeer(const std::string& peer) {
  if (!peer.empty() && peer.front() == '[') {
    const size_t end = peer.find(']');
    return end == std::string::npos ? peer : peer.substr(1, end - 1);
  }
  const size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

void runSession(const ServerConfig& config, MessageChannel& ch, const msg::Hello& hello,
                const std::atomic<bool>& stop) {
  const std::string my_boot = bootId();
  Session session(config, ch, !my_boot.empty() && hello.boot_id == my_boot);
  ch.send(protocol::encode(msg::Welcome{kVersion, hostName(), my_boot, session.id()}), config.control_timeout_ns);
  session.serve(stop);
}

}  // namespace fabcheck::pair
