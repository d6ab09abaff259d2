#include "harness/protocol/in_memory_channel.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "generators/core/errors.h"

namespace fabcheck::protocol {

struct InMemoryChannel::Shared {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::string> inbox[2];  // by receiving side
  int closed_by = -1;                // the side that closed first; -1: open
};

std::pair<std::unique_ptr<InMemoryChannel>, std::unique_ptr<InMemoryChannel>> InMemoryChannel::makePair(
    std::string a_name, std::string b_name) {
  auto shared = std::make_shared<Shared>();
  return {std::unique_ptr<InMemoryChannel>(new InMemoryChannel(shared, 0, std::move(b_name))),
          std::unique_ptr<InMemoryChannel>(new InMemoryChannel(shared, 1, std::move(a_name)))};
}

InMemoryChannel::InMemoryChannel(std::shared_ptr<Shared> shared, int side, std::string peer)
    : shared_(std::move(shared)), side_(side), peer_(std::move(peer)) {}

InMemoryChannel::~InMemoryChannel() { close(); }

void InMemoryChannel::send(const nlohmann::json& message, int64_t /*timeout_ns: the inbox is unbounded*/) {
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->closed_by == side_) throw TransportError(fmt::format("control connection to {} is closed", peer_));
    if (shared_->closed_by >= 0) throw TransportError(fmt::format("peer {} closed the control connection", peer_));
    shared_->inbox[1 - side_].push_back(message.dump());
  }
  shared_->changed.notify_all();
}

std::optional<nlohmann::json> InMemoryChannel::tryReceive(int64_t timeout_ns, std::string_view phase) {
  std::unique_lock lock(shared_->mutex);
  auto& inbox = shared_->inbox[side_];
  shared_->changed.wait_for(lock, std::chrono::nanoseconds(std::max<int64_t>(timeout_ns, 0)),
                            [&] { return !inbox.empty() || shared_->closed_by >= 0; });
  const std::string during = phase.empty() ? std::string() : fmt::format(" while {}", phase);
  if (shared_->closed_by == side_) throw TransportError(fmt::format("control connection to {} is closed{}", peer_, during));
  if (!inbox.empty()) {
    std::string text = std::move(inbox.front());
    inbox.pop_front();
    return nlohmann::json::parse(text);
  }
  if (shared_->closed_by >= 0) throw TransportError(fmt::format("peer {} closed the control connection{}", peer_, during));
  return std::nullopt;
}

std::string InMemoryChannel::localAddress() const { return isOpen() ? "127.0.0.1" : std::string(); }

bool InMemoryChannel::isOpen() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->closed_by < 0;
}

void InMemoryChannel::close() noexcept {
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->closed_by < 0) shared_->closed_by = side_;
  }
  shared_->changed.notify_all();
}

}  // namespace fabcheck::protocol
