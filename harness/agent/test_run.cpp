#include "harness/agent/test_run.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/log.h"
#include "harness/agent/late_start.h"
#include "harness/counters/nic_selection.h"
#include "harness/counters/replay_counter_source.h"
#include "harness/counters/sampled_counters.h"

namespace fabcheck::agent {

namespace msg = protocol::msg;

namespace {

constexpr int64_t kAcceptSliceNs = 100'000'000;

// Which network namespace this agent runs in ("net:[4026531840]"): agents sharing one read
// the same host counters, which must be counted once.
std::string networkNamespaceId() {
  char buf[64] = {};
  const ssize_t n = ::readlink("/proc/self/ns/net", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

TestRun::TestRun(const msg::Setup& setup, std::string data_address, int64_t step_timeout_ns, TestRunOptions run_options)
    : setup_(setup), data_address_(std::move(data_address)), step_timeout_ns_(step_timeout_ns), options_(run_options) {
  const transport::TransportOptions& options = setup_.transport_options;
  transport_ = transport::createTransport(setup_.transport, options);
  props_ = transport_->properties();
  coalescing_ = options.coalescing && props_.supports_coalescing;
  segmentation_ = options.segmentation && props_.supports_segmentation;
  for (const auto& f : setup_.flows) {
    if (f.dscp < 0 || f.dscp == options.dscp || marked_.count(f.dscp)) continue;
    if (f.sender != setup_.me && f.receiver != setup_.me) continue;
    transport::TransportOptions o = options;
    o.dscp = f.dscp;
    marked_[f.dscp] = transport::createTransport(setup_.transport, o);
  }
}

TestRun::~TestRun() {
  cancel_accepts_ = true;  // the accepts end within a slice; the futures' destructors wait for them
  if (rank_) rank_->abort();
}

transport::Transport& TestRun::transportFor(uint32_t flow_id) {
  for (const auto& f : setup_.flows) {
    if (f.flow_id == flow_id && marked_.count(f.dscp)) return *marked_.at(f.dscp);
  }
  return *transport_;
}

msg::Endpoints TestRun::listen() {
  msg::Endpoints endpoints;
  for (const auto& f : setup_.flows) {
    if (f.receiver != setup_.me) continue;
    listeners_[f.flow_id] = transportFor(f.flow_id).listen({.address = data_address_, .port = 0});
    endpoints.flows[f.flow_id] = listeners_[f.flow_id]->endpoint();
  }
  startAccepting();
  return endpoints;
}

// Accepts run concurrently with our own connects, or two agents connecting to each other would
// wait on each other forever. They wait in short slices so that leaving early cancels them.
void TestRun::startAccepting() {
  for (auto& [id, l] : listeners_) {
    transport::Listener* lp = l.get();
    accepting_[id] = std::async(std::launch::async, [lp, this] {
      const int64_t deadline = monoNowNs() + (options_.accept_wait_ns > 0 ? options_.accept_wait_ns : step_timeout_ns_);
      for (;;) {
        try {
          return lp->accept(kAcceptSliceNs);
        } catch (const TimeoutError&) {
          if (cancel_accepts_.load()) throw Error("accept cancelled");
          if (monoNowNs() >= deadline) throw;
        }
      }
    });
  }
}

void TestRun::connect(const msg::Connect& connect) {
  std::map<uint32_t, std::unique_ptr<transport::Connection>> conns;
  for (const auto& [flow_id, desc] : connect.flows) {
    conns[flow_id] = transportFor(flow_id).connect(desc, {.timeout_ns = step_timeout_ns_});
  }
  for (auto& [id, fut] : accepting_) conns[id] = fut.get();
  accepting_.clear();
  buildFlows(std::move(conns));

  // This host's counters around the traffic (netdev, snmp, infiniband): a counter problem is
  // reported in the results, never a reason to fail the test.
  if (!options_.host_counters) return;
  host_counters_ = hostCounters();
  counters::SamplingOptions sampling;
  if (setup_.counter_interval_ns && *setup_.counter_interval_ns > 0) {
    sampling.interval_ns = *setup_.counter_interval_ns;
    sampling.keep = counters::sampledCounter;
  }
  around_.emplace(host_counters_, std::move(sampling));
  try {
    around_->begin();
  } catch (const std::exception& e) {
    counter_error_ = e.what();
  }
}

// This agent's NIC counters: the NIC carrying its data address (the transport's bind interface
// and verbs device override it), or — where that NIC cannot exist, in tests — captures replayed
// from FABCHECK_COUNTERS_REPLAY (its agent<id>/ subdirectory when there is one); the results
// then say "replayed_from".
counters::CounterSet TestRun::hostCounters() {
  if (const char* dir = std::getenv("FABCHECK_COUNTERS_REPLAY"); dir && *dir) {
    std::string d = dir;
    const std::string mine = d + "/agent" + std::to_string(setup_.me);
    if (std::filesystem::is_directory(mine)) d = mine;
    replayed_from_ = d;
    return counters::replayCounterSet(d);
  }
  const transport::TransportOptions& o = setup_.transport_options;
  const auto device = o.extra.find("device");
  counters::NicSelection nic;
  try {
    nic = counters::selectNic({.address = data_address_, .interface = o.bind_interface,
                               .device = device == o.extra.end() ? "" : device->second});
  } catch (const std::exception& e) {
    log::warn("counters: {}; reading every interface", e.what());
  }
  return counters::hostCounterSet(nic);
}

// A collective's links go to its rank; the other flows (a probe) to the FlowSet.
void TestRun::buildFlows(std::map<uint32_t, std::unique_ptr<transport::Connection>> conns) {
  patterns::PatternPlan flow_plan;
  for (const auto& f : setup_.flows) {
    if (f.role != patterns::FlowRole::kCollective) {
      flow_plan.flows.push_back(f);
    } else if (auto it = conns.find(f.flow_id); it != conns.end()) {
      collective_conns_[f.flow_id] = std::move(it->second);
      conns.erase(it);
    }
  }
  if (setup_.collective) {
    rank_ = std::make_unique<CollectiveRank>(*setup_.collective, collective_conns_, coalescing_, segmentation_,
                                            props_.reliable);
  }
  engine::FlowSetOptions flow_options;
  flow_options.clock_correction_ns = setup_.clock_correction_ns;  // per flow: our clock − the peer's
  flows_ = std::make_unique<engine::FlowSet>(props_, setup_.params, flow_plan, setup_.me, std::move(conns),
                                             flow_options);
  flows_->startReceivers();
}

void TestRun::start(int64_t start_wall_ns) {
  const int64_t ahead_ns = start_wall_ns - wallNowNs();  // negative: the instant has passed
  start_mono_ = monoNowNs() + ahead_ns;
  flows_->startSenders(start_mono_);
  if (!rank_) late_start_error_ = lateStartError(-ahead_ns, setup_);  // a collective's rounds wait for data
}

void TestRun::waitSenders() { flows_->waitSenders(); }

void TestRun::abort() noexcept {
  if (flows_) flows_->abort();
}

msg::Sent TestRun::sent() const {
  msg::Sent sent;
  sent.senders = flows_->senderResults();
  sent.pingpongs = flows_->pingpongResults();
  return sent;
}

void TestRun::finish(const std::map<uint32_t, uint64_t>& sent_by_flow) { flows_->finishReceivers(sent_by_flow); }

void TestRun::finishBesideCollective() {
  flows_->stopSenders();
  flows_->waitSenders();
  flows_->finishReceivers({});
}

msg::Results TestRun::results(uint64_t log_mark) {
  msg::Results results;
  results.receivers = flows_->receiverResults();
  results.responders = flows_->responderResults();
  if (rank_) results.pingpongs = flows_->pingpongResults();
  results.errors = flows_->errors();
  // First: it explains the flows' own (a sender that sent nothing, a receiver that saw nothing).
  if (!late_start_error_.empty()) results.errors.insert(results.errors.begin(), late_start_error_);
  if (!options_.host_counters) {
    results.counters = nlohmann::json{{"off", "host counters off in this agent (fabcheck agent --host-counters off)"}};
  } else {
    try {
      results.counters = counter_error_.empty() ? around_->end() : nlohmann::json{{"error", counter_error_}};
    } catch (const std::exception& e) {
      results.counters = nlohmann::json{{"error", e.what()}};
    }
  }
  // Replayed counters are another "host" per directory, and say where they came from.
  results.counters["netns"] = replayed_from_.empty() ? networkNamespaceId() : "replay:" + replayed_from_;
  if (!replayed_from_.empty()) results.counters["replayed_from"] = replayed_from_;
  if (options_.send_log) results.log = log::linesSince(log_mark);
  const transport::TransportProperties now = transport_->properties();  // the device is known by now
  if (!now.caveat.empty()) results.transport_caveat = now.caveat;
  if (!now.device.empty()) results.transport_device = now.device;
  return results;
}

}  // namespace fabcheck::agent
