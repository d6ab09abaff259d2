// The agent's session (harness/agent/agent_session.h) against a fake controller: the test holds
// the other end of an in-memory control channel and, for the data plane, the peer's end of the
// in-process loop transport.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/transport/transport.h"
#include "harness/agent/agent_session.h"
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/in_memory_channel.h"

namespace fabcheck::agent {
namespace {

namespace msg = protocol::msg;
using nlohmann::json;

// Generous: reached only when something is broken, never in a passing run.
constexpr int64_t kWaitNs = 20'000'000'000;

// A session on a thread, and the controller's end of its channel.
struct FakeController {
  AgentOptions options;
  std::atomic<bool> stop{false};
  std::unique_ptr<protocol::InMemoryChannel> ctl;
  std::unique_ptr<protocol::InMemoryChannel> agent_end;
  std::unique_ptr<AgentSession> session;
  std::future<int> serving;
  int64_t test_id = 0;

  explicit FakeController(AgentOptions o = {}, int64_t step_timeout_ns = kWaitNs) : options(std::move(o)) {
    options.step_timeout_ns = step_timeout_ns;
    auto [a, b] = protocol::InMemoryChannel::makePair("agent 0", "controller");
    ctl = std::move(a);
    agent_end = std::move(b);
    session = std::make_unique<AgentSession>(*agent_end, options, stop);
    serving = std::async(std::launch::async, [this] { return session->serve(); });
  }
  ~FakeController() {
    stop = true;  // serve() returns within its poll slice if no bye came ...
    ctl->close();  // ... and at once from the middle of a test
    if (serving.valid()) serving.wait();
  }

  template <class M>
  void send(const M& m) {
    json j = protocol::encode(m);
    protocol::setTestId(j, test_id);
    ctl->send(j, kWaitNs);
  }
  // The session's next message of this test; it must be of M's type.
  template <class M>
  M expect() {
    for (;;) {
      json j = ctl->receive(kWaitNs, "waiting for the agent");
      if (protocol::testIdOf(j) != test_id) continue;
      if (protocol::typeOf(j) == msg::ErrorMessage::kType && M::kType != msg::ErrorMessage::kType) {
        ADD_FAILURE() << "the agent sent an error: " << j.dump();
      }
      return protocol::decode<M>(j);
    }
  }
  int bye() {
    send(msg::Bye{});
    return serving.get();
  }
};

// How far ahead the fake controller names the start, as the real one does (start_delay): an agent
// that hears the start after its instant errors the test (late_start.h).
constexpr int64_t kStartAheadNs = 300'000'000;

// Agent 0 streams flow 0 to agent 1 (the test) over the loop transport for 20 ms.
msg::Setup streamSetup(double rate_bps = 1e6) {
  msg::Setup s;
  s.test = "stream";
  s.params.kind = patterns::PatternKind::kStream;
  s.params.size_bytes = 1000;
  s.params.rate_bps = rate_bps;
  s.params.duration_ns = 20'000'000;
  s.transport = "loop";
  patterns::FlowSpec f;
  f.flow_id = 0;
  f.role = patterns::FlowRole::kStream;
  f.sender = 0;
  f.receiver = 1;
  f.rate_bps = rate_bps;
  s.flows = {f};
  s.me = 0;
  return s;
}

TEST(AgentSession, ALoopTestRunsThroughEveryPhaseToResults) {
  FakeController c;
  auto peer = transport::createTransport("loop", {});
  auto listener = peer->listen({.address = "127.0.0.1", .port = 0});  // agent 1's end of flow 0

  c.test_id = 1;
  c.send(streamSetup());
  EXPECT_TRUE(c.expect<msg::Endpoints>().flows.empty());  // agent 0 receives nothing
  msg::Connect connect;
  connect.flows[0] = listener->endpoint();
  c.send(connect);
  auto data = listener->accept(kWaitNs);
  c.expect<msg::Ready>();
  c.send(msg::Start{wallNowNs() + kStartAheadNs});
  const auto sent = c.expect<msg::Sent>();
  ASSERT_EQ(sent.senders.size(), 1u);
  EXPECT_EQ(sent.senders[0].flow_id, 0u);
  EXPECT_GT(sent.senders[0].packets, 0u);
  EXPECT_EQ(sent.senders[0].error, "");
  c.send(msg::Finish{});
  const auto results = c.expect<msg::Results>();
  EXPECT_TRUE(results.receivers.empty());
  EXPECT_TRUE(results.errors.empty());
  EXPECT_TRUE(results.counters.contains("netns"));
  EXPECT_FALSE(results.pingpongs);  // not a collective round

  // Clock probes are answered between tests, with the probe's sequence number.
  c.send(msg::TimeRequest{7});
  EXPECT_EQ(c.expect<msg::TimeReply>().seq, 7);
  EXPECT_EQ(c.bye(), 0);
}

TEST(AgentSession, AnAbortMidTestReturnsToIdle) {
  FakeController c;
  c.test_id = 1;
  c.send(streamSetup());
  c.expect<msg::Endpoints>();
  c.send(msg::Abort{});  // instead of "connect"

  // Idle again: the next message it sends answers a clock probe, not the aborted test.
  c.send(msg::TimeRequest{1});
  const json next = c.ctl->receive(kWaitNs, "waiting for the agent");
  EXPECT_EQ(protocol::typeOf(next), "time") << next.dump();

  // And it takes the next test.
  c.test_id = 2;
  c.send(streamSetup());
  c.expect<msg::Endpoints>();
  c.send(msg::Abort{});
  EXPECT_EQ(c.bye(), 0);
}

// Issue 19: a start heard after its instant (an overloaded host) cut the sender's window to
// nothing, and the test reported a measurement of nothing. Now the agent says so in its results.
TEST(AgentSession, AStartHeardAfterItsInstantIsAnErrorNamingHowLate) {
  FakeController c;
  auto peer = transport::createTransport("loop", {});
  auto listener = peer->listen({.address = "127.0.0.1", .port = 0});
  c.test_id = 1;
  c.send(streamSetup());  // 20 ms, no warm-up
  c.expect<msg::Endpoints>();
  msg::Connect connect;
  connect.flows[0] = listener->endpoint();
  c.send(connect);
  auto data = listener->accept(kWaitNs);
  c.expect<msg::Ready>();
  c.send(msg::Start{wallNowNs() - 1'000'000'000});  // its instant passed a second ago
  const auto sent = c.expect<msg::Sent>();
  ASSERT_EQ(sent.senders.size(), 1u);
  EXPECT_EQ(sent.senders[0].packets, 0u) << "the window had ended before the agent heard the start";
  c.send(msg::Finish{});
  const auto results = c.expect<msg::Results>();
  ASSERT_FALSE(results.errors.empty());
  EXPECT_EQ(results.errors[0].rfind("heard the start 10", 0), 0u) << results.errors[0];  // 1000+ ms
  EXPECT_NE(results.errors[0].find("flow 0 lost 100% of its 20.0 ms measured window"), std::string::npos)
      << results.errors[0];
  EXPECT_EQ(c.bye(), 0);
}

// Agent 0 streaming a 60 s flow to the test's listener, started; heartbeats every 20 ms asked.
// Returns the accepted data connection (kept open while the flow runs).
std::unique_ptr<transport::Connection> startLongStream(FakeController& c, transport::Listener& listener) {
  msg::Setup setup = streamSetup();
  setup.params.duration_ns = 60'000'000'000;
  setup.heartbeat_interval_ns = 20'000'000;
  c.test_id = 1;
  c.send(setup);
  c.expect<msg::Endpoints>();
  msg::Connect connect;
  connect.flows[0] = listener.endpoint();
  c.send(connect);
  auto data = listener.accept(kWaitNs);
  c.expect<msg::Ready>();
  c.send(msg::Start{wallNowNs()});
  return data;
}

// Issue 19: while its flows run the agent sends heartbeats, and an abort stops a 60 s flow at
// once: the agent answers the next message (a clock probe) long before the flow's end.
TEST(AgentSession, WhileItsFlowsRunTheAgentSendsHeartbeatsAndAnAbortStopsThem) {
  FakeController c;
  auto peer = transport::createTransport("loop", {});
  auto listener = peer->listen({.address = "127.0.0.1", .port = 0});
  auto data = startLongStream(c, *listener);
  for (int i = 0; i < 3; ++i) c.expect<msg::Heartbeat>();  // and nothing else: no "sent" yet
  c.send(msg::Abort{});
  c.send(msg::TimeRequest{1});
  for (;;) {  // heartbeats already on their way, then the answer, within kWaitNs (not 60 s)
    const json next = c.ctl->receive(kWaitNs, "waiting for the agent");
    if (protocol::typeOf(next) == msg::Heartbeat::kType) continue;
    EXPECT_EQ(protocol::typeOf(next), "time") << next.dump();
    break;
  }
  EXPECT_EQ(c.bye(), 0);
}

// Issue 19: the controller's connection closing while the flows run ends the session (the
// controller is gone), without waiting for the flow's 60 s.
TEST(AgentSession, TheControllerGoneWhileTheFlowsRunEndsTheSession) {
  FakeController c;
  auto peer = transport::createTransport("loop", {});
  auto listener = peer->listen({.address = "127.0.0.1", .port = 0});
  auto data = startLongStream(c, *listener);
  c.expect<msg::Heartbeat>();
  c.ctl->close();
  ASSERT_EQ(c.serving.wait_for(std::chrono::nanoseconds(kWaitNs)), std::future_status::ready);
  EXPECT_THROW(c.serving.get(), TransportError);
}

// Issue 18: the controller hears every agent before it answers any, within its own step timeout;
// the setup says how long that is, and the agent waits for the controller that much longer than
// its own step timeout. The controller here answers after 1 s, five times the agent's own 200 ms.
TEST(AgentSession, TheAgentWaitsForTheControllerAsLongAsTheControllerSaysItMayTake) {
  constexpr int64_t kAgentStepNs = 200'000'000;
  for (const bool told : {true, false}) {
    FakeController c({}, kAgentStepNs);
    c.test_id = 1;
    msg::Setup setup = streamSetup();
    if (told) setup.controller_step_timeout_ns = kWaitNs;
    c.send(setup);
    c.expect<msg::Endpoints>();
    std::this_thread::sleep_for(std::chrono::seconds(1));  // outlasts the agent's own step timeout
    auto peer = transport::createTransport("loop", {});
    auto listener = peer->listen({.address = "127.0.0.1", .port = 0});
    msg::Connect connect;
    connect.flows[0] = listener->endpoint();
    c.send(connect);
    if (told) {
      listener->accept(kWaitNs);
      c.expect<msg::Ready>();
      c.send(msg::Abort{});
    } else {
      const auto e = c.expect<msg::ErrorMessage>();
      EXPECT_NE(e.message.find("waiting for peers' endpoints"), std::string::npos) << e.message;
    }
    EXPECT_EQ(c.bye(), 0) << (told ? "told" : "not told");
  }
}

TEST(AgentSession, APlanOverTheSafetyLimitsIsRefusedWithAnErrorMessage) {
  AgentOptions o;
  o.limits.max_rate_bps = 1e5;
  FakeController c(o);
  c.test_id = 1;
  c.send(streamSetup(1e6));
  const auto error = c.expect<msg::ErrorMessage>();
  EXPECT_EQ(error.message.rfind("agent 0 on ", 0), 0u) << error.message;
  EXPECT_NE(error.message.find(" refuses the plan: the plan sends 1"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find(" from this agent, above its limit of "), std::string::npos) << error.message;
  // Still available: the next test within the limits runs.
  c.test_id = 2;
  c.send(streamSetup(1e4));
  c.expect<msg::Endpoints>();
  c.send(msg::Abort{});
  EXPECT_EQ(c.bye(), 0);
}

TEST(AgentSession, ASetupItCannotCarryOutIsAnsweredWithTheReason) {
  FakeController c;
  c.test_id = 1;
  msg::Setup s = streamSetup();
  s.transport = "nosuch";
  c.send(s);
  const auto error = c.expect<msg::ErrorMessage>();
  EXPECT_NE(error.message.find(" cannot set up: "), std::string::npos) << error.message;

  json malformed = protocol::encode(streamSetup());
  malformed.erase("flows");
  protocol::setTestId(malformed, 2);
  c.test_id = 2;
  c.ctl->send(malformed, kWaitNs);
  EXPECT_NE(c.expect<msg::ErrorMessage>().message.find("cannot set up: malformed 'setup' message: no 'flows'"),
            std::string::npos);
  EXPECT_EQ(c.bye(), 0);
}

TEST(AgentSession, AnErrorFromTheControllerBetweenTestsEndsTheSession) {
  FakeController c;
  c.send(protocol::ErrorMessage{"agent id 0 already registered"});
  EXPECT_EQ(c.serving.get(), 1);
}

// A long launch: the controller admitted this agent and said it may be quiet for 10 s. The
// agent's own idle timeout (0.4 s here) ends a session without that word, not this one.
TEST(AgentSession, AnAdmittedAgentWaitsAsLongAsTheControllerSaidItMayBeQuiet) {
  AgentOptions quick;
  quick.idle_timeout_ns = 400'000'000;
  {
    FakeController unheard(quick);
    ASSERT_EQ(unheard.serving.wait_for(std::chrono::nanoseconds(kWaitNs)), std::future_status::ready);
    EXPECT_EQ(unheard.serving.get(), 1);  // gave the silent controller up
  }
  FakeController admitted(quick);
  admitted.send(msg::Admitted{10'000'000'000});
  // Three times its own idle timeout: a session that ignored "admitted" has given up by now.
  EXPECT_EQ(admitted.serving.wait_for(std::chrono::milliseconds(1500)), std::future_status::timeout);
  EXPECT_EQ(admitted.bye(), 0);
}

}  // namespace
}  // namespace fabcheck::agent
