// AgentLinks::receiveEach over real authenticated control connections on loopback (issue 18):
// the controller hears every agent of a phase at once, whichever answers first, within one
// deadline for the whole phase, and names the silent ones.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "generators/core/errors.h"
#include "harness/controller/agent_links.h"
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/authenticated_channel.h"
#include "harness/protocol/control_channel.h"
#include "harness/protocol/run_secret.h"

namespace fabcheck::controller {
namespace {

using protocol::AuthenticatedChannel;
constexpr int64_t kSecond = 1'000'000'000;

// N agents' ends and the controller's AgentLinks, joined through a real listener.
struct LinkedAgents {
  explicit LinkedAgents(int n) {
    protocol::ControlListener listener = protocol::ControlListener::listen("127.0.0.1", 0);
    links.test_id = 7;
    for (int a = 0; a < n; ++a) {
      agents.push_back(std::make_unique<AuthenticatedChannel>(
          protocol::ControlChannel::connect("127.0.0.1", listener.port(), 5 * kSecond), secret,
          AuthenticatedChannel::Role::kConnector));
      links.channels.push_back(std::make_unique<AuthenticatedChannel>(listener.accept(5 * kSecond), secret,
                                                                      AuthenticatedChannel::Role::kAcceptor));
      model::AgentInfo info;
      info.id = a;
      info.host = "host" + std::to_string(a);
      info.peer = links.channels.back()->peer();
      links.agents.push_back(info);
    }
  }

  // Agent a sends `m` stamped with test id `test`.
  template <class M>
  void say(int a, const M& m, int64_t test = 7) {
    nlohmann::json j = protocol::encode(m);
    protocol::setTestId(j, test);
    agents[static_cast<size_t>(a)]->send(j, 5 * kSecond);
  }

  protocol::RunSecret secret = protocol::generateRunSecret();
  AgentLinks links;
  std::vector<std::unique_ptr<AuthenticatedChannel>> agents;
};

TEST(AgentLinksReceiveEach, TheFirstToAnswerIsHeardFirstWhileTheOthersHaveNotAnswered) {
  LinkedAgents c(3);
  std::mutex m;
  std::condition_variable cv;
  std::vector<int> heard;
  // Agent 2 answers; 1 and 0 answer only once the controller has handled agent 2. A controller
  // that waited for agent 0 first would time out here.
  std::thread agents([&] {
    c.say(2, protocol::msg::Ready{});
    std::unique_lock lock(m);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return !heard.empty(); })) return;
    lock.unlock();
    c.say(1, protocol::msg::Ready{});
    c.say(0, protocol::msg::Ready{});
  });
  int current = -1;
  EXPECT_NO_THROW(c.links.receiveEach<protocol::msg::Ready>({0, 1, 2}, "barrier", 10 * kSecond, current,
                                                            [&](int a, protocol::msg::Ready) {
                                                              std::lock_guard lock(m);
                                                              heard.push_back(a);
                                                              cv.notify_all();
                                                            }));
  agents.join();
  ASSERT_EQ(heard.size(), 3u);
  EXPECT_EQ(heard[0], 2);
}

TEST(AgentLinksReceiveEach, OneDeadlineForThePhaseNamesTheFirstSilentAgentAndCountsTheOthers) {
  LinkedAgents c(4);
  c.say(0, protocol::msg::Ready{});
  c.say(2, protocol::msg::Ready{});
  int current = -1;
  std::vector<int> heard;
  try {
    c.links.receiveEach<protocol::msg::Ready>({0, 1, 2, 3}, "barrier", kSecond / 5, current,
                                              [&](int a, protocol::msg::Ready) { heard.push_back(a); });
    FAIL() << "agents 1 and 3 never answered";
  } catch (const TimeoutError& e) {
    EXPECT_EQ(std::string(e.what()), "agent 1 (host1, " + c.links.agents[1].peer +
                                         ") sent no 'ready' within 200 ms during barrier (nor did 1 other agents)");
  }
  EXPECT_EQ(current, 1) << "the caller blames the first silent agent";
  EXPECT_EQ(heard, (std::vector<int>{0, 2}));
}

TEST(AgentLinksReceiveEach, StaleMessagesAreSkippedAndAnAgentsErrorIsItsOwn) {
  LinkedAgents c(2);
  c.say(1, protocol::msg::Ready{}, 6);  // a reply to an aborted test
  c.say(0, protocol::msg::Ready{});
  c.say(1, protocol::ErrorMessage{"agent 1 on host1 cannot set up: no such device"});
  int current = -1;
  try {
    c.links.receiveEach<protocol::msg::Ready>({0, 1}, "barrier", 5 * kSecond, current, [](int, protocol::msg::Ready) {});
    FAIL() << "agent 1 sent an error";
  } catch (const TimeoutError&) {
    FAIL() << "the error was not read";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "agent 1 on host1 cannot set up: no such device");
  }
  EXPECT_EQ(current, 1);
}

TEST(AgentLinksReceiveEach, AnAgentThatHangsUpIsATransportErrorNamingIt) {
  LinkedAgents c(2);
  c.say(0, protocol::msg::Ready{});
  c.agents[1]->close();
  int current = -1;
  try {
    c.links.receiveEach<protocol::msg::Ready>({0, 1}, "barrier", 5 * kSecond, current, [](int, protocol::msg::Ready) {});
    FAIL() << "agent 1 hung up";
  } catch (const TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("agent 1 (host1, "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("during barrier"), std::string::npos) << e.what();
  }
  EXPECT_EQ(current, 1);
}

}  // namespace
}  // namespace fabcheck::controller
