#include "harness/agent/agent.h"

#include <unistd.h>

#include <algorithm>
#include <future>
#include <map>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_facts.h"
#include "generators/core/host_info.h"
#include "generators/core/interfaces.h"
#include "generators/core/log.h"
#include "generators/core/version.h"
#include "generators/engine/flow_set.h"
#include "generators/pacing/wait.h"
#include "harness/protocol/agent_messages.h"
#include "harness/agent/collective_rank.h"
#include "harness/counters/test_counters.h"
#include "harness/protocol/authenticated_channel.h"
#include "harness/protocol/run_secret.h"
#include "harness/model/units.h"

namespace fabcheck::agent {
namespace {

using nlohmann::json;
using protocol::expectMessage;
using protocol::makeMessage;
using Channel = protocol::AuthenticatedChannel;

constexpr int64_t kStepTimeoutNs = 30'000'000'000;  // each step of a test set-up
constexpr int64_t kAcceptSliceNs = 100'000'000;

// The controller aborted the current test (another agent failed).
struct TestAborted {};

// Refuses plans beyond the agent's launch-time limits. Returns "" when the plan is allowed.
std::string checkLimits(const SafetyLimits& limits, const patterns::PatternParams& params,
                        const patterns::PatternPlan& plan, int me, const std::string& interface) {
  double rate = 0;
  bool unlimited = false, by_iterations = false;
  int64_t duration = 0;
  for (const auto& f : plan.flows) {
    if (f.sender != me && f.receiver != me) continue;
    const patterns::PatternParams& p = f.params ? *f.params : params;  // a probe has its own
    if (p.duration_ns == 0) by_iterations = true;
    duration = std::max(duration, p.warmup_ns + p.duration_ns);
    if (f.sender != me) continue;
    const bool paced_role = f.role == patterns::FlowRole::kStream || f.role == patterns::FlowRole::kCollective;
    if (paced_role && f.rate_bps == 0 && f.rate_pps == 0) unlimited = true;
    rate += f.rate_bps + f.rate_pps * p.size_bytes * 8;
  }
  if (limits.max_rate_bps > 0 && (unlimited || rate > limits.max_rate_bps)) {
    return "the plan sends " + (unlimited ? std::string("at an unlimited rate") : model::formatRate(rate)) +
           " from this agent, above its limit of " + model::formatRate(limits.max_rate_bps);
  }
  if (limits.max_duration_ns > 0 && (by_iterations || duration > limits.max_duration_ns)) {
    return "the plan runs " + (by_iterations ? std::string("by iterations (unbounded time)")
                                             : model::formatDuration(duration)) +
           ", above this agent's limit of " + model::formatDuration(limits.max_duration_ns);
  }
  if (!limits.allowed_interfaces.empty()) {
    bool ok = false;
    for (const auto& i : limits.allowed_interfaces) ok |= i == interface;
    if (!ok) return "interface '" + interface + "' is not among the interfaces this agent may use";
  }
  return "";
}

// Which network namespace this agent runs in ("net:[4026531840]"): agents sharing one read
// the same host counters, which must be counted once.
std::string networkNamespaceId() {
  char buf[64] = {};
  const ssize_t n = ::readlink("/proc/self/ns/net", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

class Session {
 public:
  Session(Channel& ch, const AgentOptions& o, const std::atomic<bool>& stop) : ch_(ch), o_(o), stop_(stop) {}

  // One test: setup .. results. A refusal or failure is reported to the controller and the
  // agent stays available for the next test; an abort from the controller ends it quietly.
  void runTest(const json& setup) {
    test_id_ = setup.value("test_id", int64_t{0});
    try {
      runTestSteps(setup);
    } catch (const TestAborted&) {
      log::info("agent {}: test {} aborted by the controller", o_.agent_id, test_id_);
    } catch (const std::exception& e) {
      log::error("agent {}: {}", o_.agent_id, e.what());
      sendError("agent " + std::to_string(o_.agent_id) + " on " + hostName() + ": " + e.what());
    }
  }

  void reply(json m) {
    m["test_id"] = test_id_;
    ch_.send(m, kStepTimeoutNs);
  }

  void sendError(const std::string& message) {
    json e = makeMessage(msg::kError);
    e["message"] = message;
    reply(e);
  }

  // The next message of this test; skips stale ones, turns an abort into TestAborted.
  json expect(std::string_view type, int64_t timeout_ns, std::string_view phase) {
    const int64_t deadline = monoNowNs() + timeout_ns;
    for (;;) {
      json m = ch_.receive(std::max<int64_t>(1, deadline - monoNowNs()), phase);
      if (m.value("test_id", int64_t{-1}) != test_id_) continue;
      if (m.value("type", "") == "abort") throw TestAborted{};
      expectMessage(m, type, ch_.peer(), phase);
      return m;
    }
  }

  void runTestSteps(const json& setup) {
    const uint64_t log_mark = log::mark();  // this test's log lines go back with its results
    patterns::PatternParams params;
    patterns::PatternPlan plan;
    std::unique_ptr<transport::Transport> transport;
    // Flows with their own DSCP (a probe on another priority) get a transport of their own.
    std::map<int, std::unique_ptr<transport::Transport>> marked;
    transport::TransportProperties props;
    int me = 0;
    engine::FlowSetOptions flow_options;
    std::optional<CollectiveSetup> collective;  // a collective round: this agent's rank
    bool coalescing = false, segmentation = false;
    try {
      params = setup.at("params").get<patterns::PatternParams>();
      me = setup.at("me").get<int>();
      plan.flows = setup.at("flows").get<std::vector<patterns::FlowSpec>>();
      if (setup.contains("clock_correction_ns")) {  // per flow: our clock − the peer's (controller's estimate)
        for (const auto& [id, c] : setup.at("clock_correction_ns").items()) {
          flow_options.clock_correction_ns[static_cast<uint32_t>(std::stoul(id))] = c.get<int64_t>();
        }
      }
      if (setup.contains("collective")) collective = setup.at("collective").get<CollectiveSetup>();
      auto options = transport::transportOptionsFromJson(setup.at("transport_options").dump());
      if (std::string why = checkLimits(o_.limits, params, plan, me, options.bind_interface); !why.empty()) {
        sendError("agent " + std::to_string(o_.agent_id) + " on " + hostName() + " refuses the plan: " + why);
        return;
      }
      const std::string kind = setup.at("transport").get<std::string>();
      transport = transport::createTransport(kind, options);
      props = transport->properties();
      coalescing = options.coalescing && props.supports_coalescing;
      segmentation = options.segmentation && props.supports_segmentation;
      for (const auto& f : plan.flows) {
        if (f.dscp < 0 || f.dscp == options.dscp || marked.count(f.dscp) || (f.sender != me && f.receiver != me)) continue;
        transport::TransportOptions o = options;
        o.dscp = f.dscp;
        marked[f.dscp] = transport::createTransport(kind, o);
      }
    } catch (const std::exception& e) {
      sendError("agent " + std::to_string(o_.agent_id) + " on " + hostName() + " cannot set up: " + e.what());
      return;
    }

    auto transportFor = [&](uint32_t id) -> transport::Transport& {
      for (const auto& f : plan.flows) {
        if (f.flow_id == id && marked.count(f.dscp)) return *marked.at(f.dscp);
      }
      return *transport;
    };
    // Listen for the flows this agent receives; accept them concurrently with our own connects,
    // or two agents connecting to each other would wait on each other forever.
    std::map<uint32_t, std::unique_ptr<transport::Listener>> listeners;
    json endpoints = json::object();
    for (const auto& f : plan.flows) {
      if (f.receiver != me) continue;
      listeners[f.flow_id] = transportFor(f.flow_id).listen({.address = o_.data_address.empty() ? ch_.raw().localAddress() : o_.data_address, .port = 0});
      endpoints[std::to_string(f.flow_id)] = json::parse(listeners[f.flow_id]->endpoint().toJson());
    }
    json endpoints_msg = makeMessage(msg::kEndpoints);
    endpoints_msg["flows"] = endpoints;
    reply(endpoints_msg);

    // Accepts wait in short slices so that leaving this scope early (an abort, an error)
    // cancels them at once instead of blocking on their futures for the whole timeout.
    std::atomic<bool> cancel_accepts{false};
    std::map<uint32_t, std::future<std::unique_ptr<transport::Connection>>> accepting;
    struct CancelOnExit {
      std::atomic<bool>& flag;
      ~CancelOnExit() { flag = true; }
    } cancel_guard{cancel_accepts};
    for (auto& [id, l] : listeners) {
      transport::Listener* lp = l.get();
      accepting[id] = std::async(std::launch::async, [lp, &cancel_accepts] {
        const int64_t deadline = monoNowNs() + kStepTimeoutNs;
        for (;;) {
          try {
            return lp->accept(kAcceptSliceNs);
          } catch (const TimeoutError&) {
            if (cancel_accepts.load()) throw Error("accept cancelled");
            if (monoNowNs() >= deadline) throw;
          }
        }
      });
    }
    json connect = expect(msg::kConnect, kStepTimeoutNs, "waiting for peers' endpoints");
    std::map<uint32_t, std::unique_ptr<transport::Connection>> conns;
    for (const auto& [id, desc] : connect.at("flows").items()) {
      const auto flow_id = static_cast<uint32_t>(std::stoul(id));
      conns[flow_id] = transportFor(flow_id).connect(transport::EndpointDesc::fromJson(desc.dump()), {.timeout_ns = kStepTimeoutNs});
    }
    for (auto& [id, fut] : accepting) conns[id] = fut.get();

    // A collective's links go to its rank; the other flows (a probe) to the FlowSet.
    std::map<uint32_t, std::unique_ptr<transport::Connection>> collective_conns;
    patterns::PatternPlan flow_plan;
    for (const auto& f : plan.flows) {
      if (f.role != patterns::FlowRole::kCollective) {
        flow_plan.flows.push_back(f);
      } else if (auto it = conns.find(f.flow_id); it != conns.end()) {
        collective_conns[f.flow_id] = std::move(it->second);
        conns.erase(it);
      }
    }
    std::unique_ptr<CollectiveRank> rank;
    if (collective) rank = std::make_unique<CollectiveRank>(*collective, collective_conns, coalescing, segmentation);
    engine::FlowSet flows(props, params, flow_plan, me, std::move(conns), flow_options);
    flows.startReceivers();
    // This host's counters around the traffic (netdev, snmp, infiniband): a counter problem is
    // reported in the results, never a reason to fail the test.
    counters::CounterSet host_counters = counters::hostCounterSet();
    counters::CountersAround around(host_counters);
    json counter_error;
    try {
      around.begin();
    } catch (const std::exception& e) {
      counter_error = e.what();
    }
    reply(makeMessage(msg::kReady));

    json start = expect(msg::kStart, kStepTimeoutNs, "waiting for the start");
    const int64_t start_wall = start.at("start_wall_ns").get<int64_t>();
    const int64_t start_mono = monoNowNs() + (start_wall - wallNowNs());
    flows.startSenders(start_mono);
    json results = makeMessage(msg::kResults);
    if (rank) {
      runCollectiveRank(*rank, *collective, start_mono, flows, results);
    } else {
      flows.waitSenders();
      json sent = makeMessage(msg::kSent);
      sent["senders"] = flows.senderResults();
      sent["pingpongs"] = flows.pingpongResults();
      reply(sent);

      const int64_t drain = 5'000'000'000;
      json finish = expect(msg::kFinish, kStepTimeoutNs + drain, "waiting for the other agents to finish sending");
      std::map<uint32_t, uint64_t> sent_by_flow;
      for (const auto& [id, n] : finish.at("sent").items()) sent_by_flow[static_cast<uint32_t>(std::stoul(id))] = n.get<uint64_t>();
      flows.finishReceivers(sent_by_flow);
    }
    results["receivers"] = flows.receiverResults();
    results["responders"] = flows.responderResults();
    results["errors"] = flows.errors();
    try {
      results["counters"] = counter_error.is_null() ? around.end() : json{{"error", counter_error}};
    } catch (const std::exception& e) {
      results["counters"] = json{{"error", e.what()}};
    }
    results["counters"]["netns"] = networkNamespaceId();
    results["log"] = log::linesSince(log_mark);
    reply(results);
  }

  // A collective round from the start: the rank runs on its worker while this thread watches
  // the control channel (an abort ends the rank at once); its result goes back in "sent"; the
  // rank keeps acknowledging until the controller's "finish" says every rank is done. A probe
  // running beside it (in `flows`) stops at "finish" and its round trips go with the results.
  void runCollectiveRank(CollectiveRank& rank, const CollectiveSetup& setup, int64_t start_mono, engine::FlowSet& flows,
                         json& results) {
    rank.start(start_mono);
    const int64_t deadline = start_mono + setup.timeout_ns;
    while (!rank.finished()) {
      if (monoNowNs() > deadline) {
        rank.abort();
        rank.join();
        throw TimeoutError("collective rank " + std::to_string(setup.rank) + " did not finish within " +
                           model::formatDuration(setup.timeout_ns) + " (the test's timeout)");
      }
      std::optional<json> m = ch_.tryReceive(20'000'000, "running a collective");
      if (!m || m->value("test_id", int64_t{-1}) != test_id_) continue;
      if (m->value("type", "") == "abort") {
        rank.abort();
        rank.join();
        throw TestAborted{};
      }
      throw ProtocolError("the controller sent '" + m->value("type", std::string()) + "' while the collective ran");
    }
    json sent = makeMessage(msg::kSent);
    sent["senders"] = json::array();
    sent["pingpongs"] = json::array();
    sent["collective"] = rank.result();
    reply(sent);
    try {
      expect(msg::kFinish, setup.timeout_ns + kStepTimeoutNs, "waiting for the other ranks to finish the collective");
    } catch (...) {
      rank.abort();
      throw;
    }
    rank.release();
    rank.join();
    flows.stopSenders();
    flows.waitSenders();
    flows.finishReceivers({});
    results["pingpongs"] = flows.pingpongResults();
  }

  int serve() {
    while (!stop_.load()) {
      std::optional<json> m = ch_.tryReceive(200'000'000, "waiting for the controller");
      if (!m) {
        if ((idle_ += 200'000'000) > o_.idle_timeout_ns) {
          log::error("no word from the controller {} for {} s; exiting", ch_.peer(), o_.idle_timeout_ns / 1'000'000'000);
          return 1;
        }
        continue;
      }
      idle_ = 0;
      const std::string type = m->value("type", "");
      if (type == msg::kBye) return 0;
      if (type == msg::kError) {  // the controller refused us (e.g. a duplicate agent id)
        log::error("agent {}: the controller {} refused this agent: {}", o_.agent_id, ch_.peer(),
                   m->value("message", std::string("(no reason given)")));
        return 1;
      }
      if (type == msg::kTime) {
        json r = makeMessage(msg::kTime);
        r["seq"] = m->value("seq", 0);
        r["agent_wall_ns"] = wallNowNs();
        r["test_id"] = m->value("test_id", int64_t{0});
        ch_.send(r, kStepTimeoutNs);
      } else if (type == msg::kSetup) {
        expectMessage(*m, msg::kSetup, ch_.peer(), "setup");
        runTest(*m);
      } else {
        // A late message of a test that was aborted: nothing to do.
        log::debug("agent {}: ignoring '{}' outside a test", o_.agent_id, type);
      }
    }
    return 0;
  }

 private:
  Channel& ch_;
  const AgentOptions& o_;
  const std::atomic<bool>& stop_;
  int64_t idle_ = 0;
  int64_t test_id_ = 0;
};

}  // namespace

int runAgent(const AgentOptions& o, const std::atomic<bool>& stop) {
  protocol::RunSecret secret;
  try {
    secret = protocol::loadRunSecret(o.secret_file);
  } catch (const ConfigError& e) {
    log::error("agent {}: {}", o.agent_id, e.what());
    return 2;
  }
  std::optional<Channel> ch;
  try {
    ch.emplace(protocol::ControlChannel::connect(o.controller_host, o.controller_port, o.connect_timeout_ns,
                                                 "is the controller still running?"),
               secret, Channel::Role::kConnector);
  } catch (const std::exception& e) {
    log::error("agent {}: {}", o.agent_id, e.what());
    return 3;
  }
  try {
    json reg = makeMessage(msg::kRegister);
    reg["agent_id"] = o.agent_id;
    reg["host"] = hostName();
    reg["boot_id"] = bootId();
    reg["fabcheck_version"] = kVersion;
    reg["pid"] = static_cast<int>(getpid());
    reg["transports"] = transport::transportNames();
    reg["kernel"] = kernelRelease();
    reg["clock_source"] = clockSource();
    reg["rdma_devices"] = rdmaDevices();
    try {
      reg["interfaces"] = listInterfaces();
    } catch (const Error& e) {
      log::warn("agent {}: registering without interfaces: {}", o.agent_id, e.what());
      reg["interfaces"] = json::array();
    }
    ch->send(reg, o.connect_timeout_ns);
    return Session(*ch, o, stop).serve();
  } catch (const std::exception& e) {
    log::error("agent {}: {}", o.agent_id, e.what());
    return 1;
  }
}

}  // namespace fabcheck::agent
