#include "harness/controller/registration.h"

#include <algorithm>
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
  acceptor_ = std::thread([this] { acceptLoop(); });
}

RegistrationDesk::~RegistrationDesk() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& r : readers_) {
    if (r.thread.joinable()) r.thread.join();  // each notices `stopping_` within a slice
  }
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

void RegistrationDesk::reapFinishedReaders() {
  std::list<Reader> finished;
  {
    std::lock_guard lock(mutex_);
    for (auto it = readers_.begin(); it != readers_.end();) {
      auto here = it++;
      if (here->finished) finished.splice(finished.end(), readers_, here);
    }
  }
  for (auto& r : finished) r.thread.join();  // it has done its last act; the join is immediate
}

void RegistrationDesk::acceptLoop() {
  while (!stopping_.load()) {
    reapFinishedReaders();
    std::optional<protocol::ControlChannel> conn;
    try {
      conn.emplace(listener_.accept(kAcceptSliceNs));
    } catch (const TimeoutError&) {
      continue;
    } catch (const std::exception& e) {
      // E.g. out of file descriptors: say so, back off a slice, keep serving those already connected.
      log::warn("{}", e.what());
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::nanoseconds(kSliceNs), [&] { return stopping_.load(); });
      continue;
    }
    std::lock_guard lock(mutex_);
    if (stopping_) break;  // `conn` closes
    if (pending_ >= options_.max_pending) {
      log::warn("refused a connection from {}: {} registrations are already in progress", conn->peer(),
                options_.max_pending);
      continue;
    }
    Reader& reader = readers_.emplace_back();
    ++pending_;
    try {
      reader.thread = std::thread([this, &reader, ch = Channel(std::move(*conn), secret_, Channel::Role::kAcceptor)]() mutable {
        readRegistration(std::move(ch));
        std::lock_guard done(mutex_);
        --pending_;
        reader.finished = true;
      });
    } catch (const std::system_error& e) {
      --pending_;
      readers_.pop_back();
      log::warn("refused a connection: cannot start a thread to read its registration: {}", e.what());
    }
  }
}

void RegistrationDesk::readRegistration(Channel ch) {
  const std::string peer = ch.peer();
  const int64_t deadline = monoNowNs() + options_.per_connection_timeout_ns;
  std::optional<json> reg;
  try {
    while (!reg) {
      if (stopping_.load()) {
        log::warn("closed the connection from {}: it had not registered when the controller stopped waiting for agents",
                  peer);
        return;
      }
      const int64_t left = deadline - monoNowNs();
      if (left <= 0) {
        log::warn("refused a connection from {}: no registration within {} ms", peer,
                  options_.per_connection_timeout_ns / 1'000'000);
        return;
      }
      reg = ch.tryReceive(std::min(left, kSliceNs), "registration");
    }
  } catch (const ProtocolError& e) {
    // Already logged by the channel with the peer's address. A peer that authenticated (another
    // protocol version, text that is not JSON) is still open: tell it why.
    tellPeer(ch, e.what());
    return;
  } catch (const std::exception& e) {
    log::warn("refused a connection from {}: {}", peer, e.what());
    return;
  }
  try {
    protocol::expectMessage(*reg, protocol::msg::Register::kType, peer, "registration");
    AgentInfo info = agentInfoFromRegistration(*reg, peer);
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
