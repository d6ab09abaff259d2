#include "harness/controller/registration.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <system_error>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/log.h"
#include "harness/protocol/agent_messages.h"

namespace fabcheck::controller {
namespace {

using nlohmann::json;
using Channel = protocol::AuthenticatedChannel;

// Best effort: a peer that authenticated learns why it is refused; then the connection closes.
constexpr uint64_t kListenerKey = UINT64_MAX;      // epoll keys beside the pending connections
constexpr uint64_t kWakeKey = UINT64_MAX - 1;

void closeFds(int& a, int& b) noexcept {
  for (int* fd : {&a, &b}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void tellPeer(Channel& ch, const std::string& why) noexcept {
  try {
    if (ch.isOpen()) ch.send(protocol::makeErrorMessage("the controller refused this connection: " + why),
                             RegistrationDesk::kSliceNs);
  } catch (...) {
  }
  ch.close();
}

}  // namespace

AgentInfo agentInfoFromRegistration(const json& reg, const std::string& peer) {
  protocol::msg::Register r;
  try {
    r = protocol::decode<protocol::msg::Register>(reg);
  } catch (const ProtocolError& e) {
    throw ProtocolError("registration from " + peer + ": " + e.what());
  }
  AgentInfo a;
  a.id = r.agent_id;
  a.host = std::move(r.host);
  a.boot_id = std::move(r.boot_id);
  a.version = std::move(r.fabcheck_version);
  a.pid = r.pid;
  a.kernel = std::move(r.kernel);
  a.clock_source = std::move(r.clock_source);
  a.rdma_devices = std::move(r.rdma_devices);
  a.interfaces = std::move(r.interfaces);
  if (r.lldp_switch && !r.lldp_switch->empty()) {
    a.switch_name = *r.lldp_switch;
    a.switch_port = r.lldp_port.value_or("");
    a.topology_source = "lldp";
  } else {
    a.topology_note = r.lldp_reason.value_or("");
  }
  a.peer = peer;
  return a;
}

RegistrationDesk::RegistrationDesk(protocol::ControlListener& listener, const protocol::RunSecret& secret,
                                   RegistrationOptions options)
    : listener_(listener), secret_(secret), options_(options) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  auto watch = [&](int fd, uint64_t key) {
    epoll_event ev{.events = EPOLLIN, .data = {.u64 = key}};
    return fd >= 0 && epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
  };
  if (epoll_fd_ < 0 || wake_fd_ < 0 || !watch(listener_.fd(), kListenerKey) || !watch(wake_fd_, kWakeKey)) {
    const std::string why = std::error_code(errno, std::system_category()).message();
    closeFds(epoll_fd_, wake_fd_);
    throw TransportError("cannot wait for agents' registrations: " + why);
  }
  thread_ = std::thread([this] { loop(); });
}

RegistrationDesk::~RegistrationDesk() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  closeFds(epoll_fd_, wake_fd_);
  for (auto& r : done_) refuse(std::move(r), "registered after the controller stopped waiting for agents");
}

std::optional<Registration> RegistrationDesk::next(int64_t timeout_ns) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, std::chrono::nanoseconds(std::max<int64_t>(0, timeout_ns)), [&] { return !done_.empty(); });
  if (done_.empty()) return std::nullopt;
  Registration r = std::move(done_.front());
  done_.pop_front();
  return r;
}

void RegistrationDesk::refuse(Registration r, const std::string& why) {
  log::warn("refused registration of agent id {} from {}: {}", r.info.id, r.info.peer, why);
  tellPeer(r.channel, "agent id " + std::to_string(r.info.id) + ": " + why);
}

void RegistrationDesk::loop() {
  std::array<epoll_event, 64> events{};
  while (!stopping_.load()) {
    int64_t wait = kSliceNs;
    if (!deadlines_.empty()) wait = std::clamp<int64_t>(deadlines_.front().first - monoNowNs(), 0, kSliceNs);
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                             static_cast<int>((wait + 999'999) / 1'000'000));
    for (int i = 0; i < n && !stopping_.load(); ++i) {
      const uint64_t key = events[static_cast<size_t>(i)].data.u64;
      if (key == kListenerKey) {
        acceptReady();
      } else if (key != kWakeKey) {
        readPending(key);
      }
    }
    expireOverdue(monoNowNs());
  }
  for (auto& [key, p] : pending_) {
    log::warn("closed the connection from {}: it had not registered when the controller stopped waiting for agents",
              p.channel.peer());
  }
  pending_.clear();  // epoll_fd_ closes with the desk; the channels close here
}

void RegistrationDesk::acceptReady() {
  for (;;) {
    std::optional<protocol::ControlChannel> conn;
    try {
      conn.emplace(listener_.accept(0));
    } catch (const TimeoutError&) {
      return;  // none left
    } catch (const std::exception& e) {
      // E.g. out of file descriptors: say so, back off a slice, keep serving those already connected.
      log::warn("{}", e.what());
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::nanoseconds(kSliceNs), [&] { return stopping_.load(); });
      return;
    }
    // Full: the oldest pending connection makes room (an idle one, as a rule: an agent
    // registers within milliseconds of connecting), so idle connections cannot lock agents out.
    if (pending_.size() >= options_.max_pending && !evictOldest(conn->peer())) continue;  // `conn` closes
    const uint64_t key = next_key_++;
    const int64_t deadline = monoNowNs() + options_.per_connection_timeout_ns;
    auto [it, added] = pending_.emplace(
        key, Pending{Channel(std::move(*conn), secret_, Channel::Role::kAcceptor), deadline});
    epoll_event ev{.events = EPOLLIN, .data = {.u64 = key}};
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, it->second.channel.readinessFd(), &ev) != 0) {
      log::warn("refused a connection from {}: cannot watch it: {}", it->second.channel.peer(),
                std::error_code(errno, std::system_category()).message());
      pending_.erase(it);
      continue;
    }
    deadlines_.emplace_back(deadline, key);
  }
}

bool RegistrationDesk::evictOldest(const std::string& newcomer) {
  while (!deadlines_.empty()) {
    const uint64_t key = deadlines_.front().second;
    deadlines_.pop_front();
    auto it = pending_.find(key);
    if (it == pending_.end()) continue;  // registered or refused already
    log::warn("closed the connection from {}: it had not registered and {} connections were pending; "
              "the newer one from {} takes its place", it->second.channel.peer(), options_.max_pending, newcomer);
    forget(key);
    return true;
  }
  log::warn("refused a connection from {}: {} registrations are already in progress", newcomer, options_.max_pending);
  return false;
}

void RegistrationDesk::forget(uint64_t key) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  if (const int fd = it->second.channel.readinessFd(); fd >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  pending_.erase(it);
}

void RegistrationDesk::expireOverdue(int64_t now) {
  while (!deadlines_.empty() && deadlines_.front().first <= now) {
    const uint64_t key = deadlines_.front().second;
    deadlines_.pop_front();
    auto it = pending_.find(key);
    if (it == pending_.end()) continue;  // registered or refused already
    log::warn("refused a connection from {}: no registration within {} ms", it->second.channel.peer(),
              options_.per_connection_timeout_ns / 1'000'000);
    forget(key);
  }
}

void RegistrationDesk::readPending(uint64_t key) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  Channel& ch = it->second.channel;
  std::optional<json> reg;
  try {
    reg = ch.tryReceive(0, "registration");
    if (!reg) return;  // part of a frame: the rest comes later
  } catch (const ProtocolError& e) {
    // Already logged by the channel with the peer's address. A peer that authenticated (another
    // protocol version, text that is not JSON) is still open: tell it why.
    tellPeer(ch, e.what());
    forget(key);
    return;
  } catch (const std::exception& e) {
    log::warn("refused a connection from {}: {}", ch.peer(), e.what());
    forget(key);
    return;
  }
  if (const int fd = ch.readinessFd(); fd >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  Channel registered = std::move(ch);
  pending_.erase(it);
  finishRegistration(std::move(registered), *reg);
}

void RegistrationDesk::finishRegistration(Channel ch, const json& reg) {
  const std::string peer = ch.peer();
  try {
    protocol::expectMessage(reg, protocol::msg::Register::kType, peer, "registration");
    AgentInfo info = agentInfoFromRegistration(reg, peer);
    {
      std::lock_guard lock(mutex_);
      done_.push_back(Registration{std::move(ch), std::move(info)});
    }
    changed_.notify_all();
  } catch (const std::exception& e) {
    log::warn("refused a connection from {}: {}", peer, e.what());
    tellPeer(ch, e.what());
  }
}

}  // namespace fabcheck::controller
