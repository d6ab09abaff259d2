#include "harness/controller/controller.h"

#include <algorithm>
#include <map>
#include <set>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "generators/core/log.h"
#include "generators/engine/collective_link.h"
#include "generators/patterns/collective_schedule.h"
#include "harness/agent/agent_messages.h"
#include "harness/agent/collective_rank.h"
#include "harness/controller/registration.h"
#include "harness/counters/test_counters.h"
#include "harness/protocol/authenticated_channel.h"

namespace fabcheck::controller {

using nlohmann::json;
using protocol::makeMessage;
namespace msg = agent::msg;
using Channel = protocol::AuthenticatedChannel;

namespace {

// The run was interrupted (Ctrl-C): not the agent's fault.
class Interrupted : public Error {
 public:
  using Error::Error;
};

// Appends the probe of a latency-under-load test to its (single) round: a pingpong flow with
// its own parameters that runs through the load's warm-up and measured phase.
void addProbe(const TestSpec& spec, int agents, std::vector<patterns::PatternPlan>& rounds) {
  const ProbeSpec& pr = *spec.probe;
  const std::string test = "test '" + spec.name + "': ";
  if (spec.params.kind == patterns::PatternKind::kPingpong) {
    throw ConfigError(test + "a probe measures latency under load; the test's own pattern must be stream, microburst or incast, not pingpong");
  }
  if (rounds.size() != 1) {
    if (spec.collective) {
      throw ConfigError(test + "a probe needs a test that runs in one round; its sweep of " + std::to_string(rounds.size()) +
                        " sizes runs " + std::to_string(rounds.size()));
    }
    throw ConfigError(test + "a probe needs a placement that runs in one round; " + std::string(plan::toString(spec.placement)) +
                      " runs " + std::to_string(rounds.size()));
  }
  if (pr.from < 0 || pr.to < 0 || pr.from >= agents || pr.to >= agents || pr.from == pr.to) {
    throw ConfigError(test + "probe between positions " + std::to_string(pr.from) + " and " + std::to_string(pr.to) +
                      "; expected two different positions of its " + std::to_string(agents) + " agents (0.." +
                      std::to_string(agents - 1) + ")");
  }
  if (pr.idle_duration_ns <= 0) throw ConfigError(test + "probe idle duration must be above 0");
  patterns::PatternParams p = pr.params;
  p.kind = patterns::PatternKind::kPingpong;
  p.flows = 1;
  p.iterations = 0;
  p.warmup_ns = spec.collective ? 0 : spec.params.warmup_ns;
  // Beside a collective the probe runs until the ranks are done (the agent stops it then).
  p.duration_ns = spec.collective                  ? spec.collective->timeout_ns
                  : spec.params.duration_ns > 0 ? spec.params.duration_ns
                                                : pr.idle_duration_ns;
  patterns::validate(p, 65507, spec.transport, {.size = "probe.size"});
  patterns::FlowSpec f;
  f.flow_id = static_cast<uint32_t>(rounds.front().flows.size());
  f.role = patterns::FlowRole::kPingpong;
  f.sender = pr.from;
  f.receiver = pr.to;
  f.params = p;
  f.dscp = pr.dscp;
  rounds.front().flows.push_back(f);
}

// How long a round's traffic may run: its longest flow; by iterations, generously bounded; a
// collective round: its timeout.
int64_t runNs(const TestSpec& spec, const patterns::PatternPlan& round) {
  if (spec.collective) return spec.collective->timeout_ns;
  int64_t ns = 0;
  for (const auto& f : round.flows) {
    const patterns::PatternParams& p = f.params ? *f.params : spec.params;
    if (p.duration_ns <= 0) return 600'000'000'000;
    ns = std::max(ns, p.warmup_ns + p.duration_ns);
  }
  return ns;
}

// The rounds of a collective test, one per size: every link of the schedule is a flow (id =
// its index in CollectiveSchedule::flows(), as the agents compute it); `params` gets each
// round's parameters. Throws ConfigError for parameters the ranks cannot run.
std::vector<patterns::PatternPlan> collectiveRounds(const TestSpec& spec, int ranks,
                                                    std::vector<patterns::CollectiveParams>& params) {
  const CollectiveSpec& c = *spec.collective;
  const std::string test = "test '" + spec.name + "': ";
  // UDP's largest datagram; other transports: the executor's own bound (collective_executor.cpp).
  const uint32_t max_message = spec.transport == "udp" ? 65507 : (64u << 20);
  if (c.message_bytes <= engine::kCollectiveHeaderBytes || c.message_bytes > max_message) {
    throw ConfigError(test + "collective message size " + std::to_string(c.message_bytes) + " bytes: expected " +
                      std::to_string(engine::kCollectiveHeaderBytes + 1) + " to " + std::to_string(max_message) +
                      " (the " + spec.transport + " transport's largest message, 48 header bytes included)");
  }
  if (c.window_bytes < 2 * c.message_bytes) {
    throw ConfigError(test + "collective window " + std::to_string(c.window_bytes) + " bytes: expected at least two messages (" +
                      std::to_string(2 * c.message_bytes) + " bytes)");
  }
  if (c.timeout_ns <= 0 || c.step_timeout_ns <= 0) throw ConfigError(test + "collective timeouts must be above 0");
  std::vector<patterns::PatternPlan> rounds;
  for (uint64_t size : c.sweep()) {
    patterns::CollectiveParams p = c.params;
    p.size_bytes = size;
    p.size_bytes = patterns::fitSizeToRanks(p, ranks);
    try {
      const patterns::CollectiveSchedule schedule(p, ranks);
      patterns::PatternPlan plan;
      const auto flows = schedule.flows();
      for (size_t i = 0; i < flows.size(); ++i) {
        patterns::FlowSpec f;
        f.flow_id = static_cast<uint32_t>(i);
        f.role = patterns::FlowRole::kCollective;
        f.sender = static_cast<int>(flows[i].sender);
        f.receiver = static_cast<int>(flows[i].receiver);
        f.rate_bps = c.link_rate_bps;
        plan.flows.push_back(f);
      }
      rounds.push_back(std::move(plan));
    } catch (const ConfigError& e) {
      throw ConfigError(test + "size " + std::to_string(size) + " B on " + std::to_string(ranks) + " ranks: " + e.what());
    }
    params.push_back(p);
  }
  return rounds;
}

}  // namespace

struct Controller::Impl {
  protocol::ControlListener listener;
  protocol::RunSecret secret;
  ControllerOptions options;
  std::vector<AgentInfo> agents;
  std::vector<std::optional<Channel>> channels;
  int64_t test_id = 0;
  const std::atomic<bool>* interrupt = nullptr;

  std::string who(int a) const {
    return "agent " + std::to_string(a) + " (" + agents[a].host + ", " + agents[a].peer + ")";
  }

  void send(int a, json m, const std::string& phase) {
    m["test_id"] = test_id;
    try {
      channels[a]->send(m, options.step_timeout_ns);
    } catch (const Error& e) {
      throw TransportError(who(a) + " during " + phase + ": " + e.what());
    }
  }

  // The next reply of `type` for the current test; discards replies to aborted tests; an
  // "error" reply becomes an Error with the agent's own message.
  json receive(int a, std::string_view type, const std::string& phase, int64_t timeout_ns) {
    const int64_t deadline = monoNowNs() + timeout_ns;
    for (;;) {
      const int64_t left = deadline - monoNowNs();
      if (left <= 0) {
        throw TimeoutError(who(a) + " sent no '" + std::string(type) + "' within " +
                           std::to_string(timeout_ns / 1'000'000) + " ms during " + phase);
      }
      if (interrupt && interrupt->load()) throw Interrupted("interrupted during " + phase);
      json m;
      try {
        // Short slices, so an interrupt ends a long test within about 100 ms.
        auto got = channels[a]->tryReceive(std::min<int64_t>(left, 100'000'000), phase);
        if (!got) continue;
        m = std::move(*got);
      } catch (const TimeoutError&) {
        continue;
      } catch (const Error& e) {
        throw TransportError(who(a) + " during " + phase + ": " + e.what());
      }
      if (m.value("test_id", int64_t{-1}) != test_id) continue;  // stale: from an aborted test
      const std::string t = m.value("type", "");
      if (t == msg::kError) throw Error(m.value("message", std::string("agent error")));
      if (t != type) {
        throw ProtocolError(who(a) + " sent '" + t + "' during " + phase + "; expected '" + std::string(type) + "'");
      }
      return m;
    }
  }

  void markLost(int a, const std::string& why) {
    agents[a].lost = true;
    agents[a].lost_reason = why;
    if (channels[a]) channels[a]->close();
  }
};

Controller::Controller(protocol::ControlListener listener, const protocol::RunSecret& secret,
                       ControllerOptions options)
    : impl_(new Impl{std::move(listener), secret, options, {}, {}, 0}) {}

Controller::~Controller() { shutdown(); }

void Controller::setInterrupt(const std::atomic<bool>* flag) { impl_->interrupt = flag; }

const std::vector<AgentInfo>& Controller::agents() const { return impl_->agents; }

void Controller::acceptAgents(int count, const std::function<std::string()>& problem) {
  auto& I = *impl_;
  I.agents.assign(static_cast<size_t>(count), AgentInfo{});
  I.channels.clear();
  I.channels.resize(static_cast<size_t>(count));
  std::set<int> missing;
  for (int i = 0; i < count; ++i) missing.insert(i);
  const int64_t deadline = monoNowNs() + I.options.register_timeout_ns;
  // Registrations are read concurrently (registration.h): a silent or slow connection delays
  // no one. The desk's destructor cancels and joins every read before we return or throw.
  RegistrationDesk desk(I.listener, I.secret,
                        {.per_connection_timeout_ns = I.options.step_timeout_ns,
                         .max_pending = std::max<size_t>(64, 2 * static_cast<size_t>(count))});
  while (!missing.empty()) {
    if (problem) {
      if (std::string p = problem(); !p.empty()) throw TransportError("agents could not start: " + p);
    }
    if (monoNowNs() > deadline) {
      std::string ids;
      for (int i : missing) ids += (ids.empty() ? "" : ", ") + std::to_string(i);
      throw TimeoutError("agents " + ids + " did not register within " +
                         std::to_string(I.options.register_timeout_ns / 1'000'000'000) + " s");
    }
    std::optional<Registration> r = desk.next(RegistrationDesk::kSliceNs);  // ~100 ms: problem() stays polled
    if (!r) continue;
    const int id = r->info.id;
    if (id < 0 || id >= count) {
      RegistrationDesk::refuse(std::move(*r), "not expected: this run has agents 0 to " + std::to_string(count - 1));
      continue;
    }
    if (!missing.count(id)) {
      RegistrationDesk::refuse(std::move(*r), "not expected: agent " + std::to_string(id) + " already registered from " +
                                                  I.agents[static_cast<size_t>(id)].peer);
      continue;
    }
    I.agents[static_cast<size_t>(id)] = std::move(r->info);
    I.channels[static_cast<size_t>(id)] = std::move(r->channel);
    missing.erase(id);
  }
}

void Controller::measureClocks() {
  auto& I = *impl_;
  const std::string my_boot = bootId();
  for (int a = 0; a < static_cast<int>(I.agents.size()); ++a) {
    if (I.agents[a].lost) continue;
    if (!my_boot.empty() && I.agents[a].boot_id == my_boot) {
      // Same kernel, same CLOCK_REALTIME: the offset is exactly zero. An estimate over the
      // network would only add its own error (tens of microseconds of path asymmetry).
      I.agents[a].clock_offset_ns = 0;
      I.agents[a].offset_bound_ns = 0;
      continue;
    }
    int64_t best_rtt = INT64_MAX, best_offset = 0;
    for (int s = 0; s < I.options.clock_samples; ++s) {
      json t = makeMessage(msg::kTime);
      t["seq"] = s;
      const int64_t t0 = wallNowNs();
      I.send(a, t, "clock measurement");
      json r = I.receive(a, msg::kTime, "clock measurement", I.options.step_timeout_ns);
      const int64_t t2 = wallNowNs();
      const int64_t t1 = r.at("agent_wall_ns").get<int64_t>();
      if (t2 - t0 < best_rtt) {  // the fastest exchange bounds the error best
        best_rtt = t2 - t0;
        best_offset = t1 - (t0 + t2) / 2;
      }
    }
    I.agents[a].clock_offset_ns = best_offset;
    I.agents[a].offset_bound_ns = best_rtt / 2;
  }
}

TestOutcome Controller::runTest(const TestSpec& spec) {
  auto& I = *impl_;
  TestOutcome out;
  out.name = spec.name;
  out.spec = spec;
  const int n = static_cast<int>(I.agents.size());
  std::vector<int> who = spec.agents;
  if (who.empty()) {
    for (int a = 0; a < n; ++a) who.push_back(a);
  }
  std::vector<patterns::PatternPlan> rounds;
  std::vector<patterns::CollectiveParams> collective_params;  // a collective: each round's
  try {
    std::set<int> seen;
    for (int a : who) {
      if (a < 0 || a >= n) {
        throw ConfigError("test '" + spec.name + "' names agent " + std::to_string(a) + "; the run has agents 0.." +
                          std::to_string(n - 1));
      }
      if (!seen.insert(a).second) throw ConfigError("test '" + spec.name + "' names agent " + std::to_string(a) + " twice");
    }
    if (spec.collective) {
      rounds = collectiveRounds(spec, static_cast<int>(who.size()), collective_params);
    } else {
      patterns::validate(spec.params, 65507, spec.transport);
      rounds = plan::placeRounds(spec.params, spec.placement, static_cast<int>(who.size()), spec.seed);
    }
    if (spec.probe) addProbe(spec, static_cast<int>(who.size()), rounds);
  } catch (const ConfigError& e) {
    out.error = e.what();
    return out;
  }
  std::set<int> parts;
  for (auto& round : rounds) {
    for (auto& f : round.flows) {  // placement indexes → agent ids
      f.sender = who[static_cast<size_t>(f.sender)];
      f.receiver = who[static_cast<size_t>(f.receiver)];
      parts.insert(f.sender);
      parts.insert(f.receiver);
      out.plan.flows.push_back(f);
    }
  }
  out.participants.assign(parts.begin(), parts.end());
  if (spec.collective) out.rank_agents = who;
  for (int a : parts) {
    if (I.agents[a].lost) {
      out.error = "agent " + std::to_string(a) + " was lost in an earlier test: " + I.agents[a].lost_reason;
      return out;
    }
  }
  if (spec.probe) {
    // The idle baseline: the probe alone, before the load.
    patterns::PatternPlan idle;
    idle.flows.push_back(rounds.front().flows.back());
    idle.flows.back().params->warmup_ns = 0;
    idle.flows.back().params->duration_ns = spec.probe->idle_duration_ns;
    runRound(spec, idle, out);
    out.idle_pingpongs = std::move(out.pingpongs);
    out.pingpongs.clear();
    out.responders.clear();
    if (!out.error.empty()) {
      out.error = "idle baseline of the probe: " + out.error;
      return out;
    }
  }
  for (size_t r = 0; r < rounds.size(); ++r) {
    ++out.rounds;
    if (spec.collective) {
      out.collectives.push_back({collective_params[r].size_bytes, {}});
      runRound(spec, rounds[r], out, &collective_params[r]);
      auto& ranks = out.collectives.back().ranks;
      std::sort(ranks.begin(), ranks.end(), [](const auto& x, const auto& y) { return x.rank < y.rank; });
      for (const auto& x : ranks) {
        if (out.error.empty() && !x.error.empty()) {
          out.error = "size " + std::to_string(collective_params[r].size_bytes) + " B: " +
                      I.who(who[static_cast<size_t>(x.rank)]) + ": " + x.error;
        }
      }
    } else {
      runRound(spec, rounds[r], out);
    }
    if (!out.error.empty()) break;
  }
  auto byFlow = [](const auto& x, const auto& y) { return x.flow_id < y.flow_id; };
  std::sort(out.senders.begin(), out.senders.end(), byFlow);
  std::sort(out.receivers.begin(), out.receivers.end(), byFlow);
  std::sort(out.pingpongs.begin(), out.pingpongs.end(), byFlow);
  std::sort(out.responders.begin(), out.responders.end(), byFlow);
  return out;
}

void Controller::runRound(const TestSpec& spec, const patterns::PatternPlan& round, TestOutcome& out,
                          const patterns::CollectiveParams* collective) {
  auto& I = *impl_;
  ++I.test_id;
  std::set<int> part_set;
  for (const auto& f : round.flows) {
    part_set.insert(f.sender);
    part_set.insert(f.receiver);
    const int64_t bs = I.agents[f.sender].offset_bound_ns, br = I.agents[f.receiver].offset_bound_ns;
    if (bs >= 0 && br >= 0) out.one_way_bound_ns = std::max(out.one_way_bound_ns, bs + br);
  }
  const std::vector<int> parts(part_set.begin(), part_set.end());
  // A collective round: agent id → its rank.
  std::map<int, int> rank_of;
  for (size_t r = 0; collective && r < out.rank_agents.size(); ++r) rank_of[out.rank_agents[r]] = static_cast<int>(r);
  const size_t first_sender = out.senders.size();
  int current = -1;  // the agent being talked to, for error attribution
  std::string phase;
  try {
    const json flows = round.flows;
    phase = "setup";
    for (int a : parts) {
      current = a;
      json m = makeMessage(msg::kSetup);
      m["test"] = spec.name;
      m["params"] = spec.params;
      m["transport"] = spec.transport;
      m["transport_options"] = json::parse(transport::transportOptionsToJson(spec.transport_options));
      m["flows"] = flows;
      m["me"] = a;
      // One-way latency: the peer's timestamps onto this agent's clock, from the measured offsets.
      json corr = json::object();
      for (const auto& f : round.flows) {
        if (f.sender != a && f.receiver != a) continue;
        const int peer = f.sender == a ? f.receiver : f.sender;
        if (I.agents[a].offset_bound_ns < 0 || I.agents[peer].offset_bound_ns < 0) continue;
        corr[std::to_string(f.flow_id)] = I.agents[a].clock_offset_ns - I.agents[peer].clock_offset_ns;
      }
      m["clock_correction_ns"] = corr;
      if (collective) {
        const CollectiveSpec& c = *spec.collective;
        agent::CollectiveSetup cs;
        cs.params = *collective;
        cs.ranks = static_cast<int>(out.rank_agents.size());
        cs.rank = rank_of.at(a);
        cs.link_rate_bps = c.link_rate_bps;
        cs.message_bytes = c.message_bytes;
        cs.window_bytes = c.window_bytes;
        cs.step_timeout_ns = c.step_timeout_ns;
        cs.timeout_ns = c.timeout_ns;
        m["collective"] = cs;
      }
      I.send(a, m, phase);
    }
    std::map<uint32_t, json> endpoint_of;
    for (int a : parts) {
      current = a;
      json e = I.receive(a, msg::kEndpoints, phase, I.options.step_timeout_ns);
      for (const auto& [id, d] : e.at("flows").items()) endpoint_of[static_cast<uint32_t>(std::stoul(id))] = d;
    }
    phase = "endpoint exchange";
    for (int a : parts) {
      current = a;
      json c = makeMessage(msg::kConnect);
      c["flows"] = json::object();
      for (const auto& f : round.flows) {
        if (f.sender == a) c["flows"][std::to_string(f.flow_id)] = endpoint_of.at(f.flow_id);
      }
      I.send(a, c, phase);
    }
    phase = "barrier";
    for (int a : parts) {
      current = a;
      I.receive(a, msg::kReady, phase, I.options.step_timeout_ns);
    }
    phase = "start";
    const int64_t start_wall = wallNowNs() + I.options.start_delay_ns;
    for (int a : parts) {
      current = a;
      json s = makeMessage(msg::kStart);
      s["start_wall_ns"] = start_wall + I.agents[a].clock_offset_ns;  // on the agent's clock
      I.send(a, s, phase);
    }
    phase = "run";
    const int64_t run_ns = runNs(spec, round);
    std::map<std::string, uint64_t> sent;
    for (int a : parts) {
      current = a;
      json r = I.receive(a, msg::kSent, phase, I.options.start_delay_ns + run_ns + I.options.step_timeout_ns);
      for (auto s : r.at("senders").get<std::vector<engine::SenderResult>>()) {
        sent[std::to_string(s.flow_id)] = s.packets;
        out.senders.push_back(s);
      }
      for (auto p : r.at("pingpongs").get<std::vector<engine::PingpongResult>>()) out.pingpongs.push_back(p);
      if (collective) {
        if (!r.contains("collective")) throw ProtocolError(I.who(a) + " sent no collective result during " + phase);
        auto res = r.at("collective").get<engine::CollectiveRankResult>();
        const int want = rank_of.at(a);
        if (res.rank != want) {
          throw ProtocolError(I.who(a) + " sent the result of rank " + std::to_string(res.rank) + "; it is rank " +
                              std::to_string(want));
        }
        out.collectives.back().ranks.push_back(std::move(res));
      }
    }
    // Achieved start skew: first sends mapped onto our clock with each agent's offset.
    {
      std::map<uint32_t, int> sender_of;
      for (const auto& f : round.flows) sender_of[f.flow_id] = f.sender;
      int64_t lo = INT64_MAX, hi = INT64_MIN, bound = 0;
      size_t counted = 0;
      for (size_t i = first_sender; i < out.senders.size(); ++i) {
        const auto& s = out.senders[i];
        if (s.first_send_wall_ns == 0) continue;
        const AgentInfo& a = I.agents[sender_of.at(s.flow_id)];
        const int64_t t = s.first_send_wall_ns - a.clock_offset_ns;
        lo = std::min(lo, t);
        hi = std::max(hi, t);
        bound = std::max(bound, a.offset_bound_ns);
        ++counted;
      }
      if (counted >= 2 && hi - lo > out.start_skew_ns) {
        out.start_skew_ns = hi - lo;
        out.start_skew_bound_ns = 2 * bound;
      }
    }
    phase = "results";
    for (int a : parts) {
      current = a;
      json f = makeMessage(msg::kFinish);
      f["sent"] = sent;
      I.send(a, f, phase);
    }
    std::vector<std::string> errors;
    for (int a : parts) {
      current = a;
      json r = I.receive(a, msg::kResults, phase, I.options.step_timeout_ns + 5'000'000'000);
      for (auto x : r.at("receivers").get<std::vector<engine::ReceiverResult>>()) out.receivers.push_back(x);
      for (auto x : r.at("responders").get<std::vector<engine::ResponderResult>>()) out.responders.push_back(x);
      if (r.contains("pingpongs")) {  // beside a collective, the probe ends at "finish"
        for (auto p : r.at("pingpongs").get<std::vector<engine::PingpongResult>>()) out.pingpongs.push_back(p);
      }
      for (const auto& e : r.at("errors")) errors.push_back(I.who(a) + ": " + e.get<std::string>());
      if (r.contains("log") && r["log"].is_array() && !r["log"].empty()) {
        auto& lines = out.agent_logs[a];
        for (const auto& l : r["log"]) {
          if (l.is_string()) lines.push_back(l.get<std::string>());
        }
      }
      if (r.contains("counters") && r["counters"].is_object()) {
        json& c = out.host_counters[a];
        json metrics = c.is_object() && c.contains("metrics") ? c["metrics"] : json::object();
        counters::addCounterMetrics(metrics, r["counters"]);
        c = r["counters"];
        c["metrics"] = metrics;
      }
    }
    if (!errors.empty()) out.error = errors.front();
  } catch (const std::exception& e) {
    out.error = e.what();
    const bool agent_fault = dynamic_cast<const TransportError*>(&e) || dynamic_cast<const TimeoutError*>(&e) ||
                             dynamic_cast<const ProtocolError*>(&e);
    if (current >= 0 && agent_fault) I.markLost(current, e.what());
    // Everyone else: abort this test and stay available for the next.
    for (int a : parts) {
      if (I.agents[a].lost) continue;
      try {
        I.send(a, makeMessage("abort"), "abort");
      } catch (const Error& ee) {
        I.markLost(a, ee.what());
      }
    }
  }
}

void Controller::shutdown() noexcept {
  auto& I = *impl_;
  for (size_t a = 0; a < I.channels.size(); ++a) {
    if (!I.channels[a] || I.agents[a].lost) continue;
    try {
      json b = makeMessage(msg::kBye);
      b["test_id"] = I.test_id;
      I.channels[a]->send(b, 1'000'000'000);
    } catch (...) {
    }
    I.channels[a].reset();
  }
}

}  // namespace fabcheck::controller
