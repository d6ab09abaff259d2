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
#include "harness/pair/pair_auth.h"
#include "harness/pair/pair_messages.h"
#include "harness/pair/pair_one_sided.h"
#include "harness/protocol/control_channel.h"

namespace fabcheck::pair {
namespace {

using protocol::ControlChannel;
using protocol::MessageChannel;

constexpr int64_t kDrainAllowanceNs = 3'000'000'000;  // receivers' drain_max plus margin

template <typename T>
void sortByFlow(std::vector<T>& v) {
  std::sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.flow_id < b.flow_id; });
}

// Sends the test, connects to the server's data endpoints and waits until it accepted them.
std::map<uint32_t, std::unique_ptr<transport::Connection>> setUpSize(MessageChannel& ch, const ClientConfig& cfg,
                                                                     transport::Transport& transport,
                                                                     const patterns::PatternParams& params,
                                                                     const patterns::PatternPlan& plan,
                                                                     const std::string& session) {
  ch.send(protocol::encode(msg::Test{params, cfg.transport, cfg.transport_options, cfg.busy_poll, session}),
          cfg.control_timeout_ns);
  const auto reply = msg::expect<msg::Endpoints>(
      ch.receive(cfg.control_timeout_ns, "waiting for the server's data endpoints"), ch.peer(), "test set-up");
  if (reply.endpoints.size() != plan.flows.size()) {
    throw ProtocolError("server " + ch.peer() + " offered " + std::to_string(reply.endpoints.size()) +
                        " data endpoints for " + std::to_string(plan.flows.size()) + " flows");
  }
  std::map<uint32_t, std::unique_ptr<transport::Connection>> conns;
  for (size_t i = 0; i < plan.flows.size(); ++i) {
    conns[plan.flows[i].flow_id] = transport.connect(
        reply.endpoints[i], {.local_address = cfg.local_address, .timeout_ns = cfg.control_timeout_ns});
  }
  msg::expect<msg::Ready>(ch.receive(cfg.control_timeout_ns, "waiting for the server to accept the data connections"),
                          ch.peer(), "connect");
  return conns;
}

// Runs the senders to their end. An interrupt ends them early, and so does a server that goes
// away (the control connection closes or errs: no point sending into the void). The watcher
// alone uses the channel until the senders are done. Returns why the server went away, or "".
std::string runSenders(MessageChannel& ch, engine::FlowSet& flows, const std::atomic<bool>& interrupt) {
  std::atomic<bool> senders_done{false};
  std::string server_gone;
  std::thread watcher([&] {
    while (!senders_done.load()) {
      if (interrupt.load()) flows.stopSenders();
      if (server_gone.empty()) {
        try {
          if (auto m = ch.tryReceive(0, "running the test")) {
            const std::string type = protocol::typeOf(*m);
            server_gone = "sent '" + (type.empty() ? std::string("?") : type) + "' in the middle of the test: " +
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
  return server_gone;
}

// Stops the server's side, merges both ends' results into `out`.
void collectResults(MessageChannel& ch, const ClientConfig& cfg, engine::FlowSet& flows,
                    const patterns::PatternParams& params, bool interrupted, SizeResult& out) {
  ch.send(protocol::encode(msg::Stop{out.senders, interrupted}), cfg.control_timeout_ns);
  auto results = msg::expect<msg::Results>(
      ch.receive(cfg.control_timeout_ns + kDrainAllowanceNs + params.warmup_ns + params.duration_ns,
                 "waiting for the server's results"),
      ch.peer(), "results");
  std::map<uint32_t, uint64_t> server_sent;
  for (const auto& r : results.senders) {
    server_sent[r.flow_id] = r.packets;
    out.senders.push_back(r);
  }
  flows.finishReceivers(server_sent);
  out.receivers = std::move(results.receivers);
  for (auto& r : flows.receiverResults()) out.receivers.push_back(r);
  out.responders = std::move(results.responders);
  sortByFlow(out.senders);
  sortByFlow(out.receivers);

  std::vector<std::string> errors = flows.errors();
  for (const auto& e : results.errors) errors.push_back("server: " + e);
  if (!errors.empty()) {
    throw TransportError("server " + ch.peer() + ", size " + std::to_string(params.size_bytes) + ": " + errors.front());
  }
}

// One size of a one-sided run (pair_one_sided.h): the server only waits for our stop.
SizeResult runOneSidedSize(MessageChannel& ch, const ClientConfig& cfg, transport::Transport& transport,
                           const patterns::PatternParams& params, bool same_clock, const std::atomic<bool>& interrupt,
                           transport::Opcode opcode, const std::string& session) {
  const engine::OneSidedPlan plan = oneSidedPlan(opcode, cfg.transport_options, params);
  const patterns::PatternPlan pattern_plan = patterns::planPair(params);
  auto conns = setUpSize(ch, cfg, transport, params, pattern_plan, session);
  ch.send(protocol::encode(msg::Start{}), cfg.control_timeout_ns);
  msg::expect<msg::Started>(ch.receive(cfg.control_timeout_ns, "waiting for the server to start"), ch.peer(), "start");
  SizeResult out;
  out.params = params;
  out.same_clock = same_clock;
  out.verb = verbOf(cfg.transport_options);
  runOneSidedFlows(conns, plan, interrupt, out);
  ch.send(protocol::encode(msg::Stop{out.senders, interrupt.load()}), cfg.control_timeout_ns);
  const auto results = msg::expect<msg::Results>(
      ch.receive(cfg.control_timeout_ns, "waiting for the server's results"), ch.peer(), "results");
  for (const auto& r : out.one_sided) {
    if (!r.error.empty()) {
      throw TransportError("server " + ch.peer() + ", size " + std::to_string(params.size_bytes) + ": " + r.error);
    }
  }
  if (!results.errors.empty()) {
    throw TransportError("server " + ch.peer() + ", size " + std::to_string(params.size_bytes) + ": server: " +
                         results.errors.front());
  }
  return out;
}

// Runs one message size; returns its result. Throws on any control-plane failure.
SizeResult runSize(MessageChannel& ch, const ClientConfig& cfg, transport::Transport& transport,
                   const transport::TransportProperties& props, patterns::PatternParams params,
                   bool same_clock, const std::atomic<bool>& interrupt, const std::string& session) {
  if (auto opcode = oneSidedOpcode(cfg.transport_options)) {
    return runOneSidedSize(ch, cfg, transport, params, same_clock, interrupt, *opcode, session);
  }
  const std::string where = "server " + ch.peer();
  const patterns::PatternPlan plan = patterns::planPair(params);
  engine::FlowSet flows(props, params, plan, /*me=*/0, setUpSize(ch, cfg, transport, params, plan, session),
                        {.same_clock = same_clock, .busy_poll = cfg.busy_poll});
  flows.startReceivers();
  ch.send(protocol::encode(msg::Start{}), cfg.control_timeout_ns);
  msg::expect<msg::Started>(ch.receive(cfg.control_timeout_ns, "waiting for the server to start"), ch.peer(), "start");

  if (const std::string server_gone = runSenders(ch, flows, interrupt); !server_gone.empty()) {
    throw TransportError(where + " failed during the test (size " + std::to_string(params.size_bytes) +
                         "): " + server_gone);
  }
  if (auto errors = flows.errors(); !errors.empty()) {  // e.g. the peer stopped answering pings
    throw TransportError(where + ", size " + std::to_string(params.size_bytes) + ": " + errors.front());
  }
  SizeResult out;
  out.params = params;
  out.same_clock = same_clock;
  out.verb = verbOf(cfg.transport_options);
  out.senders = flows.senderResults();
  out.pingpongs = flows.pingpongResults();
  collectResults(ch, cfg, flows, params, interrupt.load(), out);
  return out;
}

// Hello and the server's welcome. A server that closes the connection on our hello refused our
// secret (or its absence); the error says so.
msg::Welcome greet(MessageChannel& ch, const ClientConfig& cfg) {
  ch.send(protocol::encode(msg::Hello{kVersion, hostName(), bootId()}), cfg.control_timeout_ns);
  try {
    return msg::expect<msg::Welcome>(ch.receive(cfg.control_timeout_ns, "waiting for the server's welcome"), ch.peer(),
                                     "hello");
  } catch (const TransportError& e) {
    throw TransportError(std::string(e.what()) + " (the server refuses clients without its secret: " +
                         (cfg.secret ? "is ours the same as the server's?" : "give --secret-file or FABCHECK_SECRET") +
                         "; see its log)");
  }
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
    if (auto opcode = oneSidedOpcode(cfg.transport_options)) oneSidedPlan(*opcode, cfg.transport_options, p);
  }

  auto ch = openPairChannel(ControlChannel::connect(cfg.host, cfg.port, cfg.control_timeout_ns), cfg.secret,
                            protocol::AuthenticatedChannel::Role::kConnector);
  if (!cfg.local_address.empty() && cfg.local_address != ch->localAddress()) {
    throw ConfigError("--bind " + cfg.local_address + ": the server takes data only from the address our control "
                      "connection comes from (" + ch->localAddress() + "); give that address, or none");
  }
  const msg::Welcome welcome = greet(*ch, cfg);
  const bool same_clock = !welcome.boot_id.empty() && welcome.boot_id == bootId();

  PairRun run;
  run.client_host = hostName();
  run.server_host = welcome.host.empty() ? cfg.host : welcome.host;
  run.transport = cfg.transport;
  run.properties = props;
  for (uint32_t size : sizes) {
    if (interrupt.load()) break;
    patterns::PatternParams p = cfg.params;
    p.size_bytes = size;
    run.sizes.push_back(runSize(*ch, cfg, *transport, props, p, same_clock, interrupt, welcome.session));
    if (on_size) on_size(run, run.sizes.back());
  }
  run.interrupted = interrupt.load();
  try {
    ch->send(protocol::encode(msg::Bye{}), cfg.control_timeout_ns);
  } catch (const Error&) {
    // The results are in hand; a server gone at goodbye changes nothing.
  }
  return run;
}

}  // namespace fabcheck::pair
