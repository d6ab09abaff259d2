#include "harness/agent/agent_session.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "generators/core/log.h"
#include "harness/model/units.h"
#include "harness/protocol/control_channel.h"

namespace fabcheck::agent {

namespace msg = protocol::msg;
using nlohmann::json;

namespace {

constexpr int64_t kPollNs = 200'000'000;            // the idle loop's slice
constexpr int64_t kCollectivePollNs = 20'000'000;   // watching the channel while a rank runs
constexpr int64_t kFlowsPollNs = 20'000'000;        // watching the channel while the senders run
constexpr int64_t kMinHeartbeatNs = 10'000'000;     // a controller asking for more is not obeyed
constexpr int64_t kDrainNs = 5'000'000'000;         // the other agents' receivers draining
constexpr int64_t kMaxControllerStepNs = 3'600'000'000'000;  // a controller's claim beyond an hour is not believed

// The controller aborted the current test (another agent failed).
struct TestAborted {};

// An eventfd the senders' waiter signals when they all ended (-1 when none could be made: the
// watch then polls in kFlowsPollNs slices).
struct SendersDoneFd {
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  SendersDoneFd() = default;
  SendersDoneFd(const SendersDoneFd&) = delete;
  SendersDoneFd& operator=(const SendersDoneFd&) = delete;
  ~SendersDoneFd() {
    if (fd >= 0) ::close(fd);
  }
  void signal() const noexcept {
    const uint64_t one = 1;
    if (fd >= 0) [[maybe_unused]] auto n = ::write(fd, &one, sizeof one);
  }
};

}  // namespace

AgentSession::AgentSession(protocol::MessageChannel& channel, const AgentOptions& options,
                           const std::atomic<bool>& stop)
    : ch_(channel), o_(options), stop_(stop), clock_(options.agent_id) {}

std::string AgentSession::self() const { return "agent " + std::to_string(o_.agent_id) + " on " + hostName(); }

int AgentSession::serve() {
  int64_t idle = 0;
  int64_t idle_limit = o_.idle_timeout_ns;  // the controller's "admitted" may say it will be quiet longer
  while (!stop_.load()) {
    std::optional<json> m = ch_.tryReceive(kPollNs, "waiting for the controller");
    if (!m) {
      if ((idle += kPollNs) > idle_limit) {
        log::error("no word from the controller {} for {} s; exiting", ch_.peer(), idle_limit / 1'000'000'000);
        return 1;
      }
      continue;
    }
    idle = 0;
    heard_ = true;
    const std::string type = protocol::typeOf(*m);
    if (type == msg::Bye::kType) return 0;
    if (type == msg::Admitted::kType) {
      idle_limit = admittedQuiet(*m);
      continue;
    }
    if (type == msg::ErrorMessage::kType) {  // the controller refused us (e.g. a duplicate agent id)
      std::string why = "(no reason given)";
      try {
        if (auto e = protocol::decode<msg::ErrorMessage>(*m); !e.message.empty()) why = e.message;
      } catch (const ProtocolError&) {
      }
      log::error("agent {}: the controller {} refused this agent: {}", o_.agent_id, ch_.peer(), why);
      return 1;
    }
    if (type == msg::TimeRequest::kType) {
      answerTime(*m);
    } else if (type == msg::Setup::kType) {
      runTest(*m);
    } else {
      // A late message of a test that was aborted: nothing to do.
      log::debug("agent {}: ignoring '{}' outside a test", o_.agent_id, type);
    }
  }
  return 0;
}

int64_t AgentSession::admittedQuiet(const json& admitted) const {
  try {
    const int64_t quiet = protocol::decode<msg::Admitted>(admitted).quiet_ns;
    return std::max(o_.idle_timeout_ns, std::min(quiet, kMaxControllerStepNs));
  } catch (const ProtocolError& e) {
    log::warn("agent {}: {}; waiting for the controller {} s as before", o_.agent_id, e.what(),
              o_.idle_timeout_ns / 1'000'000'000);
    return o_.idle_timeout_ns;
  }
}

void AgentSession::answerTime(const json& request) {
  try {
    const auto probe = protocol::decode<msg::TimeRequest>(request);
    clock_.rebase();  // the controller measures our clock (again): steps count from here
    json answer = protocol::encode(msg::TimeReply{probe.seq, wallNowNs()});
    protocol::setTestId(answer, std::max<int64_t>(0, protocol::testIdOf(request)));
    ch_.send(answer, o_.step_timeout_ns);
  } catch (const ProtocolError& e) {
    sendError(self() + ": " + e.what());
  }
}

void AgentSession::replyJson(json message) {
  protocol::setTestId(message, test_id_);
  ch_.send(message, o_.step_timeout_ns);
}

void AgentSession::sendError(const std::string& message) { reply(msg::ErrorMessage{message}); }

json AgentSession::expectJson(std::string_view type, int64_t timeout_ns, std::string_view phase) {
  const int64_t deadline = monoNowNs() + timeout_ns;
  for (;;) {
    json m = ch_.receive(std::max<int64_t>(1, deadline - monoNowNs()), phase);
    if (protocol::testIdOf(m) != test_id_) continue;
    if (protocol::typeOf(m) == msg::Abort::kType) throw TestAborted{};
    protocol::expectMessage(m, type, ch_.peer(), phase);
    return m;
  }
}

void AgentSession::runTest(const json& setup_message) {
  test_id_ = std::max<int64_t>(0, protocol::testIdOf(setup_message));
  msg::Setup setup;
  try {
    setup = protocol::decode<msg::Setup>(setup_message);
  } catch (const ProtocolError& e) {
    sendError(self() + " cannot set up: " + e.what());
    return;
  }
  try {
    runTestSteps(setup);
  } catch (const TestAborted&) {
    log::info("agent {}: test {} aborted by the controller", o_.agent_id, test_id_);
  } catch (const std::exception& e) {
    log::error("agent {}: {}", o_.agent_id, e.what());
    sendError(self() + ": " + e.what());
  }
}

void AgentSession::runTestSteps(const msg::Setup& setup) {
  const uint64_t log_mark = log::mark();  // this test's log lines go back with its results
  // The controller ends each phase within its own step timeout (every agent heard, or an abort):
  // wait for its word that long and our own step timeout more.
  controller_wait_ns_ =
      o_.step_timeout_ns + std::clamp<int64_t>(setup.controller_step_timeout_ns.value_or(0), 0, kMaxControllerStepNs);
  heartbeat_ns_ = setup.heartbeat_interval_ns
                      ? std::clamp<int64_t>(*setup.heartbeat_interval_ns, kMinHeartbeatNs, kMaxControllerStepNs)
                      : 0;
  next_beat_ns_ = 0;  // the first one as soon as the flows run
  clock_.beginRound();
  const std::unique_ptr<TestRun> run = prepare(setup);
  if (!run) return;
  reply(run->listen());
  run->connect(expect<msg::Connect>(controller_wait_ns_, "waiting for peers' endpoints"));
  reply(msg::Ready{});
  const auto start = expect<msg::Start>(controller_wait_ns_, "waiting for the start");
  run->start(start.start_wall_ns);
  clock_.started(run->startMono());
  if (run->rank()) {
    runCollective(*run, *setup.collective);
  } else {
    runStreams(*run);
  }
  clock_.sample();
  msg::Results results = run->results(log_mark);
  results.clock_step_ns = clock_.roundStepNs();
  reply(results);
}

std::unique_ptr<TestRun> AgentSession::prepare(const msg::Setup& setup) {
  const patterns::PatternPlan plan{setup.flows};
  const std::string& interface = setup.transport_options.bind_interface;
  if (std::string why = checkLimits(o_.limits, setup.params, plan, setup.me, interface); !why.empty()) {
    sendError(self() + " refuses the plan: " + why);
    return nullptr;
  }
  try {
    const std::string data_address = o_.data_address.empty() ? ch_.localAddress() : o_.data_address;
    return std::make_unique<TestRun>(setup, data_address, o_.step_timeout_ns,
                                     TestRunOptions{.host_counters = o_.host_counters, .send_log = o_.send_log,
                                                    .accept_wait_ns = controller_wait_ns_});
  } catch (const std::exception& e) {
    sendError(self() + " cannot set up: " + e.what());
    return nullptr;
  }
}

void AgentSession::runStreams(TestRun& run) {
  awaitSenders(run);
  reply(run.sent());
  const auto finish =
      expect<msg::Finish>(controller_wait_ns_ + kDrainNs, "waiting for the other agents to finish sending");
  run.finish(finish.sent);
}

// The senders run on their own threads; this one waits for them on a helper thread while it
// watches the control channel: a heartbeat when one is due, an "abort" stops the flows at once
// (TestAborted), a closed connection stops them and ends the session (the controller is gone:
// TransportError), and so does a stop request.
void AgentSession::awaitSenders(TestRun& run) {
  const SendersDoneFd done;
  std::future<void> senders = std::async(std::launch::async, [&run, &done] {
    run.waitSenders();
    done.signal();
  });
  try {
    while (senders.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      if (stop_.load()) throw Error("stopped while the flows ran");
      beatIfDue();
      if (ch_.readinessFd() < 0 || done.fd < 0) {  // nothing to poll (in-memory channels): short slices
        watchControl(kFlowsPollNs, "running the flows");
        continue;
      }
      // Asleep until the controller speaks, the senders end, a heartbeat is due or the stop
      // flag's slice ends: no busy polling, however many identities this process serves.
      int64_t wait_ns = kPollNs;
      if (heartbeat_ns_ > 0) wait_ns = std::clamp<int64_t>(next_beat_ns_ - monoNowNs(), 0, kPollNs);
      pollfd fds[2] = {{ch_.readinessFd(), POLLIN, 0}, {done.fd, POLLIN, 0}};
      if (::poll(fds, 2, static_cast<int>((wait_ns + 999'999) / 1'000'000)) > 0 && fds[0].revents != 0) {
        watchControl(0, "running the flows");
      }
    }
  } catch (...) {
    run.abort();
    senders.wait();
    throw;
  }
  senders.get();
}

void AgentSession::beatIfDue() {
  clock_.sample();
  if (heartbeat_ns_ <= 0) return;
  const int64_t now = monoNowNs();
  if (now < next_beat_ns_) return;
  reply(msg::Heartbeat{});
  next_beat_ns_ = now + heartbeat_ns_;
}

// Up to `wait_ns` for the controller's word while the round runs: nothing, or a stale message,
// returns; an abort of this test throws TestAborted; anything else of this test is a protocol
// error; a closed connection throws TransportError (from the channel).
void AgentSession::watchControl(int64_t wait_ns, std::string_view phase) {
  std::optional<json> m = ch_.tryReceive(wait_ns, phase);
  if (!m || protocol::testIdOf(*m) != test_id_) return;
  if (protocol::typeOf(*m) == msg::Abort::kType) throw TestAborted{};
  throw ProtocolError("the controller sent '" + protocol::typeOf(*m) + "' while " + std::string(phase));
}

// A collective round from the start: the rank runs on its worker while this thread watches
// the control channel; its result goes back in "sent"; the rank keeps acknowledging until the
// controller's "finish" says every rank is done. A probe running beside it stops at "finish"
// and its round trips go with the results.
void AgentSession::runCollective(TestRun& run, const protocol::CollectiveSetup& setup) {
  CollectiveRank& rank = *run.rank();
  watchCollective(rank, setup, run.startMono());
  msg::Sent sent;
  sent.collective = rank.result();
  reply(sent);
  try {
    expect<msg::Finish>(setup.timeout_ns + o_.step_timeout_ns, "waiting for the other ranks to finish the collective");
  } catch (...) {
    rank.abort();
    throw;
  }
  rank.release();
  rank.join();
  run.finishBesideCollective();
}

// Starts the rank and waits for its run part; an abort from the controller ends it at once.
void AgentSession::watchCollective(CollectiveRank& rank, const protocol::CollectiveSetup& setup, int64_t start_mono) {
  rank.start(start_mono);
  const int64_t deadline = start_mono + setup.timeout_ns;
  while (!rank.finished()) {
    if (monoNowNs() > deadline) {
      rank.abort();
      rank.join();
      throw TimeoutError("collective rank " + std::to_string(setup.rank) + " did not finish within " +
                         model::formatDuration(setup.timeout_ns) + " (the test's timeout)");
    }
    try {
      beatIfDue();
      watchControl(kCollectivePollNs, "running a collective");
    } catch (...) {
      rank.abort();
      rank.join();
      throw;
    }
  }
}

}  // namespace fabcheck::agent
