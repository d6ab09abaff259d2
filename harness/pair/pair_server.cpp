#include "harness/pair/pair_server.h"

#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include "generators/core/errors.h"
#include "generators/core/log.h"
#include "harness/pair/pair_auth.h"
#include "harness/pair/pair_messages.h"
#include "harness/pair/pair_session.h"
#include "harness/protocol/authenticated_channel.h"
#include "harness/protocol/control_channel.h"

namespace fabcheck::pair {

using protocol::ControlChannel;

struct PairServer::Impl {
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };

  ServerConfig config;
  protocol::ControlListener listener;
  std::atomic<bool> stopping{false};
  std::atomic<int> failed{0};
  std::atomic<int> sessions_done{0};
  std::mutex mutex;                  // guards pending and sessions
  std::map<uint64_t, int> pending;   // connection number -> a dup of its socket, oldest first
  uint64_t next_number = 0;
  uint32_t sessions = 0;             // authenticated sessions running
  std::list<Worker> workers;         // added and reaped by the accepting thread only
  std::condition_variable finished;  // a worker's thread is about to end

  void admit(ControlChannel ch);
  void handle(ControlChannel ch, uint64_t number);
  // Moves connection `number` out of the pending set; true when it then became a session.
  bool leavePending(uint64_t number, bool become_session);
  void reap(bool all);
  // Waits (at most kRoomWaitNs) until fewer than max_pending + max_sessions connection threads
  // run: a dropped connection's thread ends moments after its shutdown, and the next one starts
  // only then, so the threads stay within that bound however fast connections come.
  void waitForRoom();
  static constexpr int64_t kRoomWaitNs = 2'000'000'000;
};

PairServer::PairServer(ServerConfig config)
    : impl_(new Impl{.config = config, .listener = protocol::ControlListener::listen(config.bind, config.port)}) {}

PairServer::~PairServer() = default;

uint16_t PairServer::port() const { return impl_->listener.port(); }

int PairServer::serve(const std::atomic<bool>& stop) {
  Impl& s = *impl_;
  while (!stop.load() && !(s.config.once && s.sessions_done.load() > 0)) {
    s.reap(false);
    try {
      s.admit(s.listener.accept(200'000'000));
    } catch (const TimeoutError&) {
      continue;
    } catch (const TransportError& e) {  // e.g. EMFILE: keep serving the sessions we have
      log::warn("control port: {}", e.what());
    }
  }
  s.stopping = true;
  {
    std::lock_guard lock(s.mutex);
    for (const auto& [number, fd] : s.pending) ::shutdown(fd, SHUT_RDWR);
  }
  s.reap(true);
  return s.failed.load();
}

void PairServer::Impl::admit(ControlChannel ch) {
  {
    std::lock_guard lock(mutex);
    if (pending.size() >= config.limits.max_pending) {
      const auto oldest = pending.begin();
      log::warn("{} connections are still in their hello (the limit); dropping the oldest to admit {}",
                pending.size(), ch.peer());
      ::shutdown(oldest->second, SHUT_RDWR);  // its thread wakes, fails its hello and ends
      ::close(oldest->second);
      pending.erase(oldest);
    }
  }
  waitForRoom();
  std::lock_guard lock(mutex);
  const uint64_t number = next_number++;
  const int watch = ::dup(ch.fd());  // kept open until the thread leaves pending: the number stays ours
  if (watch >= 0) pending[number] = watch;
  Worker& w = workers.emplace_back();
  w.thread = std::thread([this, c = std::move(ch), number, done = w.done]() mutable {
    handle(std::move(c), number);
    {
      std::lock_guard done_lock(mutex);
      done->store(true);
    }
    finished.notify_all();
  });
}

void PairServer::Impl::waitForRoom() {
  const size_t cap = size_t{config.limits.max_pending} + config.limits.max_sessions;
  const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(kRoomWaitNs);
  for (;;) {
    reap(false);  // joined: a thread that said it is done is gone, not just about to go
    std::unique_lock lock(mutex);
    if (workers.size() < cap) return;
    const auto any_done = [&] {
      return std::any_of(workers.begin(), workers.end(), [](const Worker& w) { return w.done->load(); });
    };
    if (!finished.wait_until(lock, until, any_done)) return;  // bounded: start it anyway
  }
}

bool PairServer::Impl::leavePending(uint64_t number, bool become_session) {
  std::lock_guard lock(mutex);
  if (const auto it = pending.find(number); it != pending.end()) {
    ::close(it->second);
    pending.erase(it);
  }
  if (!become_session || sessions >= config.limits.max_sessions) return false;
  ++sessions;
  return true;
}

void PairServer::Impl::handle(ControlChannel raw, uint64_t number) {
  const std::string peer = raw.peer();
  auto ch = openPairChannel(std::move(raw), config.secret, protocol::AuthenticatedChannel::Role::kAcceptor);
  bool session = false;
  try {
    const auto hello = msg::expect<msg::Hello>(ch->receive(config.idle_timeout_ns, "waiting for the client's hello"),
                                               peer, "hello");
    session = leavePending(number, true);
    if (!session) {
      log::warn("refused {}: {} sessions running, the --max-sessions limit", peer, config.limits.max_sessions);
      ch->send(protocol::encode(msg::ErrorMessage{"server busy: " + std::to_string(config.limits.max_sessions) +
                                                  " clients are being served (its --max-sessions); try again later"}),
               config.control_timeout_ns);
    } else {
      log::info("client {} connected{}", peer, config.secret ? " (authenticated)" : " (no authentication)");
      runSession(config, *ch, hello, stopping);
      log::info("client {} done", peer);
    }
  } catch (const protocol::AuthenticationError&) {
    log::warn("refused {}: failed authentication (no secret, or another one)", peer);
    ++failed;
  } catch (const std::exception& e) {
    log::error("session with {}: {}", peer, e.what());
    ++failed;
  }
  leavePending(number, false);
  if (session) {  // the slot is free before the client sees the connection close
    std::lock_guard lock(mutex);
    --sessions;
  }
  ch.reset();
  if (session) ++sessions_done;
  ::malloc_trim(0);  // the session's flows, buffers and histograms back to the system
}

void PairServer::Impl::reap(bool all) {
  for (auto it = workers.begin(); it != workers.end();) {
    if (all || it->done->load()) {
      it->thread.join();
      it = workers.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace fabcheck::pair
