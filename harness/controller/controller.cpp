#include "harness/controller/controller.h"

#include <algorithm>
#include <climits>
#include <set>

#include <fmt/format.h>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "generators/core/log.h"
#include "generators/transport/transport.h"
#include "harness/controller/agent_links.h"
#include "harness/controller/registration.h"
#include "harness/controller/round_runner.h"
#include "harness/plan/test_rounds.h"
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/authenticated_channel.h"

namespace fabcheck::controller {

namespace msg = protocol::msg;

namespace {

// Results in flow order: the order is found on indices and each result moved once into place.
// (std::sort's swaps of results holding an optional histogram set off g++ 12's
// -Wmaybe-uninitialized, a false positive, once the unity batch's inlining changed.)
template <class Result>
void sortByFlow(std::vector<Result>& results) {
  std::vector<size_t> order(results.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return results[x].flow_id < results[y].flow_id; });
  std::vector<Result> sorted;
  sorted.reserve(results.size());
  for (size_t i : order) sorted.push_back(std::move(results[i]));
  results = std::move(sorted);
}

// Takes registration `r` for agent r.info.id when that agent is expected and still missing;
// refuses it (told, logged, closed) otherwise.
void admit(AgentLinks& links, Registration r, int count, std::set<int>& missing, int64_t quiet_ns) {
  const int id = r.info.id;
  if (id < 0 || id >= count) {
    RegistrationDesk::refuse(std::move(r), "not expected: this run has agents 0 to " + std::to_string(count - 1));
    return;
  }
  if (!missing.count(id)) {
    RegistrationDesk::refuse(std::move(r), "not expected: agent " + std::to_string(id) + " already registered from " +
                                               links.agents[static_cast<size_t>(id)].peer);
    return;
  }
  links.agents[static_cast<size_t>(id)] = std::move(r.info);
  links.channels[static_cast<size_t>(id)] = std::make_unique<protocol::AuthenticatedChannel>(std::move(r.channel));
  missing.erase(id);
  // Advisory: an agent that cannot hear it is found lost at its first step.
  try {
    links.send(id, msg::Admitted{quiet_ns}, "registration");
  } catch (const Error& e) {
    log::warn("{}", e.what());
  }
}

// Links ready for `count` agents, none registered yet; returns every id as missing.
std::set<int> expectAgents(AgentLinks& links, int count) {
  links.agents.assign(static_cast<size_t>(count), AgentInfo{});
  links.channels.clear();
  links.channels.resize(static_cast<size_t>(count));
  std::set<int> missing;
  for (int i = 0; i < count; ++i) missing.insert(i);
  return missing;
}

RegistrationOptions deskOptions(const ControllerOptions& o, int count) {
  return {.per_connection_timeout_ns = o.step_timeout_ns, .max_pending = std::max<size_t>(64, 2 * static_cast<size_t>(count))};
}

// An in-process transport (loop) joins endpoints of one process only: its test's agents must
// be identities of one agent process, else their flows would reach another identity's listener
// of the same number, or none. ConfigError naming two agents that are not.
void checkOneProcess(const TestSpec& spec, const std::vector<int>& who, const std::vector<AgentInfo>& agents) {
  if (who.empty() || !transport::transportKindProperties(spec.transport).in_process) return;
  const AgentInfo& first = agents[static_cast<size_t>(who.front())];
  for (int a : who) {
    const AgentInfo& other = agents[static_cast<size_t>(a)];
    if (first.pid == 0 || other.pid == 0) continue;  // not told (agents over in-memory channels, in tests)
    if (other.pid == first.pid && other.boot_id == first.boot_id && other.host == first.host) continue;
    throw ConfigError("test '" + spec.name + "': transport " + spec.transport + " works only between agents of one process; agent " +
                      std::to_string(first.id) + " (" + first.host + ", pid " + std::to_string(first.pid) + ") and agent " +
                      std::to_string(other.id) + " (" + other.host + ", pid " + std::to_string(other.pid) +
                      ") are not; start them as one process (local launcher: --launcher-option identities_per_process=N)");
  }
}

std::string tooFewAgents(int count, int min_count, const std::map<int, std::string>& gone) {
  std::string why;
  for (const auto& [id, reason] : gone) why += (why.empty() ? "" : "; ") + reason;
  return "too few agents: " + std::to_string(count - static_cast<int>(gone.size())) + " of " + std::to_string(count) +
         " can register, min_agents is " + std::to_string(min_count) + ": " + why;
}

}  // namespace

struct Controller::Impl {
  std::optional<protocol::ControlListener> listener;  // none: built over registered agents
  protocol::RunSecret secret;
  ControllerOptions options;
  AgentLinks links;
  // Registration (openRegistration .. the end of acceptAgents/acceptAtLeast).
  std::unique_ptr<RegistrationDesk> desk;
  int expected = 0;
  std::set<int> missing;

  // How long an admitted agent may hear nothing before its first test: the rest of the launch
  // and the others' registrations (each bounded by the register timeout) and the clock probes.
  int64_t admittedQuietNs() const { return 2 * options.register_timeout_ns + options.step_timeout_ns; }
  void admitTaken(Registration r) { admit(links, std::move(r), expected, missing, admittedQuietNs()); }

  // Closes the desk however acceptAgents/acceptAtLeast end, and the control listener: no agent
  // registers after that, and a listener nothing accepts on would fill its queue silently.
  struct DeskCloser {
    Impl& impl;
    ~DeskCloser() {
      impl.desk.reset();
      if (impl.listener && impl.listener->fd() >= 0) {
        impl.listener->close();
        log::info("closed the control listener: registration is over");
      }
    }
  };
};

Controller::Controller(protocol::ControlListener listener, const protocol::RunSecret& secret,
                       ControllerOptions options)
    : impl_(new Impl{std::move(listener), secret, options, {}}) {
  impl_->links.step_timeout_ns = options.step_timeout_ns;
}

Controller::Controller(std::vector<ConnectedAgent> agents, ControllerOptions options)
    : impl_(new Impl{std::nullopt, {}, options, {}}) {
  auto& links = impl_->links;
  links.step_timeout_ns = options.step_timeout_ns;
  for (size_t i = 0; i < agents.size(); ++i) {
    if (agents[i].info.id != static_cast<int>(i)) {
      throw ConfigError("agent " + std::to_string(agents[i].info.id) + " given as agent " + std::to_string(i) +
                        ": agents must be given in id order 0.." + std::to_string(agents.size() - 1));
    }
    links.agents.push_back(std::move(agents[i].info));
    links.channels.push_back(std::move(agents[i].channel));
  }
}

Controller::~Controller() { shutdown(); }

void Controller::setInterrupt(const std::atomic<bool>* flag) { impl_->links.interrupt = flag; }

const std::vector<AgentInfo>& Controller::agents() const { return impl_->links.agents; }

void Controller::openRegistration(int count) {
  auto& I = *impl_;
  if (!I.listener) throw ConfigError("this controller has no listener: its agents were given when it was built");
  I.desk.reset();
  I.expected = count;
  I.missing = expectAgents(I.links, count);
  // Registrations are read concurrently (registration.h): a silent or slow connection delays
  // no one. The desk's destructor cancels and joins every read still pending.
  I.desk = std::make_unique<RegistrationDesk>(*I.listener, I.secret, deskOptions(I.options, count));
}

void Controller::admitWaiting() {
  auto& I = *impl_;
  if (!I.desk) return;
  while (std::optional<Registration> r = I.desk->next(0)) I.admitTaken(std::move(*r));
}

void Controller::acceptAgents(int count, const std::function<std::string()>& problem) {
  auto& I = *impl_;
  if (!I.desk || I.expected != count) openRegistration(count);
  const Impl::DeskCloser closer{I};
  std::set<int>& missing = I.missing;
  const int64_t deadline = monoNowNs() + I.options.register_timeout_ns;
  int64_t next_check = 0;
  while (!missing.empty()) {
    // problem() looks at every launched process: once per slice, not per registration (which
    // made registering n agents cost n² process polls).
    if (problem && monoNowNs() >= next_check) {
      if (std::string p = problem(); !p.empty()) throw TransportError("agents could not start: " + p);
      next_check = monoNowNs() + RegistrationDesk::kSliceNs;
    }
    if (monoNowNs() > deadline) {
      std::string ids;
      for (int i : missing) ids += (ids.empty() ? "" : ", ") + std::to_string(i);
      throw TimeoutError("agents " + ids + " did not register within " +
                         std::to_string(I.options.register_timeout_ns / 1'000'000'000) + " s");
    }
    std::optional<Registration> r = I.desk->next(RegistrationDesk::kSliceNs);  // ~100 ms: problem() stays polled
    if (r) I.admitTaken(std::move(*r));
  }
}

std::map<int, std::string> Controller::acceptAtLeast(int count, int min_count, const std::function<std::string()>& problem,
                                                     const std::function<std::map<int, std::string>()>& gone,
                                                     const std::vector<std::string>& hosts_by_id) {
  auto& I = *impl_;
  if (!I.desk || I.expected != count) openRegistration(count);
  const Impl::DeskCloser closer{I};
  auto& links = I.links;
  std::set<int>& missing = I.missing;
  std::map<int, std::string> dropped;  // ⊆ missing
  const int64_t deadline = monoNowNs() + I.options.register_timeout_ns;
  int64_t next_check = 0;
  while (dropped.size() < missing.size()) {
    if (monoNowNs() >= next_check) {  // as in acceptAgents: once per slice
      if (problem) {
        if (std::string p = problem(); !p.empty()) throw TransportError("agents could not start: " + p);
      }
      if (gone) {
        for (auto& [id, why] : gone()) {
          if (missing.count(id)) dropped.emplace(id, why);
        }
      }
      next_check = monoNowNs() + RegistrationDesk::kSliceNs;
    }
    if (monoNowNs() > deadline) {
      for (int id : missing) {
        const std::string on = static_cast<size_t>(id) < hosts_by_id.size() ? " on " + hosts_by_id[static_cast<size_t>(id)] : "";
        dropped.emplace(id, "agent " + std::to_string(id) + on + " did not register within " +
                                std::to_string(I.options.register_timeout_ns / 1'000'000'000) + " s");
      }
    }
    if (count - static_cast<int>(dropped.size()) < min_count) throw TransportError(tooFewAgents(count, min_count, dropped));
    if (dropped.size() == missing.size()) break;
    std::optional<Registration> r = I.desk->next(RegistrationDesk::kSliceNs);
    if (r) I.admitTaken(std::move(*r));
  }
  for (const auto& [id, why] : dropped) {
    AgentInfo& a = links.agents[static_cast<size_t>(id)];
    a.id = id;
    if (static_cast<size_t>(id) < hosts_by_id.size()) a.host = hosts_by_id[static_cast<size_t>(id)];
    a.lost = a.dropped = true;
    a.lost_reason = why;
  }
  return dropped;
}

void Controller::measureClocks() {
  auto& links = impl_->links;
  const std::string my_boot = bootId();
  links.clock.anchor();  // agents on our kernel are at offset 0 from it now
  for (int a = 0; a < links.count(); ++a) {
    if (links.agents[a].lost) continue;
    // An agent on our kernel shares our CLOCK_REALTIME: its offset is exactly zero, and an
    // estimate over the network would only add its own error (tens of microseconds of path asymmetry).
    const bool same_kernel = !my_boot.empty() && links.agents[a].boot_id == my_boot;
    measureClock(a, same_kernel ? 0 : impl_->options.clock_samples);
  }
}

void Controller::measureClock(int a, int samples) {
  auto& links = impl_->links;
  AgentInfo& agent = links.agents[a];
  int64_t best_rtt = INT64_MAX, best_offset = 0;
  for (int s = 0; s < samples; ++s) {
    const int64_t t0 = links.clock.nowNs();
    links.send(a, msg::TimeRequest{s}, "clock measurement");
    const auto r = links.receive<msg::TimeReply>(a, "clock measurement", impl_->options.step_timeout_ns);
    const int64_t t2 = links.clock.nowNs();
    if (t2 - t0 < best_rtt) {  // the fastest exchange bounds the error best
      best_rtt = t2 - t0;
      best_offset = r.agent_wall_ns - (t0 + t2) / 2;
    }
  }
  agent.clock_offset_ns = samples > 0 ? best_offset : 0;
  agent.offset_bound_ns = samples > 0 ? best_rtt / 2 : 0;
}

TestOutcome Controller::runTest(const TestSpec& spec) {
  auto& links = impl_->links;
  TestOutcome out;
  out.name = spec.name;
  out.spec = spec;
  const int n = links.count();
  std::vector<int> who = spec.agents;
  if (who.empty()) {
    for (int a = 0; a < n; ++a) {
      if (!links.agents[a].dropped) who.push_back(a);
    }
  }
  plan::TestRounds planned;
  try {
    plan::checkTestAgents(spec, who, n);
    checkOneProcess(spec, who, links.agents);
    planned = plan::planTestRounds(spec, static_cast<int>(who.size()));
  } catch (const ConfigError& e) {
    out.error = e.what();
    return out;
  }
  // Round r with placement indexes turned into agent ids. Lazy rounds (a matrix) are computed
  // when they run and join out.plan then, so the first starts without the others being built;
  // they involve every placement index (pattern_plugin.h).
  const auto roundOf = [&planned, &who](size_t r) {
    patterns::PatternPlan round = planned.round(r);
    for (auto& f : round.flows) {
      f.sender = who[static_cast<size_t>(f.sender)];
      f.receiver = who[static_cast<size_t>(f.receiver)];
    }
    return round;
  };
  const bool lazy = static_cast<bool>(planned.lazy_round);
  std::set<int> parts;
  if (lazy) parts.insert(who.begin(), who.end());
  for (size_t r = 0; !lazy && r < planned.count(); ++r) {
    for (const auto& f : roundOf(r).flows) {
      parts.insert(f.sender);
      parts.insert(f.receiver);
      out.plan.flows.push_back(f);
    }
  }
  out.participants.assign(parts.begin(), parts.end());
  if (spec.collective) out.collective.rank_agents = who;
  for (int a : parts) {
    if (links.agents[a].dropped) {
      out.error = "agent " + std::to_string(a) + " on " + links.agents[a].host +
                  " never registered (the run went on without it): " + links.agents[a].lost_reason;
      return out;
    }
    if (links.agents[a].lost) {
      out.error = "agent " + std::to_string(a) + " was lost in an earlier test: " + links.agents[a].lost_reason;
      return out;
    }
  }
  if (spec.probe && !runIdleBaseline(spec, roundOf(0), out)) return out;
  for (size_t r = 0; r < planned.count(); ++r) {
    ++out.rounds;
    const patterns::PatternPlan round = roundOf(r);
    if (lazy) out.plan.flows.insert(out.plan.flows.end(), round.flows.begin(), round.flows.end());
    if (spec.collective) {
      runCollectiveRound(spec, round, planned.collective[r], out);
    } else {
      runRound(spec, round, out);
    }
    if (!out.error.empty()) break;
  }
  if (out.error.empty()) retestFlaggedPairs(spec, out);
  sortByFlow(out.senders);
  sortByFlow(out.receivers);
  sortByFlow(out.pingpongs);
  sortByFlow(out.responders);
  return out;
}

bool Controller::runIdleBaseline(const TestSpec& spec, const patterns::PatternPlan& first_round, TestOutcome& out) {
  // The idle baseline: the probe (the round's last flow) alone, before the load.
  patterns::PatternPlan idle;
  idle.flows.push_back(first_round.flows.back());
  idle.flows.back().params->warmup_ns = 0;
  idle.flows.back().params->duration_ns = spec.probe->idle_duration_ns;
  runRound(spec, idle, out);
  out.probe.idle_pingpongs = std::move(out.pingpongs);
  out.pingpongs.clear();
  out.responders.clear();
  if (out.error.empty()) return true;
  out.error = "idle baseline of the probe: " + out.error;
  return false;
}

void Controller::runCollectiveRound(const TestSpec& spec, const patterns::PatternPlan& round,
                                    const patterns::CollectiveParams& params, TestOutcome& out) {
  out.collective.rounds.push_back({params.size_bytes, {}});
  runRound(spec, round, out, &params);
  auto& ranks = out.collective.rounds.back().ranks;
  std::sort(ranks.begin(), ranks.end(), [](const auto& x, const auto& y) { return x.rank < y.rank; });
  for (const auto& x : ranks) {
    if (out.error.empty() && !x.error.empty()) {
      out.error = "size " + std::to_string(params.size_bytes) + " B: " +
                  impl_->links.who(out.collective.rank_agents[static_cast<size_t>(x.rank)]) + ": " + x.error;
    }
  }
}

void Controller::retestFlaggedPairs(const TestSpec& spec, TestOutcome& out) {
  if (spec.placement != patterns::Placement::kMatrix || spec.collective || spec.outlier_retests <= 0) return;
  const plan::MatrixPairs first = plan::pairValues(plan::matrixCells(out.plan.flows, out.senders, out.receivers, out.pingpongs));
  const plan::MatrixTolerance tolerance = plan::toleranceOf(first, spec.outlier_ratio);
  for (const auto& p : plan::flaggedPairs(first, tolerance)) out.matrix_retests.push_back({p.a, p.b, p.value, {}});
  for (int pass = 1; pass <= spec.outlier_retests; ++pass) {
    const std::vector<size_t> due = plan::pairsToRetest(out.matrix_retests, tolerance, spec.outlier_retests);
    if (due.empty()) return;
    for (size_t i : due) {
      model::MatrixRetest& pair = out.matrix_retests[i];
      const std::optional<double> v = retestPair(spec, pair.a, pair.b, tolerance.metric, out);
      if (!out.error.empty()) {
        out.error = "retest " + std::to_string(pass) + " of agents " + std::to_string(pair.a) + " and " +
                    std::to_string(pair.b) + ": " + out.error;
        return;
      }
      pair.values.push_back(v);
      log::info("test '{}': retest {} of agents {} and {}: {} (first pass {:.4g}, reference {:.4g}): {}", spec.name,
                pass, pair.a, pair.b, v ? fmt::format("{:.4g}", *v) : "no value", pair.first_pass, tolerance.reference,
                v && !tolerance.outside(*v) ? "cleared" : "still outside");
    }
  }
}

std::optional<double> Controller::retestPair(const TestSpec& spec, int a, int b, plan::MatrixMetric metric,
                                             TestOutcome& out) {
  const patterns::PatternPlan round = plan::pairRound(out.plan, a, b);
  const size_t s0 = out.senders.size(), r0 = out.receivers.size(), p0 = out.pingpongs.size(), q0 = out.responders.size();
  runRound(spec, round, out);
  // The round's flow results are the retest's, not the test's: taken out of the outcome.
  const std::vector<engine::SenderResult> senders(out.senders.begin() + static_cast<std::ptrdiff_t>(s0), out.senders.end());
  const std::vector<engine::ReceiverResult> receivers(out.receivers.begin() + static_cast<std::ptrdiff_t>(r0),
                                                      out.receivers.end());
  const std::vector<engine::PingpongResult> pingpongs(out.pingpongs.begin() + static_cast<std::ptrdiff_t>(p0),
                                                      out.pingpongs.end());
  out.senders.resize(s0);
  out.receivers.resize(r0);
  out.pingpongs.resize(p0);
  out.responders.resize(q0);
  return plan::pairValueIn(plan::matrixCells(round.flows, senders, receivers, pingpongs), metric, a, b);
}

void Controller::runRound(const TestSpec& spec, const patterns::PatternPlan& round, TestOutcome& out,
                          const patterns::CollectiveParams* collective) {
  const ControllerOptions& o = impl_->options;
  const RoundTimeouts timeouts{o.step_timeout_ns, o.start_delay_ns, o.drain_allowance_ns, o.clock_step_bound_ns};
  RoundRunner runner(impl_->links, timeouts, spec, round, out, collective);
  runner.run();
  // An agent whose clock stepped is measured again, for real even on our own kernel: the next
  // tests use its new offset. (A step of our shared kernel's clock moved ours too and measures
  // as ~0 within its bound; a step only the agent's process saw — the test-only variable of
  // clock_watch.h — measures as what it is, instead of the 0 a shared kernel implies.)
  for (int a : runner.clockStepped()) {
    if (impl_->links.agents[a].lost) continue;
    try {
      measureClock(a, o.clock_samples);
    } catch (const std::exception& e) {
      impl_->links.markLost(a, e.what());
    }
  }
}

void Controller::shutdown() noexcept {
  auto& links = impl_->links;
  for (size_t a = 0; a < links.channels.size(); ++a) {
    if (!links.channels[a] || links.agents[a].lost) continue;
    try {
      nlohmann::json bye = protocol::encode(msg::Bye{});
      protocol::setTestId(bye, links.test_id);
      links.channels[a]->send(bye, 1'000'000'000);
    } catch (...) {
    }
    links.channels[a].reset();
  }
}

}  // namespace fabcheck::controller
