// An agent's registration against a real loopback controller port that refuses at first, opens
// late, or drops the agent's first connection unread (agent.h, AgentOptions::connect_timeout_ns).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "generators/core/clock.h"
#include "generators/core/log.h"
#include "harness/agent/agent.h"
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/authenticated_channel.h"
#include "harness/protocol/control_channel.h"
#include "harness/protocol/run_secret.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::agent {
namespace {

using namespace std::chrono_literals;
using protocol::AuthenticatedChannel;
using protocol::ControlListener;
constexpr int64_t kWait = 10 * kNsPerSec;  // generous: reached only when something is broken
constexpr const char* kRetryHex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// A TCP socket bound to 127.0.0.1 and a free port, not listening: connects to it are refused
// (RST) until it is closed and a listener takes the port.
class RefusingPort {
 public:
  RefusingPort() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
      port_ = ntohs(sa.sin_port);
    }
  }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  ~RefusingPort() { release(); }
  void release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  uint16_t port() const { return port_; }

 private:
  int fd_;
  uint16_t port_ = 0;
};

class AgentRegistrationRetry : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string file = dir_.path() + "/secret";
    std::ofstream(file) << kRetryHex << "\n";
    ::chmod(file.c_str(), 0600);
    options_.secret_file = file;
    options_.agent_id = 5;
    options_.host_counters = false;
    mark_ = log::mark();
  }

  std::future<int> start(uint16_t port, int64_t deadline_ns) {
    options_.controller_port = port;
    options_.connect_timeout_ns = deadline_ns;
    return std::async(std::launch::async, [this] { return runAgent(options_, stop_); });
  }
  // The log lines since the test began that contain `part`.
  std::vector<std::string> logged(const std::string& part) const {
    std::vector<std::string> out;
    for (const std::string& line : log::linesSince(mark_)) {
      if (line.find(part) != std::string::npos) out.push_back(line);
    }
    return out;
  }
  // Plays the controller on `listener`: takes agent 5's registration and says bye.
  void registerAndDismiss(ControlListener& listener) {
    AuthenticatedChannel ch(listener.accept(kWait), protocol::RunSecret::fromHex(kRetryHex, "test"),
                            AuthenticatedChannel::Role::kAcceptor);
    const nlohmann::json reg = ch.receive(kWait, "registration");
    protocol::expectMessage(reg, protocol::msg::Register::kType, ch.peer(), "registration");
    EXPECT_EQ(reg["agent_id"], 5);
    ch.send(protocol::encode(protocol::msg::Bye{}), kWait);
  }

  testing::TempDir dir_{"fabcheck-regretry"};
  AgentOptions options_;
  std::atomic<bool> stop_{false};
  uint64_t mark_ = 0;
};

TEST_F(AgentRegistrationRetry, AnAgentRefusedAtFirstRegistersOnceTheControllerListens) {
  RefusingPort port;
  ASSERT_NE(port.port(), 0);
  std::future<int> agent = start(port.port(), 30 * kNsPerSec);
  ASSERT_TRUE(testing::eventually([&] { return !logged("retrying until 30.0 s after start").empty(); }, 10s));
  // Let it be refused several times more (its backoff is 20 ms doubling) before the port opens.
  std::this_thread::sleep_for(300ms);
  port.release();
  ControlListener listener = ControlListener::listen("127.0.0.1", port.port());
  registerAndDismiss(listener);
  ASSERT_EQ(agent.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(agent.get(), 0) << "registered, then dismissed by bye";
  EXPECT_EQ(logged("Connection refused").size(), 1u) << "the refusals are logged once";
  EXPECT_TRUE(logged("gave up").empty());
}

TEST_F(AgentRegistrationRetry, AnAgentDroppedUnreadRegistersAgainOnANewConnection) {
  ControlListener listener = ControlListener::listen("127.0.0.1", 0);
  std::future<int> agent = start(listener.port(), 30 * kNsPerSec);
  // As a controller whose pending connections are full: the connection closes, nothing read.
  listener.accept(kWait).close();
  registerAndDismiss(listener);
  ASSERT_EQ(agent.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(agent.get(), 0);
  EXPECT_EQ(logged("registering again until 30.0 s after start").size(), 1u);
}

TEST_F(AgentRegistrationRetry, AnAgentGivesUpAtItsDeadlineNamingTheControllersAddress) {
  RefusingPort port;
  ASSERT_NE(port.port(), 0);
  const int64_t deadline_ns = 1 * kNsPerSec;
  const int64_t t0 = monoNowNs();
  std::future<int> agent = start(port.port(), deadline_ns);
  ASSERT_EQ(agent.wait_for(10s), std::future_status::ready) << "it gives up at its deadline, not never";
  EXPECT_EQ(agent.get(), 3);
  EXPECT_GE(monoNowNs() - t0, deadline_ns) << "it kept trying until its deadline";
  const auto gave_up = logged("agent 5: gave up registering with the controller at 127.0.0.1:" +
                              std::to_string(port.port()) + " after 1.0 s: control connection to 127.0.0.1:" +
                              std::to_string(port.port()) + ": Connection refused");
  std::string all;
  for (const std::string& line : log::linesSince(mark_)) all += line + "\n";
  EXPECT_EQ(gave_up.size(), 1u) << all;
}

}  // namespace
}  // namespace fabcheck::agent
