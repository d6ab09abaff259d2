// The controller refuses bad peers — garbage, unauthenticated, wrong secret, oversized frames,
// another protocol version — closing each, and still registers a real agent.
#include "harness/controller/controller.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "generators/core/host_info.h"
#include "harness/protocol/authenticated_channel.h"
#include "tests/integration/gen_server.h"

namespace fabcheck {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Connects, writes `bytes`, and reports whether the controller then closed the connection
// within 10 s (what a refusal looks like from outside).
bool refusedAfterSending(uint16_t port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
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

std::string frame(const std::string& payload) {
  std::string f(4, '\0');
  const uint32_t n = htonl(static_cast<uint32_t>(payload.size()));
  memcpy(f.data(), &n, 4);
  return f + payload;
}

TEST(Controller, RefusesBadPeersAndKeepsServing) {
  auto listener = protocol::ControlListener::listen("127.0.0.1", 0);
  const uint16_t port = listener.port();
  const auto secret = protocol::generateRunSecret();
  controller::ControllerOptions opts;
  opts.register_timeout_ns = 30'000'000'000;
  opts.step_timeout_ns = 5'000'000'000;
  controller::Controller ctl(std::move(listener), secret, opts);

  bool garbage = false, unauthenticated = false, oversized = false, wrong_secret = false, wrong_version = false;
  std::optional<testing::Subprocess> agent;
  std::thread peers([&] {
    garbage = refusedAfterSending(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    json reg = protocol::makeMessage("register");
    reg["agent_id"] = 0;
    unauthenticated = refusedAfterSending(port, frame(reg.dump()));
    oversized = refusedAfterSending(port, std::string("\x7f\xff\xff\xff", 4));
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

}  // namespace
}  // namespace fabcheck
