#include "harness/pair/pair_client.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "generators/core/version.h"
#include "generators/engine/flow_set.h"
#include "harness/pair/pair_messages.h"
#include "harness/protocol/control_channel.h"

namespace fabcheck::pair {
namespace {

using nlohmann::json;
using protocol::ControlChannel;
using protocol::expectMessage;
using protocol::makeMessage;

constexpr int64_t kDrainAllowanceNs = 3'000'000'000;  // receivers' drain_max plus margin

template <typename T>
void sortByFlow(std::vector<T>& v) {
  std::sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.flow_id < b.flow_id; });
}

// Runs one message size; returns its result. Throws on any control-plane failure.
SizeResult runSize(ControlChannel& ch, const ClientConfig& cfg, transport::Transport& transport,
                   const transport::TransportProperties& props, patterns::PatternParams params,
                   bool same_clock, const std::atomic<bool>& interrupt) {
  const std::string where = "server " + ch.peer();
  json test = makeMessage(msg::kTest);
  test["params"] = params;
  test["transport"] = cfg.transport;
  test["transport_options"] = json::parse(transport::transportOptionsToJson(cfg.transport_options));
  ch.send(test, cfg.control_timeout_ns);

  json reply = ch.receive(cfg.control_timeout_ns, "waiting for the server's data endpoints");
  expectMessage(reply, msg::kEndpoints, ch.peer(), "test set-up");
  const patterns::PatternPlan plan = patterns::planPair(params);
  const json& endpoints = reply.at("endpoints");
  if (endpoints.size() != plan.flows.size()) {
    throw ProtocolError(where + " offered " + std::to_string(endpoints.size()) + " data endpoints for " +
                        std::to_string(plan.flows.size()) + " flows");
  }
  std::map<uint32_t, std::unique_ptr<transport::Connection>> conns;
  for (size_t i = 0; i < plan.flows.size(); ++i) {
    auto desc = transport::EndpointDesc::fromJson(endpoints[i].dump());
    conns[plan.flows[i].flow_id] =
        transport.connect(desc, {.local_address = cfg.local_address, .timeout_ns = cfg.control_timeout_ns});
  }
  expectMessage(ch.receive(cfg.control_timeout_ns, "waiting for the server to accept the data connections"),
                msg::kReady, ch.peer(), "connect");

  engine::FlowSet flows(props, params, plan, /*me=*/0, std::move(conns),
                        {.same_clock = same_clock, .busy_poll = cfg.busy_poll});
  flows.startReceivers();
  ch.send(makeMessage(msg::kStart), cfg.control_timeout_ns);
  expectMessage(ch.receive(cfg.control_timeout_ns, "waiting for the server to start"), msg::kStarted, ch.peer(),
                "start");

  // Senders end by duration/iterations; an interrupt ends them early, and so does a server
  // that goes away (the control connection closes or errs: no point sending into the void).
  // The watcher alone uses the channel until the senders are done.
  std::atomic<bool> senders_done{false};
  std::string server_gone;
  std::thread watcher([&] {
    while (!senders_done.load()) {
      if (interrupt.load()) flows.stopSenders();
      if (server_gone.empty()) {
        try {
          if (auto m = ch.tryReceive(0, "running the test")) {
            server_gone = "sent '" + m->value("type", std::string("?")) + "' in the middle of the test: " +
                          m->value("message", std::string());
          }
        } catch (const Error& e) {
          server_gone = e.what();
        }
        if (!server_gone.empty()) flows.stopSenders();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  flows.startSenders(monoNowNs());
  flows.waitSenders();
  senders_done = true;
  watcher.join();
  if (!server_gone.empty()) {
    throw TransportError(where + " failed during the test (size " + std::to_string(params.size_bytes) +
                         "): " + server_gone);
  }
  if (auto errors = flows.errors(); !errors.empty()) {  // e.g. the peer stopped answering pings
    throw TransportError(where + ", size " + std::to_string(params.size_bytes) + ": " + errors.front());
  }

  SizeResult out;
  out.params = params;
  out.same_clock = same_clock;
  out.senders = flows.senderResults();
  out.pingpongs = flows.pingpongResults();
  json stop = makeMessage(msg::kStop);
  stop["senders"] = out.senders;
  stop["interrupted"] = interrupt.load();
  ch.send(stop, cfg.control_timeout_ns);

  json results = ch.receive(cfg.control_timeout_ns + kDrainAllowanceNs + params.warmup_ns + params.duration_ns,
                            "waiting for the server's results");
  expectMessage(results, msg::kResults, ch.peer(), "results");
  std::map<uint32_t, uint64_t> server_sent;
  for (const auto& s : results.at("senders")) {
    auto r = s.get<engine::SenderResult>();
    server_sent[r.flow_id] = r.packets;
    out.senders.push_back(r);
  }
  flows.finishReceivers(server_sent);
  out.receivers = results.at("receivers").get<std::vector<engine::ReceiverResult>>();
  for (auto& r : flows.receiverResults()) out.receivers.push_back(r);
  out.responders = results.at("responders").get<std::vector<engine::ResponderResult>>();
  sortByFlow(out.senders);
  sortByFlow(out.receivers);

  std::vector<std::string> errors = flows.errors();
  for (const auto& e : results.at("errors")) errors.push_back("server: " + e.get<std::string>());
  if (!errors.empty()) throw TransportError(where + ", size " + std::to_string(params.size_bytes) + ": " + errors.front());
  return out;
}

}  // namespace

PairRun runPairClient(const ClientConfig& cfg, const std::atomic<bool>& interrupt, const SizeCallback& on_size) {
  auto transport = transport::createTransport(cfg.transport, cfg.transport_options);
  const transport::TransportProperties props = transport->properties();
  std::vector<uint32_t> sizes = cfg.sizes.empty() ? std::vector<uint32_t>{cfg.params.size_bytes} : cfg.sizes;
  for (uint32_t size : sizes) {  // reject bad input before touching the network
    patterns::PatternParams p = cfg.params;
    p.size_bytes = size;
    patterns::validate(p, props.max_message_bytes, cfg.transport);
  }

  ControlChannel ch = ControlChannel::connect(cfg.host, cfg.port, cfg.control_timeout_ns);
  json hello = makeMessage(msg::kHello);
  hello["fabcheck_version"] = kVersion;
  hello["host"] = hostName();
  hello["boot_id"] = bootId();
  ch.send(hello, cfg.control_timeout_ns);
  json welcome = ch.receive(cfg.control_timeout_ns, "waiting for the server's welcome");
  expectMessage(welcome, msg::kWelcome, ch.peer(), "hello");
  const std::string boot = bootId();
  const bool same_clock = !boot.empty() && welcome.value("boot_id", "") == boot;

  PairRun run;
  run.client_host = hostName();
  run.server_host = welcome.value("host", cfg.host);
  run.transport = cfg.transport;
  run.properties = props;
  for (uint32_t size : sizes) {
    if (interrupt.load()) break;
    patterns::PatternParams p = cfg.params;
    p.size_bytes = size;
    run.sizes.push_back(runSize(ch, cfg, *transport, props, p, same_clock, interrupt));
    if (on_size) on_size(run, run.sizes.back());
  }
  run.interrupted = interrupt.load();
  try {
    ch.send(makeMessage(msg::kBye), cfg.control_timeout_ns);
  } catch (const Error&) {
    // The results are in hand; a server gone at goodbye changes nothing.
  }
  return run;
}

}  // namespace fabcheck::pair
