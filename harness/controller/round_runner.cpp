#include "harness/controller/round_runner.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "harness/counters/test_counters.h"
#include "harness/plan/test_rounds.h"

namespace fabcheck::controller {

namespace msg = protocol::msg;
using nlohmann::json;

int64_t heartbeatIntervalNs(int64_t step_timeout_ns) {
  return std::clamp<int64_t>(step_timeout_ns / 4, 10'000'000, 1'000'000'000);
}

int64_t startMarginNs(int64_t floor_ns, int64_t exchange_ns, int64_t largest_offset_bound_ns) {
  constexpr int64_t kCap = INT64_MAX / 4;
  const int64_t exchange = std::clamp<int64_t>(exchange_ns, 0, kCap);
  const int64_t bound = std::clamp<int64_t>(largest_offset_bound_ns, 0, kCap);
  return std::max(floor_ns, std::min(kCap, 2 * exchange + bound));
}

RoundRunner::RoundRunner(AgentLinks& links, RoundTimeouts timeouts, const model::TestSpec& spec,
                         const patterns::PatternPlan& round, model::TestOutcome& out,
                         const patterns::CollectiveParams* collective)
    : links_(links), timeouts_(timeouts), spec_(spec), round_(round), out_(out), collective_(collective) {
  std::set<int> part_set;
  flows_of_.resize(links_.agents.size());
  for (size_t i = 0; i < round_.flows.size(); ++i) {
    const auto& f = round_.flows[i];
    part_set.insert(f.sender);
    part_set.insert(f.receiver);
    flows_of_.at(static_cast<size_t>(f.sender)).push_back(i);
    if (f.receiver != f.sender) flows_of_.at(static_cast<size_t>(f.receiver)).push_back(i);
    const int64_t bs = links_.agents[f.sender].offset_bound_ns, br = links_.agents[f.receiver].offset_bound_ns;
    if (bs >= 0 && br >= 0) out_.one_way_bound_ns = std::max(out_.one_way_bound_ns, bs + br);
  }
  parts_.assign(part_set.begin(), part_set.end());
  for (size_t r = 0; collective_ && r < out_.collective.rank_agents.size(); ++r) {
    rank_of_[out_.collective.rank_agents[r]] = static_cast<int>(r);
  }
}

void RoundRunner::run() noexcept {
  ++links_.test_id;
  const size_t first_sender = out_.senders.size();
  int64_t mark = monoNowNs();
  auto timed = [&](const char* phase) {  // the phase that just ended, into the outcome's phase_ns
    const int64_t now = monoNowNs();
    out_.phase_ns[phase] += now - mark;
    mark = now;
  };
  try {
    phase_ = "setup";
    sendSetups();
    collectEndpoints();
    timed("setup");
    phase_ = "endpoint exchange";
    sendConnects();
    phase_ = "barrier";
    awaitReady();
    timed("connect");
    phase_ = "start";
    sendStart();
    timed("start");
    phase_ = "run";
    collectSent();
    measureStartSkew(first_sender);
    timed("run");
    phase_ = "results";
    sendFinish();
    collectResults();
    timed("results");
  } catch (const std::exception& e) {
    abortRound(e);
  }
}

void RoundRunner::sendSetups() {
  for (int a : parts_) {
    current_ = a;
    links_.send(a, setupFor(a), phase_);
  }
}

msg::Setup RoundRunner::setupFor(int a) const {
  msg::Setup m;
  m.test = spec_.name;
  m.params = spec_.params;
  m.transport = spec_.transport;
  m.transport_options = spec_.transport_options;
  m.me = a;
  if (spec_.counters.interval_ns > 0) m.counter_interval_ns = spec_.counters.interval_ns;
  m.controller_step_timeout_ns = timeouts_.step_timeout_ns;
  m.heartbeat_interval_ns = heartbeatIntervalNs(timeouts_.step_timeout_ns);
  // Its own flows only; one-way latency: the peer's timestamps onto this agent's clock, from
  // the measured offsets.
  const auto& agents = links_.agents;
  const std::vector<size_t>& mine = flows_of_[static_cast<size_t>(a)];
  m.flows.reserve(mine.size());
  for (size_t i : mine) {
    const auto& f = round_.flows[i];
    m.flows.push_back(f);
    const int peer = f.sender == a ? f.receiver : f.sender;
    if (agents[a].offset_bound_ns < 0 || agents[peer].offset_bound_ns < 0) continue;
    m.clock_correction_ns[f.flow_id] = agents[a].clock_offset_ns - agents[peer].clock_offset_ns;
  }
  if (collective_) {
    const model::CollectiveSpec& c = *spec_.collective;
    protocol::CollectiveSetup& cs = m.collective.emplace();
    cs.params = *collective_;
    cs.ranks = static_cast<int>(out_.collective.rank_agents.size());
    cs.rank = rank_of_.at(a);
    cs.link_rate_bps = c.link_rate_bps;
    cs.message_bytes = c.message_bytes;
    cs.window_bytes = c.window_bytes;
    cs.step_timeout_ns = c.step_timeout_ns;
    cs.timeout_ns = c.timeout_ns;
  }
  return m;
}

void RoundRunner::collectEndpoints() {
  links_.receiveEach<msg::Endpoints>(parts_, phase_, timeouts_.step_timeout_ns, current_, [&](int, msg::Endpoints e) {
    for (auto& [id, desc] : e.flows) endpoint_of_[id] = std::move(desc);
  });
}

void RoundRunner::sendConnects() {
  const int64_t begin = monoNowNs();
  for (int a : parts_) {
    current_ = a;
    msg::Connect c;
    for (size_t i : flows_of_[static_cast<size_t>(a)]) {
      const auto& f = round_.flows[i];
      if (f.sender != a) continue;
      const auto it = endpoint_of_.find(f.flow_id);
      if (it == endpoint_of_.end()) {
        // Not the sender's fault: no one is marked lost, every participant is told to abort.
        throw Error(links_.who(f.receiver) + " gave no endpoint for flow " + std::to_string(f.flow_id) +
                    " during setup");
      }
      c.flows[f.flow_id] = it->second;
    }
    links_.send(a, c, phase_);
  }
  connects_sent_ns_ = monoNowNs() - begin;
}

void RoundRunner::awaitReady() {
  links_.receiveEach<msg::Ready>(parts_, phase_, timeouts_.step_timeout_ns, current_, [](int, msg::Ready) {});
}

void RoundRunner::sendStart() {
  int64_t bound = 0;
  for (int a : parts_) bound = std::max(bound, links_.agents[a].offset_bound_ns);
  start_margin_ns_ = startMarginNs(timeouts_.start_delay_ns, connects_sent_ns_, bound);
  const int64_t start_wall = links_.clock.nowNs() + start_margin_ns_;  // never stepped (controller_clock.h)
  for (int a : parts_) {
    current_ = a;
    links_.send(a, msg::Start{start_wall + links_.agents[a].clock_offset_ns}, phase_);  // on the agent's clock
  }
}

void RoundRunner::collectSent() {
  const int64_t run_ns = plan::roundRunNs(spec_, round_);
  const int64_t timeout = start_margin_ns_ + run_ns + timeouts_.step_timeout_ns;
  links_.receiveEach<msg::Sent>(parts_, phase_, timeout, current_, [&](int a, msg::Sent r) {
    for (const auto& s : r.senders) {
      sent_[s.flow_id] = s.packets;
      out_.senders.push_back(s);
    }
    for (auto& p : r.pingpongs) out_.pingpongs.push_back(std::move(p));
    if (collective_) addCollectiveResult(a, r);
  }, timeouts_.step_timeout_ns);  // an agent silent that long (no heartbeat) is lost at once
  if (collective_) {  // in rank order, whatever order they came in
    auto& ranks = out_.collective.rounds.back().ranks;
    std::stable_sort(ranks.begin(), ranks.end(), [](const auto& x, const auto& y) { return x.rank < y.rank; });
  }
}

void RoundRunner::addCollectiveResult(int a, const msg::Sent& sent) {
  if (!sent.collective) throw ProtocolError(links_.who(a) + " sent no collective result during " + phase_);
  const int want = rank_of_.at(a);
  if (sent.collective->rank != want) {
    throw ProtocolError(links_.who(a) + " sent the result of rank " + std::to_string(sent.collective->rank) +
                        "; it is rank " + std::to_string(want));
  }
  out_.collective.rounds.back().ranks.push_back(*sent.collective);
}

// Achieved start skew: first sends mapped onto our clock with each agent's offset.
void RoundRunner::measureStartSkew(size_t first_sender) {
  std::map<uint32_t, int> sender_of;
  for (const auto& f : round_.flows) sender_of[f.flow_id] = f.sender;
  int64_t lo = INT64_MAX, hi = INT64_MIN, bound = 0;
  size_t counted = 0;
  for (size_t i = first_sender; i < out_.senders.size(); ++i) {
    const auto& s = out_.senders[i];
    if (s.first_send_wall_ns == 0) continue;
    const auto it = sender_of.find(s.flow_id);
    if (it == sender_of.end()) continue;  // not a flow of this round
    const model::AgentInfo& a = links_.agents[it->second];
    const int64_t t = s.first_send_wall_ns - a.clock_offset_ns;
    lo = std::min(lo, t);
    hi = std::max(hi, t);
    bound = std::max(bound, a.offset_bound_ns);
    ++counted;
  }
  if (counted >= 2 && hi - lo > out_.start_skew_ns) {
    out_.start_skew_ns = hi - lo;
    out_.start_skew_bound_ns = 2 * bound;
  }
}

void RoundRunner::sendFinish() {
  for (int a : parts_) {
    current_ = a;
    msg::Finish finish;  // the sent counts of the flows it receives
    for (size_t i : flows_of_[static_cast<size_t>(a)]) {
      const auto& f = round_.flows[i];
      if (f.receiver != a) continue;
      if (const auto it = sent_.find(f.flow_id); it != sent_.end()) finish.sent[f.flow_id] = it->second;
    }
    links_.send(a, finish, phase_);
  }
}

void RoundRunner::collectResults() {
  std::map<int, std::string> errors;  // by agent: the first in agent order is the test's error
  std::map<int, std::string> caveats;
  const int64_t timeout = timeouts_.step_timeout_ns + timeouts_.drain_allowance_ns;
  links_.receiveEach<msg::Results>(parts_, phase_, timeout, current_, [&](int a, msg::Results r) {
    for (auto& x : r.receivers) out_.receivers.push_back(std::move(x));
    for (auto& x : r.responders) out_.responders.push_back(std::move(x));
    if (r.pingpongs) {  // beside a collective, the probe ends at "finish"
      for (auto& p : *r.pingpongs) out_.pingpongs.push_back(std::move(p));
    }
    if (!r.errors.empty()) errors.emplace(a, links_.who(a) + ": " + r.errors.front());
    if (r.transport_caveat) caveats.emplace(a, *r.transport_caveat);
    if (r.transport_device) out_.transport_devices[a] = *r.transport_device;
    if (!r.log.empty()) {
      auto& lines = out_.agent_logs[a];
      lines.insert(lines.end(), r.log.begin(), r.log.end());
    }
    if (r.counters.is_object()) addHostCounters(a, r.counters);
    if (r.clock_step_ns) noteClockStep(a, *r.clock_step_ns);
  });
  if (!caveats.empty()) out_.transport_caveat = caveats.rbegin()->second;  // the last agent's, as before
  if (!errors.empty()) out_.error = errors.begin()->second;
  for (int a : clock_stepped_) {
    if (!out_.error.empty()) break;
    if (out_.clock_steps_ns.count(a) == 0) continue;  // within the bound: measured again, no finding
    const int64_t step = out_.clock_steps_ns.at(a);
    out_.error = fmt::format(
        "{}: its CLOCK_REALTIME stepped by {:+.3f} ms during the test (more than the bound of {:.3f} ms): the "
        "timestamps it took (one-way latency, start times, round trips) are not trustworthy; its clock is "
        "measured again before the next test",
        links_.who(a), static_cast<double>(step) / 1e6, static_cast<double>(timeouts_.clock_step_bound_ns) / 1e6);
  }
}

// A step of the agent's realtime clock (agent/clock_watch.h). Beyond kRemeasureStepNs (or the
// bound, when smaller) its offset is stale: the controller measures it again after the round,
// also when a raised bound tolerates the step. Beyond the bound it is a finding: the largest of
// the test's rounds is kept.
void RoundRunner::noteClockStep(int a, int64_t step_ns) {
  out_.clock_step_bound_ns = timeouts_.clock_step_bound_ns;
  const int64_t size = std::llabs(step_ns);
  if (size > std::min(timeouts_.clock_step_bound_ns, kRemeasureStepNs)) clock_stepped_.push_back(a);
  if (size <= timeouts_.clock_step_bound_ns) return;
  int64_t& kept = out_.clock_steps_ns[a];
  if (size > std::llabs(kept)) kept = step_ns;
}

// The agent's counters of this round; their metrics summed over the test's rounds.
void RoundRunner::addHostCounters(int a, const json& counters) {
  json& c = out_.host_counters[a];
  json metrics = c.is_object() && c.contains("metrics") ? c["metrics"] : json::object();
  counters::addCounterMetrics(metrics, counters);
  c = counters;
  c["metrics"] = metrics;
}

void RoundRunner::abortRound(const std::exception& failure) noexcept {
  out_.error = failure.what();
  const bool agent_fault = dynamic_cast<const TransportError*>(&failure) ||
                           dynamic_cast<const TimeoutError*>(&failure) || dynamic_cast<const ProtocolError*>(&failure);
  if (current_ >= 0 && agent_fault) links_.markLost(current_, failure.what());
  // Everyone else: abort this test and stay available for the next.
  for (int a : parts_) {
    if (links_.agents[a].lost) continue;
    try {
      links_.send(a, msg::Abort{}, "abort");
    } catch (const std::exception& e) {
      links_.markLost(a, e.what());
    }
  }
}

}  // namespace fabcheck::controller
