#include "harness/controller/agent_links.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <system_error>

#include "generators/core/clock.h"
#include "harness/protocol/agent_messages.h"

namespace fabcheck::controller {

using nlohmann::json;

namespace {
constexpr int64_t kInterruptSliceNs = 100'000'000;  // an interrupt is seen within this

std::string errnoText(int err) { return std::error_code(err, std::system_category()).message(); }

// An epoll instance, closed on every way out.
struct EpollFd {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  EpollFd() = default;
  EpollFd(const EpollFd&) = delete;
  EpollFd& operator=(const EpollFd&) = delete;
  ~EpollFd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::string AgentLinks::who(int a) const {
  return "agent " + std::to_string(a) + " (" + agents[a].host + ", " + agents[a].peer + ")";
}

void AgentLinks::sendJson(int a, json message, const std::string& phase) {
  protocol::setTestId(message, test_id);
  try {
    if (!channels[a]) throw TransportError("no control connection");
    channels[a]->send(message, step_timeout_ns);
  } catch (const Error& e) {
    throw TransportError(who(a) + " during " + phase + ": " + e.what());
  }
}

std::optional<json> AgentLinks::takeMessage(int a, std::string_view type, const std::string& phase, int64_t wait_ns) {
  for (;;) {
    json m;
    try {
      if (!channels[a]) throw TransportError("no control connection");
      auto got = channels[a]->tryReceive(wait_ns, phase);
      if (!got) return std::nullopt;
      m = std::move(*got);
    } catch (const TimeoutError&) {
      return std::nullopt;
    } catch (const Error& e) {
      throw TransportError(who(a) + " during " + phase + ": " + e.what());
    }
    if (protocol::testIdOf(m) != test_id) {  // stale: from an aborted test; look again at once
      wait_ns = 0;
      continue;
    }
    if (heard_ns_.size() < agents.size()) heard_ns_.resize(agents.size(), 0);
    heard_ns_[static_cast<size_t>(a)] = monoNowNs();
    const std::string t = protocol::typeOf(m);
    if (t == protocol::msg::Heartbeat::kType) {  // alive; what we wait for may follow at once
      wait_ns = 0;
      continue;
    }
    if (t == protocol::ErrorMessage::kType) {
      std::string text;
      try {
        text = protocol::decode<protocol::ErrorMessage>(m).message;
      } catch (const ProtocolError&) {
      }
      throw Error(text.empty() ? std::string("agent error") : text);
    }
    if (t != type) {
      throw ProtocolError(who(a) + " sent '" + t + "' during " + phase + "; expected '" + std::string(type) + "'");
    }
    return m;
  }
}

json AgentLinks::receiveJson(int a, std::string_view type, const std::string& phase, int64_t timeout_ns) {
  const int64_t deadline = monoNowNs() + timeout_ns;
  for (;;) {
    const int64_t left = deadline - monoNowNs();
    if (left <= 0) {
      throw TimeoutError(who(a) + " sent no '" + std::string(type) + "' within " +
                         std::to_string(timeout_ns / 1'000'000) + " ms during " + phase);
    }
    if (interrupt && interrupt->load()) throw Interrupted("interrupted during " + phase);
    // Short slices, so an interrupt ends a long test within about 100 ms.
    if (auto m = takeMessage(a, type, phase, std::min<int64_t>(left, kInterruptSliceNs))) return std::move(*m);
  }
}

void AgentLinks::throwSilent(const std::vector<int>& silent, std::string_view type, const std::string& phase,
                             int64_t timeout_ns, int& current) const {
  current = silent.front();
  std::string text = who(current) + " sent no '" + std::string(type) + "' within " +
                     std::to_string(timeout_ns / 1'000'000) + " ms during " + phase;
  if (silent.size() > 1) text += " (nor did " + std::to_string(silent.size() - 1) + " other agents)";
  throw TimeoutError(text);
}

void AgentLinks::throwIfSilent(const std::vector<int>& parts, const std::vector<char>& done, int64_t since,
                               int64_t silence_ns, const std::string& phase, int& current) const {
  const int64_t now = monoNowNs();
  for (size_t i = 0; i < parts.size(); ++i) {
    if (done[i]) continue;
    const auto a = static_cast<size_t>(parts[i]);
    const int64_t last = std::max(since, a < heard_ns_.size() ? heard_ns_[a] : 0);
    if (now - last <= silence_ns) continue;
    current = parts[i];
    throw TimeoutError(who(parts[i]) + " sent nothing within " + std::to_string(silence_ns / 1'000'000) +
                       " ms during " + phase + " (no heartbeat: the agent is frozen, or its host or network is down)");
  }
}

void AgentLinks::receiveEachJson(const std::vector<int>& parts, std::string_view type, const std::string& phase,
                                 int64_t timeout_ns, int64_t silence_ns, int& current, const JsonHandler& on) {
  const int64_t since = monoNowNs();
  const int64_t deadline = since + timeout_ns;
  const bool pollable = std::all_of(parts.begin(), parts.end(), [&](int a) {
    return channels[a] && channels[a]->readinessFd() >= 0;
  });
  if (!pollable) {  // in-memory channels (tests): one by one, within the phase's deadline
    for (size_t i = 0; i < parts.size(); ++i) {
      current = parts[i];
      std::optional<json> m;
      try {
        m = receiveJson(parts[i], type, phase, std::max<int64_t>(1, deadline - monoNowNs()));
      } catch (const TimeoutError&) {
        throwSilent({parts[i]}, type, phase, timeout_ns, current);  // the later ones were not looked at
      }
      on(parts[i], std::move(*m));
    }
    return;
  }
  EpollFd ep;
  if (ep.fd < 0) throw Error("cannot wait for the agents during " + phase + ": epoll_create1: " + errnoText(errno));
  std::vector<char> done(parts.size(), 0);
  size_t left_to_hear = parts.size();
  // What already arrived is taken at once; the others are watched.
  for (size_t i = 0; i < parts.size(); ++i) {
    current = parts[i];
    if (auto m = takeMessage(parts[i], type, phase, 0)) {
      on(parts[i], std::move(*m));
      done[i] = 1;
      --left_to_hear;
      continue;
    }
    epoll_event ev{.events = EPOLLIN, .data = {.u64 = i}};
    if (epoll_ctl(ep.fd, EPOLL_CTL_ADD, channels[parts[i]]->readinessFd(), &ev) != 0) {
      throw TransportError(who(parts[i]) + " during " + phase + ": cannot watch its connection: " + errnoText(errno));
    }
  }
  std::array<epoll_event, 256> events{};
  while (left_to_hear > 0) {
    const int64_t left = deadline - monoNowNs();
    if (left <= 0) {
      std::vector<int> silent;
      for (size_t i = 0; i < parts.size(); ++i) if (!done[i]) silent.push_back(parts[i]);
      throwSilent(silent, type, phase, timeout_ns, current);
    }
    if (interrupt && interrupt->load()) throw Interrupted("interrupted during " + phase);
    if (silence_ns > 0) throwIfSilent(parts, done, since, silence_ns, phase, current);
    const int64_t slice = std::min<int64_t>(left, kInterruptSliceNs);
    const int n = epoll_wait(ep.fd, events.data(), static_cast<int>(events.size()),
                             static_cast<int>((slice + 999'999) / 1'000'000));
    for (int e = 0; e < n; ++e) {
      const size_t i = events[static_cast<size_t>(e)].data.u64;
      if (done[i]) continue;
      current = parts[i];
      auto m = takeMessage(parts[i], type, phase, 0);  // a frame still in flight: wait for the rest
      if (!m) continue;
      epoll_ctl(ep.fd, EPOLL_CTL_DEL, channels[parts[i]]->readinessFd(), nullptr);
      done[i] = 1;
      --left_to_hear;
      on(parts[i], std::move(*m));
    }
  }
}

void AgentLinks::markLost(int a, const std::string& why) {
  agents[a].lost = true;
  agents[a].lost_reason = why;
  if (channels[a]) channels[a]->close();
}

}  // namespace fabcheck::controller
