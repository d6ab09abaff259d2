// A fake agent for controller tests: it answers the controller's messages over one end of an
// in-memory channel (harness/protocol/in_memory_channel.h), on a thread of its own, as a real
// agent would (endpoints for the flows it receives, ready, sent with `packets` per flow it
// sends, results with as many received), except for one scripted fault at one reply. With
// `received_bytes` it also reports throughput: each flow it sends ran for `measured_ns`, each
// flow it receives measured what received_bytes(flow, run) says (run: how often this agent
// received that flow before in this connection — 0 in a matrix's first pass, then its retests).
//
// Every message it received is kept (received(), waitFor()). It stops at "bye", when the
// channel closes, or when destroyed (within ~20 ms).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "harness/protocol/agent_messages.h"
#include "harness/protocol/in_memory_channel.h"

namespace fabcheck::testing {

enum class AgentFault {
  kNone,
  kSilent,      // never sends the reply
  kTwice,       // sends the reply twice
  kWrongType,   // sends another message type instead
  kMalformed,   // sends the reply with a field of the wrong JSON type
  kStaleFirst,  // first an "error" of the previous test id (to be ignored), then the reply
  kError,       // sends "error" {error_text} instead
};

struct AgentScript {
  std::string at;  // the reply type the fault applies to: "time", "endpoints", "ready", "sent", "results"
  AgentFault fault = AgentFault::kNone;
  std::string error_text = "scripted failure";
  uint64_t packets = 100;  // per flow this agent sends
  int64_t measured_ns = 0;  // of each flow this agent sends
  int64_t clock_step_ns = 0;  // its realtime clock's step, reported with each round's results (0: none sent)
  std::function<uint64_t(const patterns::FlowSpec& flow, int run)> received_bytes;
};

class ScriptedAgent {
 public:
  using Fault = AgentFault;
  using Script = AgentScript;

  ScriptedAgent(int id, std::unique_ptr<protocol::InMemoryChannel> channel, Script script = {})
      : id_(id), ch_(std::move(channel)), script_(std::move(script)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~ScriptedAgent() {
    stop_ = true;
    thread_.join();
  }
  ScriptedAgent(const ScriptedAgent&) = delete;
  ScriptedAgent& operator=(const ScriptedAgent&) = delete;

  std::vector<nlohmann::json> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // The first received message of `type` (null when none arrives within the timeout).
  nlohmann::json waitFor(const std::string& type, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    nlohmann::json found;
    changed_.wait_for(lock, timeout, [&] {
      for (const auto& m : received_) {
        if (protocol::typeOf(m) == type) {
          found = m;
          return true;
        }
      }
      return false;
    });
    return found;
  }

 private:
  void loop() {
    while (!stop_) {
      std::optional<nlohmann::json> m;
      try {
        m = ch_->tryReceive(20'000'000);
      } catch (const Error&) {
        return;  // the controller closed the connection
      }
      if (!m) continue;
      {
        std::lock_guard lock(mutex_);
        received_.push_back(*m);
      }
      changed_.notify_all();
      if (protocol::typeOf(*m) == protocol::msg::Bye::kType) return;
      try {
        answer(*m);
      } catch (const Error&) {
        return;
      }
    }
  }

  void answer(const nlohmann::json& m) {
    namespace msg = protocol::msg;
    const std::string type = protocol::typeOf(m);
    const int64_t test_id = protocol::testIdOf(m);
    if (type == msg::TimeRequest::kType) {
      reply("time", protocol::encode(msg::TimeReply{protocol::decode<msg::TimeRequest>(m).seq, wallNowNs()}), test_id);
    } else if (type == msg::Setup::kType) {
      setup_ = protocol::decode<msg::Setup>(m);
      msg::Endpoints e;
      for (const auto& f : setup_.flows) {
        if (f.receiver != id_) continue;
        e.flows[f.flow_id] = {"loop", {{"flow", std::to_string(f.flow_id)}}};
        run_of_[f.flow_id] = received_runs_[f.flow_id]++;
      }
      reply("endpoints", protocol::encode(e), test_id);
    } else if (type == msg::Connect::kType) {
      reply("ready", protocol::encode(msg::Ready{}), test_id);
    } else if (type == msg::Start::kType) {
      msg::Sent sent;
      for (const auto& f : setup_.flows) {
        if (f.sender != id_) continue;
        engine::SenderResult s;
        s.flow_id = f.flow_id;
        s.packets = script_.packets;
        s.bytes = script_.packets * 1000;
        s.measured_ns = script_.measured_ns;
        sent.senders.push_back(s);
      }
      reply("sent", protocol::encode(sent), test_id);
    } else if (type == msg::Finish::kType) {
      const auto finish = protocol::decode<msg::Finish>(m);
      msg::Results results;
      for (const auto& f : setup_.flows) {
        if (f.receiver != id_) continue;
        engine::ReceiverResult r;
        r.flow_id = f.flow_id;
        r.sequence.received = finish.sent.count(f.flow_id) ? finish.sent.at(f.flow_id) : 0;
        if (script_.received_bytes) r.measured_bytes = script_.received_bytes(f, run_of_[f.flow_id]);
        results.receivers.push_back(r);
      }
      results.counters = {{"metrics", {{"netdev.rx_packets", 7}}}, {"netns", "net:[" + std::to_string(id_) + "]"}};
      results.log = {"agent " + std::to_string(id_) + " ran test " + std::to_string(test_id)};
      if (script_.clock_step_ns != 0) results.clock_step_ns = script_.clock_step_ns;
      reply("results", protocol::encode(results), test_id);
    }
  }

  void reply(const std::string& kind, nlohmann::json message, int64_t test_id) {
    namespace msg = protocol::msg;
    const Fault fault = kind == script_.at ? script_.fault : Fault::kNone;
    switch (fault) {
      case Fault::kSilent:
        return;
      case Fault::kWrongType:
        message = kind == "ready" ? protocol::encode(msg::Endpoints{}) : protocol::encode(msg::Ready{});
        break;
      case Fault::kMalformed:
        message = protocol::wire::envelope(protocol::typeOf(message));
        message["flows"] = nlohmann::json::array();
        message["senders"] = "none";
        message["receivers"] = 3;
        message["agent_wall_ns"] = "now";
        break;
      case Fault::kError:
        message = protocol::encode(protocol::ErrorMessage{script_.error_text});
        break;
      case Fault::kStaleFirst: {
        nlohmann::json stale = protocol::encode(protocol::ErrorMessage{"stale: must be ignored"});
        protocol::setTestId(stale, test_id - 1);
        ch_->send(stale, 1'000'000'000);
        break;
      }
      case Fault::kTwice:
      case Fault::kNone:
        break;
    }
    protocol::setTestId(message, test_id);
    ch_->send(message, 1'000'000'000);
    if (fault == Fault::kTwice) ch_->send(message, 1'000'000'000);
  }

  const int id_;
  std::unique_ptr<protocol::InMemoryChannel> ch_;
  const Script script_;
  protocol::msg::Setup setup_;
  std::map<uint32_t, int> received_runs_;  // by flow id: setups that had this agent receive it
  std::map<uint32_t, int> run_of_;         // by flow id: its run in the current setup
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<nlohmann::json> received_;
  std::thread thread_;
};

}  // namespace fabcheck::testing
