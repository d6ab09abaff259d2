#include "generators/engine/flow_set.h"

#include <chrono>
#include <exception>
#include <thread>

#include "generators/core/clock.h"
#include "generators/core/futex_hash.h"
#include "generators/core/log.h"
#include "generators/engine/pingpong.h"
#include "generators/engine/stream_sender.h"

namespace fabcheck::engine {

struct FlowSet::Flow {
  patterns::FlowSpec spec;
  std::unique_ptr<transport::Connection> conn;
  std::thread thread;
  ReceiveControl control;
  std::optional<SenderResult> sender;
  std::optional<PingpongResult> pingpong;
  std::optional<ReceiverResult> receiver;
  std::optional<ResponderResult> responder;
};

FlowSet::FlowSet(const transport::TransportProperties& props, const patterns::PatternParams& params,
                 const patterns::PatternPlan& plan, int me,
                 std::map<uint32_t, std::unique_ptr<transport::Connection>> connections, FlowSetOptions options)
    : props_(props), params_(params), me_(me), options_(options) {
  for (const auto& spec : plan.flows) {
    if (spec.sender != me && spec.receiver != me) continue;
    auto it = connections.find(spec.flow_id);
    if (it == connections.end() || !it->second) continue;
    auto f = std::make_unique<Flow>();
    f->spec = spec;
    f->conn = std::move(it->second);
    flows_.push_back(std::move(f));
  }
  sizeFutexHash(static_cast<int>(flows_.size()) + 8);  // one thread per flow (futex_hash.h)
}

FlowSet::~FlowSet() {
  abort();
  for (auto& f : flows_) {
    if (f->thread.joinable()) f->thread.join();
  }
}

void FlowSet::record(const std::string& error) {
  log::warn("{}", error);  // also in the agent's log of this test (reports' system-err)
  std::lock_guard lock(mutex_);
  errors_.push_back(error);
}

bool FlowSet::clockKnown(const Flow& f) const {
  return options_.same_clock || options_.clock_correction_ns.count(f.spec.flow_id) > 0;
}

const patterns::PatternParams& FlowSet::paramsOf(const Flow& f) const {
  return f.spec.params ? *f.spec.params : params_;
}

int64_t FlowSet::correction(const Flow& f) const {
  auto it = options_.clock_correction_ns.find(f.spec.flow_id);
  return it == options_.clock_correction_ns.end() ? 0 : it->second;
}

void FlowSet::startReceivers() {
  for (auto& fp : flows_) {
    Flow* f = fp.get();
    if (f->spec.receiver != me_) continue;
    f->thread = std::thread([this, f] {
      const patterns::PatternParams& p = paramsOf(*f);
      try {
        if (f->spec.role == patterns::FlowRole::kPingpong) {
          RespondPlan rp{.flow_id = f->spec.flow_id, .size = p.size_bytes, .same_clock = clockKnown(*f),
                         .clock_correction_ns = correction(*f), .busy_poll = options_.busy_poll,
                         .posted = &f->control.posted};
          f->responder = runPingpongResponder(*f->conn, rp, stop_responders_);
        } else {
          ReceivePlan plan{.flow_id = f->spec.flow_id, .size = p.size_bytes, .same_clock = clockKnown(*f),
                           .clock_correction_ns = correction(*f)};
          if (f->spec.role == patterns::FlowRole::kBurst) {
            plan.msgs_per_burst = std::max<uint64_t>(1, p.burst_bytes / p.size_bytes);
          }
          f->receiver = runReceiver(*f->conn, props_, plan, f->control);
          if (!f->receiver->error.empty()) record("flow " + std::to_string(f->spec.flow_id) + " receiver: " + f->receiver->error);
        }
      } catch (const std::exception& e) {
        record("flow " + std::to_string(f->spec.flow_id) + " receiver: " + e.what());
      }
      f->control.posted.store(true, std::memory_order_release);  // ended: nothing more to wait for
    });
  }
  waitReceiversPosted();
}

// Until every receiver posted its first buffers (at most kPostedWaitNs): the caller says "ready"
// next, and a sender's first message must find a receive.
void FlowSet::waitReceiversPosted() {
  constexpr int64_t kPostedWaitNs = 10'000'000'000;
  const int64_t deadline = monoNowNs() + kPostedWaitNs;
  for (auto& f : flows_) {
    if (f->spec.receiver != me_) continue;
    while (!f->control.posted.load(std::memory_order_acquire) && monoNowNs() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
}

void FlowSet::startSenders(int64_t start_mono_ns) {
  for (auto& f : flows_) {  // our receivers: `stop` cannot come before their senders' end
    const patterns::PatternParams& p = paramsOf(*f);
    const int64_t end = p.duration_ns > 0 ? start_mono_ns + p.warmup_ns + p.duration_ns : start_mono_ns;
    f->control.stop_expected_mono_ns.store(end, std::memory_order_relaxed);
  }
  for (auto& fp : flows_) {
    Flow* f = fp.get();
    if (f->spec.sender != me_) continue;
    f->thread = std::thread([this, f, start_mono_ns] {
      const patterns::PatternParams& p = paramsOf(*f);
      try {
        if (f->spec.role == patterns::FlowRole::kPingpong) {
          // Pings begin at the common start, after the time-based warm-up (a probe waits out
          // the load's warm-up so it measures only the loaded phase).
          PingPlan pp{.flow_id = f->spec.flow_id, .size = p.size_bytes,
                      .start_mono_ns = start_mono_ns > 0 ? start_mono_ns + p.warmup_ns : 0,
                      .warmup_iterations = p.warmup_iterations, .duration_ns = p.duration_ns,
                      .iterations = p.iterations, .reply_timeout_ns = p.reply_timeout_ns,
                      .same_clock = clockKnown(*f), .clock_correction_ns = correction(*f),
                      .busy_poll = options_.busy_poll};
          f->pingpong = runPingpongInitiator(*f->conn, pp, abort_);
          if (!f->pingpong->error.empty()) record("flow " + std::to_string(f->spec.flow_id) + ": " + f->pingpong->error);
        } else {
          SendPlan sp{.flow_id = f->spec.flow_id, .size = p.size_bytes, .rate_bps = f->spec.rate_bps,
                      .rate_pps = f->spec.rate_pps, .start_mono_ns = start_mono_ns, .warmup_ns = p.warmup_ns,
                      .duration_ns = p.duration_ns, .iterations = p.iterations,
                      .payload_check = p.payload_check};
          if (f->spec.role == patterns::FlowRole::kBurst) {
            sp.burst_bytes = p.burst_bytes;
            sp.burst_interval_ns = p.burst_interval_ns;
          }
          f->sender = runSender(*f->conn, props_, sp, abort_);
          if (!f->sender->error.empty()) record("flow " + std::to_string(f->spec.flow_id) + " sender: " + f->sender->error);
        }
      } catch (const std::exception& e) {
        record("flow " + std::to_string(f->spec.flow_id) + " sender: " + e.what());
      }
    });
  }
}

void FlowSet::waitSenders() {
  for (auto& f : flows_) {
    if (f->spec.sender == me_ && f->thread.joinable()) f->thread.join();
  }
}

void FlowSet::finishReceivers(const std::map<uint32_t, uint64_t>& sent_by_flow) {
  stop_responders_.store(true);
  for (auto& f : flows_) {
    if (f->spec.receiver != me_) continue;
    auto it = sent_by_flow.find(f->spec.flow_id);
    if (it != sent_by_flow.end()) f->control.sender_sent.store(it->second, std::memory_order_release);
    f->control.stop.store(true, std::memory_order_release);
  }
  for (auto& f : flows_) {
    if (f->spec.receiver == me_ && f->thread.joinable()) f->thread.join();
  }
}

void FlowSet::stopSenders() noexcept { abort_.store(true); }

void FlowSet::abort() noexcept {
  abort_.store(true);
  stop_responders_.store(true);
  for (auto& f : flows_) f->control.abort.store(true);
}

std::vector<SenderResult> FlowSet::senderResults() const {
  std::vector<SenderResult> out;
  for (auto& f : flows_) if (f->sender) out.push_back(*f->sender);
  return out;
}
std::vector<PingpongResult> FlowSet::pingpongResults() const {
  std::vector<PingpongResult> out;
  for (auto& f : flows_) if (f->pingpong) out.push_back(*f->pingpong);
  return out;
}
std::vector<ReceiverResult> FlowSet::receiverResults() const {
  std::vector<ReceiverResult> out;
  for (auto& f : flows_) if (f->receiver) out.push_back(*f->receiver);
  return out;
}
std::vector<ResponderResult> FlowSet::responderResults() const {
  std::vector<ResponderResult> out;
  for (auto& f : flows_) if (f->responder) out.push_back(*f->responder);
  return out;
}
std::vector<std::string> FlowSet::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

}  // namespace fabcheck::engine
