// The in-process loop transport and its process-wide endpoint registry (loop_transport.h).
#include "generators/transport/loop/loop_transport.h"

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>

#include "generators/core/errors.h"
#include "generators/transport/loop/loop_connection.h"
#include "generators/transport/loop/loop_options.h"
#include "generators/transport/loop/loop_pipe.h"

namespace fabcheck::transport::loop {

namespace {

// Connections made to a listener and not accepted yet.
struct ListenerSlot {
  struct Pending {
    std::shared_ptr<LoopPipe> to_server;
    std::shared_ptr<LoopPipe> to_client;
    uint64_t client_no = 0;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Pending> pending;
  uint64_t next_client = 1;
  size_t queue_depth = 1024;  // the listener's bound, for what the server end sends
};

class LoopHub {
 public:
  static LoopHub& instance() {
    static LoopHub hub;
    return hub;
  }
  uint64_t add(std::shared_ptr<ListenerSlot> slot) {
    std::lock_guard lk(mu_);
    uint64_t id = next_id_++;
    slots_[id] = std::move(slot);
    return id;
  }
  std::shared_ptr<ListenerSlot> find(uint64_t id) {
    std::lock_guard lk(mu_);
    auto it = slots_.find(id);
    return it == slots_.end() ? nullptr : it->second;
  }
  void remove(uint64_t id) {
    std::lock_guard lk(mu_);
    slots_.erase(id);
  }

 private:
  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<ListenerSlot>> slots_;
  uint64_t next_id_ = 1;
};

std::string seconds(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(ns) / 1e9);
  return buf;
}

class LoopListener final : public Listener {
 public:
  LoopListener(const LoopOptions& options, uint8_t tos)
      : options_(options), tos_(tos), slot_(std::make_shared<ListenerSlot>()) {
    slot_->queue_depth = options.queue_depth;
    id_ = LoopHub::instance().add(slot_);
    desc_.transport = "loop";
    desc_.fields["id"] = std::to_string(id_);
  }
  ~LoopListener() override { LoopHub::instance().remove(id_); }

  const EndpointDesc& endpoint() const override { return desc_; }

  std::unique_ptr<Connection> accept(int64_t timeout_ns) override {
    std::unique_lock lk(slot_->mu);
    if (!slot_->cv.wait_for(lk, std::chrono::nanoseconds(timeout_ns > 0 ? timeout_ns : 0),
                            [&] { return !slot_->pending.empty(); })) {
      throw TimeoutError("loop: no peer connected to loop endpoint " + std::to_string(id_) + " within " +
                         seconds(timeout_ns));
    }
    ListenerSlot::Pending p = std::move(slot_->pending.front());
    slot_->pending.pop_front();
    lk.unlock();
    std::string name = "loop " + std::to_string(id_) + ":server -> " + std::to_string(id_) + ":client" +
                       std::to_string(p.client_no);
    return std::make_unique<LoopConnection>(p.to_server, p.to_client, options_, tos_, name);
  }

 private:
  LoopOptions options_;
  uint8_t tos_;
  std::shared_ptr<ListenerSlot> slot_;
  uint64_t id_ = 0;
  EndpointDesc desc_;
};

class LoopTransport final : public Transport {
 public:
  explicit LoopTransport(const TransportOptions& options)
      : options_(parseLoopOptions(options.extra)), tos_(static_cast<uint8_t>((options.dscp << 2) | options.ecn)) {}

  TransportProperties properties() const override {
    TransportProperties p;
    p.name = "loop";
    p.max_message_bytes = kLoopMaxMessage;
    p.max_post_bytes = kLoopMaxPost;
    p.reliable = !options_.anyFault();
    p.rx_timestamps = TimestampSource::kUserSpace;
    return p;
  }

  std::unique_ptr<Listener> listen(const ListenOptions&) override {
    return std::make_unique<LoopListener>(options_, tos_);
  }

  std::unique_ptr<Connection> connect(const EndpointDesc& peer, const ConnectOptions&) override {
    if (peer.transport != "loop") {
      throw ConfigError("loop: cannot connect to an endpoint of transport '" + peer.transport + "'; expected loop");
    }
    const std::string& id_text = peer.at("id");
    uint64_t id = 0;
    auto [p, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (id_text.empty() || ec != std::errc() || p != id_text.data() + id_text.size()) {
      throw ConfigError("loop: endpoint field 'id' is '" + id_text + "'; expected a listener number");
    }
    std::shared_ptr<ListenerSlot> slot = LoopHub::instance().find(id);
    if (!slot) {
      throw TransportError("loop: no listener with id " + id_text + " (it was closed or never existed)");
    }
    auto to_server = std::make_shared<LoopPipe>(options_.queue_depth);
    std::shared_ptr<LoopPipe> to_client;
    uint64_t client_no = 0;
    {
      std::lock_guard lk(slot->mu);
      to_client = std::make_shared<LoopPipe>(slot->queue_depth);
      client_no = slot->next_client++;
      slot->pending.push_back({to_server, to_client, client_no});
    }
    slot->cv.notify_all();
    std::string name = "loop " + id_text + ":client" + std::to_string(client_no) + " -> " + id_text + ":server";
    return std::make_unique<LoopConnection>(to_client, to_server, options_, tos_, name);
  }

 private:
  LoopOptions options_;
  uint8_t tos_;
};

}  // namespace

std::unique_ptr<Transport> createLoopTransport(const TransportOptions& options) {
  if (options.dscp < 0 || options.dscp > 63) {
    throw ConfigError("loop: dscp " + std::to_string(options.dscp) + " (transport option dscp) is out of range; expected 0..63");
  }
  if (options.ecn < 0 || options.ecn > 3) {
    throw ConfigError("loop: ecn " + std::to_string(options.ecn) + " (transport option ecn) is out of range; expected 0..3");
  }
  return std::make_unique<LoopTransport>(options);
}

}  // namespace fabcheck::transport::loop
