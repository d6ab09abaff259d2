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
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/collective_setup.h"
#include "harness/controller/registration.h"
#include "harness/counters/test_counters.h"
#include "harness/plan/test_rounds.h"
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
    plan::checkTestAgents(spec, who, n);
    plan::TestRounds planned = plan::planTestRounds(spec, static_cast<int>(who.size()));
    rounds = std::move(planned.rounds);
    collective_params = std::move(planned.collective);
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
  if (spec.collective) out.collective.rank_agents = who;
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
    out.probe.idle_pingpongs = std::move(out.pingpongs);
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
      out.collective.rounds.push_back({collective_params[r].size_bytes, {}});
      runRound(spec, rounds[r], out, &collective_params[r]);
      auto& ranks = out.collective.rounds.back().ranks;
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
  for (size_t r = 0; collective && r < out.collective.rank_agents.size(); ++r) rank_of[out.collective.rank_agents[r]] = static_cast<int>(r);
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
        const model::CollectiveSpec& c = *spec.collective;
        protocol::CollectiveSetup cs;
        cs.params = *collective;
        cs.ranks = static_cast<int>(out.collective.rank_agents.size());
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
    const int64_t run_ns = plan::roundRunNs(spec, round);
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
        out.collective.rounds.back().ranks.push_back(std::move(res));
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
