// The controller refuses bad peers — garbage, unauthenticated, wrong secret, oversized frames,
// another protocol version, unexpected or duplicate agent ids — closing and logging each, and
// still registers the real agents; a silent connection holds no one up.
#include "harness/controller/controller.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <optional>
#include <thread>

#include "generators/core/host_facts.h"
#include "generators/core/host_info.h"
#include "generators/core/interfaces.h"
#include "generators/core/log.h"
#include "generators/core/version.h"
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/authenticated_channel.h"
#include "tests/integration/gen_server.h"

namespace fabcheck {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A controller on 127.0.0.1 (a free port) with a fresh run secret and these timeouts.
struct LoopbackController {
  LoopbackController(int64_t register_timeout_ns, int64_t step_timeout_ns)
      : LoopbackController(protocol::ControlListener::listen("127.0.0.1", 0), register_timeout_ns, step_timeout_ns) {}

  uint16_t port;
  protocol::RunSecret secret;
  controller::Controller ctl;

 private:
  LoopbackController(protocol::ControlListener listener, int64_t register_timeout_ns, int64_t step_timeout_ns)
      : port(listener.port()),
        secret(protocol::generateRunSecret()),
        ctl(std::move(listener), secret, options(register_timeout_ns, step_timeout_ns)) {}
  static controller::ControllerOptions options(int64_t register_timeout_ns, int64_t step_timeout_ns) {
    controller::ControllerOptions o;
    o.register_timeout_ns = register_timeout_ns;
    o.step_timeout_ns = step_timeout_ns;
    return o;
  }
};

// A TCP socket (close-on-exec) connected to 127.0.0.1:`port`, -1 when that fails. `local`, when
// given, is set to the socket's own "127.0.0.1:port".
int connectLoopback(uint16_t port, std::string* local = nullptr) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  if (local) {
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    *local = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  return fd;
}

// Connects, writes `bytes`, and reports whether the controller then closed the connection
// within 10 s (what a refusal looks like from outside).
bool refusedAfterSending(uint16_t port, const std::string& bytes) {
  const int fd = connectLoopback(port);
  if (fd < 0) return false;
  (void)!write(fd, bytes.data(), bytes.size());
  pollfd p{fd, POLLIN, 0};
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    if (poll(&p, 1, 100) > 0) {
      char buf[256];
      closed = read(fd, buf, sizeof buf) <= 0;
    }
  }
  close(fd);
  return closed;
}

// Collects what the fabcheck logger writes (warn and above by default) while it lives. Sinks are
// added and removed while no other thread logs; read text() once the logging threads are done.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) { log::get().sinks().push_back(sink_); }
  ~LogCapture() {
    auto& sinks = log::get().sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  std::string text() {
    sink_->flush();
    return out_.str();
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string frame(const std::string& payload) {
  std::string f(4, '\0');
  const uint32_t n = htonl(static_cast<uint32_t>(payload.size()));
  memcpy(f.data(), &n, 4);
  return f + payload;
}

TEST(Controller, RefusesBadPeersAndKeepsServing) {
  LoopbackController c(30'000'000'000, 5'000'000'000);
  const uint16_t port = c.port;
  const auto& secret = c.secret;
  auto& ctl = c.ctl;

  LogCapture log;
  bool garbage = false, unauthenticated = false, oversized = false, wrong_secret = false, wrong_version = false;
  bool short_frame = false, bad_mac = false;
  std::string wrong_version_reply;
  std::optional<testing::Subprocess> agent;
  std::thread peers([&] {
    garbage = refusedAfterSending(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    json reg = protocol::makeMessage("register");
    reg["agent_id"] = 0;
    unauthenticated = refusedAfterSending(port, frame(reg.dump()));
    oversized = refusedAfterSending(port, std::string("\x7f\xff\xff\xff", 4));
    short_frame = refusedAfterSending(port, frame("hello"));                       // shorter than a MAC
    bad_mac = refusedAfterSending(port, frame(std::string(32, '\x5a') + reg.dump()));  // a made-up MAC
    {
      protocol::AuthenticatedChannel ch(protocol::ControlChannel::connect("127.0.0.1", port, 5'000'000'000),
                                        protocol::generateRunSecret(), protocol::AuthenticatedChannel::Role::kConnector);
      ch.send(reg, 5'000'000'000);
      try {
        ch.receive(10'000'000'000);
      } catch (const Error&) {
        wrong_secret = true;  // closed on us
      }
    }
    {
      protocol::AuthenticatedChannel ch(protocol::ControlChannel::connect("127.0.0.1", port, 5'000'000'000), secret,
                                        protocol::AuthenticatedChannel::Role::kConnector);
      json old = reg;
      old["version"] = protocol::kProtocolVersion + 1;
      ch.send(old, 5'000'000'000);
      try {
        // It authenticated, so it is told why (an "error" message), then closed.
        wrong_version_reply = ch.receive(10'000'000'000).value("message", "");
        ch.receive(10'000'000'000);
      } catch (const Error&) {
        wrong_version = true;
      }
    }
    // Now a real agent with the right secret (inherited from our environment).
    setenv(protocol::kSecretEnv, secret.hex().c_str(), 1);
    agent.emplace(testing::Subprocess::start({testing::kFabcheckBin, "agent", "--controller",
                                              "127.0.0.1:" + std::to_string(port), "--agent-id", "0"}));
    unsetenv(protocol::kSecretEnv);
  });
  ctl.acceptAgents(1, {});
  peers.join();
  EXPECT_TRUE(garbage);
  EXPECT_TRUE(unauthenticated);
  EXPECT_TRUE(oversized);
  EXPECT_TRUE(wrong_secret);
  EXPECT_TRUE(wrong_version);
  EXPECT_TRUE(short_frame);
  EXPECT_TRUE(bad_mac);
  // Each refusal is logged with the peer's address; another version is named beside ours.
  const std::string logged = log.text();
  const std::string versions = "protocol version " + std::to_string(protocol::kProtocolVersion + 1) +
                               " from 127.0.0.1:";
  const std::string ours = "does not match ours (" + std::to_string(protocol::kProtocolVersion) + ")";
  EXPECT_NE(logged.find("message of 1195725856 bytes from 127.0.0.1:"), std::string::npos) << logged;  // "GET "
  EXPECT_NE(logged.find("message of 2147483647 bytes from 127.0.0.1:"), std::string::npos) << logged;
  EXPECT_NE(logged.find("message of 5 bytes from 127.0.0.1:"), std::string::npos) << logged;
  EXPECT_EQ(occurrences(logged, "failed authentication"), 3u) << logged;  // unauthenticated, made-up MAC, wrong secret
  EXPECT_NE(logged.find(versions), std::string::npos) << logged;
  EXPECT_NE(logged.find(ours), std::string::npos) << logged;
  EXPECT_NE(wrong_version_reply.find(versions), std::string::npos) << wrong_version_reply;
  EXPECT_NE(wrong_version_reply.find(ours), std::string::npos) << wrong_version_reply;
  ASSERT_EQ(ctl.agents().size(), 1u);
  EXPECT_EQ(ctl.agents()[0].host, hostName());
  ctl.measureClocks();
  EXPECT_GE(ctl.agents()[0].offset_bound_ns, 0);
  ctl.shutdown();
  ASSERT_TRUE(agent.has_value());
  auto st = agent->waitExit(10s);
  EXPECT_EQ(st.code, 0) << agent->err();
}

TEST(Controller, AgentsThatNeverRegisterAreNamedAtTheTimeout) {
  auto listener = protocol::ControlListener::listen("127.0.0.1", 0);
  controller::ControllerOptions opts;
  opts.register_timeout_ns = 500'000'000;
  controller::Controller ctl(std::move(listener), protocol::generateRunSecret(), opts);
  try {
    ctl.acceptAgents(3, {});
    FAIL() << "expected a timeout";
  } catch (const TimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("agents 0, 1, 2 did not register"), std::string::npos) << e.what();
  }
}


// Sets the run secret in the environment that agents started from now on inherit; unsets it
// when it goes. Use it before any thread that could read the environment starts.
class SecretEnv {
 public:
  explicit SecretEnv(const protocol::RunSecret& s) { setenv(protocol::kSecretEnv, s.hex().c_str(), 1); }
  ~SecretEnv() { unsetenv(protocol::kSecretEnv); }
};

testing::Subprocess startAgent(uint16_t port, int id) {
  return testing::Subprocess::start({testing::kFabcheckBin, "agent", "--controller", "127.0.0.1:" + std::to_string(port),
                                     "--agent-id", std::to_string(id)});
}

// A TCP connection to the port that never sends a byte (a port scanner, a half-open peer).
// Returns the socket and sets `local` to its "127.0.0.1:port" as the controller sees it.
int connectSilently(uint16_t port, std::string& local) { return connectLoopback(port, &local); }

// True when the other end closes `fd` (EOF or reset) within the timeout.
bool closedByPeerWithin(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
  char c;
  return read(fd, &c, 1) <= 0;
}

TEST(Controller, ASilentConnectionHoldsUpNoRegistration) {
  // Both 20 s: had the controller read registrations one connection at a time, the silent peer
  // (first in line) would have held it for its whole 20 s registration timeout and the 20 s
  // registration deadline would have passed: acceptAgents would have thrown a TimeoutError.
  LoopbackController c(20'000'000'000, 20'000'000'000);
  const uint16_t port = c.port;
  const auto& secret = c.secret;
  auto& ctl = c.ctl;
  std::string silent_peer;
  const int silent = connectSilently(port, silent_peer);
  ASSERT_GE(silent, 0) << strerror(errno);
  LogCapture log;
  std::optional<testing::Subprocess> a0, a1;
  {
    SecretEnv env(secret);
    a0.emplace(startAgent(port, 0));
    a1.emplace(startAgent(port, 1));
  }
  const auto started = std::chrono::steady_clock::now();
  ASSERT_NO_THROW(ctl.acceptAgents(2, {}));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20))
      << "returned before the silent peer's registration timeout";
  ASSERT_EQ(ctl.agents().size(), 2u);
  EXPECT_EQ(ctl.agents()[0].pid, a0->pid());
  EXPECT_EQ(ctl.agents()[1].pid, a1->pid());
  // We never closed our end. The controller was still waiting on the silent peer when the agents
  // had registered; returning, it stopped (its reading thread is joined) and closed it, saying so.
  EXPECT_TRUE(closedByPeerWithin(silent, std::chrono::seconds(5)));
  close(silent);
  const std::string logged = log.text();
  EXPECT_NE(logged.find("closed the connection from " + silent_peer + ": it had not registered"), std::string::npos)
      << logged;
  EXPECT_EQ(logged.find("no registration within"), std::string::npos) << logged;
  ctl.shutdown();
  EXPECT_EQ(a0->waitExit(std::chrono::seconds(10)).code, 0) << a0->err();
  EXPECT_EQ(a1->waitExit(std::chrono::seconds(10)).code, 0) << a1->err();
}

// A hand-made agent `id` registered with the controller on `port`.
protocol::AuthenticatedChannel registerByHand(uint16_t port, const protocol::RunSecret& secret, int id) {
  using Channel = protocol::AuthenticatedChannel;
  Channel ch(protocol::ControlChannel::connect("127.0.0.1", port, 5'000'000'000), secret, Channel::Role::kConnector);
  json reg = protocol::makeMessage("register");
  reg["agent_id"] = id;
  reg["host"] = "hand-made";
  ch.send(reg, 5'000'000'000);
  return ch;
}

// A long launch (ssh's window) admits its first agents while it goes on: openRegistration reads
// them from then on, admitWaiting takes them without waiting, and each hears "admitted" with how
// long the controller may be quiet (twice the register timeout plus a step).
TEST(Controller, RegistrationsAreTakenWhileTheLaunchGoesOnAndTheAgentsAreToldHowLongToWait) {
  LoopbackController c(30'000'000'000, 5'000'000'000);
  c.ctl.openRegistration(2);
  protocol::AuthenticatedChannel first = registerByHand(c.port, c.secret, 0);
  std::optional<json> heard;
  for (int i = 0; i < 400 && !heard; ++i) {  // ≤ 10 s: the desk reads in the background
    c.ctl.admitWaiting();
    heard = first.tryReceive(25'000'000);
  }
  ASSERT_TRUE(heard.has_value()) << "agent 0 was not admitted while the launch went on";
  EXPECT_EQ(protocol::decode<protocol::msg::Admitted>(*heard).quiet_ns, 2 * 30'000'000'000 + 5'000'000'000);
  EXPECT_EQ(c.ctl.agents()[0].host, "hand-made");
  protocol::AuthenticatedChannel second = registerByHand(c.port, c.secret, 1);
  c.ctl.acceptAgents(2, {});  // goes on from agent 0: only agent 1 was missing
  EXPECT_EQ(c.ctl.agents()[1].host, "hand-made");
  EXPECT_EQ(second.receive(5'000'000'000).value("type", ""), "admitted");
}

TEST(Controller, UnexpectedAndDuplicateAgentIdsAreRefusedAndToldWhy) {
  LoopbackController c(30'000'000'000, 5'000'000'000);
  const uint16_t port = c.port;
  const auto& secret = c.secret;
  auto& ctl = c.ctl;
  using Channel = protocol::AuthenticatedChannel;
  auto registerAs = [&](int id) { return registerByHand(port, secret, id); };
  LogCapture log;
  SecretEnv env(secret);
  std::optional<Channel> dup_a, dup_b;
  std::string odd_reply, dup_reply;
  std::optional<testing::Subprocess> agent1;
  std::thread peers([&] {
    try {
      dup_a.emplace(registerAs(0));
      dup_b.emplace(registerAs(0));  // one of the two is agent 0, the other a duplicate
      Channel odd = registerAs(7);   // this run has agents 0 and 1
      odd_reply = odd.receive(10'000'000'000).value("message", "");
      // The duplicate is told why; the one that was taken hears nothing until the bye.
      for (int i = 0; i < 200 && dup_reply.empty(); ++i) {
        for (auto* ch : {&*dup_a, &*dup_b}) {
          if (auto m = ch->tryReceive(25'000'000); m && dup_reply.empty()) dup_reply = m->value("message", "");
        }
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
    agent1.emplace(startAgent(port, 1));
  });
  ctl.acceptAgents(2, {});
  peers.join();
  ASSERT_TRUE(dup_a && dup_b);
  ASSERT_EQ(ctl.agents().size(), 2u);
  EXPECT_EQ(ctl.agents()[0].host, "hand-made");
  EXPECT_EQ(ctl.agents()[1].host, hostName());
  EXPECT_NE(odd_reply.find("agent id 7: not expected: this run has agents 0 to 1"), std::string::npos) << odd_reply;
  EXPECT_NE(dup_reply.find("agent id 0: not expected: agent 0 already registered from 127.0.0.1:"), std::string::npos)
      << dup_reply;
  const std::string logged = log.text();
  EXPECT_NE(logged.find("refused registration of agent id 7 from 127.0.0.1:"), std::string::npos) << logged;
  EXPECT_NE(logged.find("refused registration of agent id 0 from 127.0.0.1:"), std::string::npos) << logged;
  ctl.shutdown();
  // Exactly one hand-made agent 0 was taken: it was admitted and gets the bye.
  int byes = 0;
  for (auto* ch : {&*dup_a, &*dup_b}) {
    try {
      json m = ch->receive(5'000'000'000);
      if (m.value("type", "") == "admitted") m = ch->receive(5'000'000'000);
      byes += m.value("type", "") == "bye";
    } catch (const Error&) {
    }
  }
  EXPECT_EQ(byes, 1);
  ASSERT_TRUE(agent1.has_value());
  EXPECT_EQ(agent1->waitExit(std::chrono::seconds(10)).code, 0) << agent1->err();
}

TEST(Controller, AgentsReportTheirHostFactsWhenTheyRegister) {
  LoopbackController c(20'000'000'000, controller::ControllerOptions{}.step_timeout_ns);
  const uint16_t port = c.port;
  const auto& secret = c.secret;
  auto& ctl = c.ctl;
  std::optional<testing::Subprocess> agent;
  {
    SecretEnv env(secret);
    agent.emplace(startAgent(port, 0));
  }
  ctl.acceptAgents(1, {});
  const model::AgentInfo& a = ctl.agents()[0];
  EXPECT_EQ(a.host, hostName());
  EXPECT_EQ(a.boot_id, bootId());
  EXPECT_EQ(a.version, std::string(kVersion));
  EXPECT_EQ(a.pid, agent->pid());
  EXPECT_EQ(a.kernel, kernelRelease());
  EXPECT_EQ(a.clock_source, clockSource());
  EXPECT_EQ(a.rdma_devices, rdmaDevices());
  std::vector<std::string> names, ours;
  for (const auto& i : a.interfaces) names.push_back(i.name);
  for (const auto& i : listInterfaces()) ours.push_back(i.name);
  EXPECT_EQ(names, ours) << "same host, same network namespace";
  const auto lo = std::find_if(a.interfaces.begin(), a.interfaces.end(), [](const auto& i) { return i.name == "lo"; });
  ASSERT_NE(lo, a.interfaces.end());
  EXPECT_EQ(lo->mtu, 65536);
  EXPECT_NE(std::find(lo->addresses.begin(), lo->addresses.end(), InterfaceAddress{4, "127.0.0.1", 8}),
            lo->addresses.end());
  ctl.shutdown();
  EXPECT_EQ(agent->waitExit(std::chrono::seconds(10)).code, 0) << agent->err();
}

// Issue 19: 64 idle connections during registration killed a run (the desk refused every
// connection beyond max(64, 2N) pending, the agents' included), and after registration the
// listener stayed open with nothing accepting. Now the oldest idle connection makes room for a
// newcomer, and the listener closes once registration is over.
TEST(Controller, AHundredIdleConnectionsDoNotLockTheAgentsOut) {
  LoopbackController c(20'000'000'000, 20'000'000'000);
  const uint16_t port = c.port;
  std::vector<int> idle;
  for (int i = 0; i < 100; ++i) {
    const int fd = connectLoopback(port);
    ASSERT_GE(fd, 0) << "idle connection " << i << ": " << strerror(errno);
    idle.push_back(fd);
  }
  LogCapture log;
  c.ctl.openRegistration(2);  // the desk takes the 100 idle connections first, in order
  std::optional<testing::Subprocess> a0, a1;
  {
    SecretEnv env(c.secret);
    a0.emplace(startAgent(port, 0));
    a1.emplace(startAgent(port, 1));
  }
  ASSERT_NO_THROW(c.ctl.acceptAgents(2, {}));
  ASSERT_EQ(c.ctl.agents().size(), 2u);
  EXPECT_EQ(c.ctl.agents()[0].pid, a0->pid());
  EXPECT_EQ(c.ctl.agents()[1].pid, a1->pid());
  EXPECT_GE(occurrences(log.text(), "it had not registered and 64 connections were pending"), 36u) << log.text();
  // Registration is over: nothing would accept on the control port any more, so it is closed.
  EXPECT_EQ(connectLoopback(port), -1) << "the control listener is still open after registration";
  for (int fd : idle) {
    EXPECT_TRUE(closedByPeerWithin(fd, std::chrono::seconds(5)));
    close(fd);
  }
  c.ctl.shutdown();
  EXPECT_EQ(a0->waitExit(std::chrono::seconds(10)).code, 0) << a0->err();
  EXPECT_EQ(a1->waitExit(std::chrono::seconds(10)).code, 0) << a1->err();
}

// `fabcheck agent --register-deadline`: how long an agent keeps retrying its registration
// (agent.h, AgentOptions::connect_timeout_ns), and a bad value refused naming the flag.
TEST(AgentCommand, TheRegisterDeadlineIsHowLongAnAgentKeepsTrying) {
  uint16_t refused = 0;
  {  // a port that was just ours and is closed again: connections to it are refused
    const auto listener = protocol::ControlListener::listen("127.0.0.1", 0);
    refused = listener.port();
  }
  const std::string secret = std::string(protocol::kSecretEnv) + "=" + protocol::generateRunSecret().hex();
  const std::string controller = "127.0.0.1:" + std::to_string(refused);
  const auto r = testing::run({"/usr/bin/env", secret, testing::kFabcheckBin, "agent", "--controller", controller,
                               "--agent-id", "0", "--register-deadline", "300ms"},
                              30s);
  ASSERT_FALSE(r.status.timed_out);
  EXPECT_EQ(r.status.code, 3) << r.err;
  EXPECT_NE(r.err.find("agent 0: gave up registering with the controller at " + controller + " after 0.3 s: "),
            std::string::npos)
      << r.err;
  const auto bad = testing::run({"/usr/bin/env", secret, testing::kFabcheckBin, "agent", "--controller", controller,
                                 "--agent-id", "0", "--register-deadline", "soon"},
                                30s);
  EXPECT_EQ(bad.status.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("fabcheck agent: --register-deadline 'soon': expected a duration"), std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace fabcheck
