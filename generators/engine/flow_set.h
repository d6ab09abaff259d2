// Runs one participant's side of a pattern plan: a thread per flow it takes part in.
//
// Sequence (as the pair tool and agents drive it):
//   FlowSet fs(props, params, plan, me, std::move(connections), options);
//   fs.startReceivers();            // receivers/responders start listening first
//   fs.startSenders(start_mono);    // senders/initiators begin at the absolute start time
//   fs.waitSenders();               // they end by duration/iterations (or abort)
//   fs.finishReceivers(sent);       // the peer's per-flow sent counts; receivers drain and end
// A flow whose spec carries its own parameters (a probe of a composed test) runs with them;
// every other flow with the test's `params`.
// Results are then read with the accessors. abort() stops every thread at once; the
// destructor aborts and joins. A thread that fails at set-up records its error (see errors()),
// never terminates the process.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "generators/engine/flow_results.h"
#include "generators/engine/stream_receiver.h"
#include "generators/patterns/pattern.h"
#include "generators/transport/transport.h"

namespace fabcheck::engine {

struct FlowSetOptions {
  bool same_clock = false;   // one-way latency is meaningful (peers share CLOCK_REALTIME)
  // Per flow: our clock − the peer's (NTP-style estimate); a flow listed here records one-way
  // latency corrected by it even when same_clock is false.
  std::map<uint32_t, int64_t> clock_correction_ns;
  bool busy_poll = false;    // pingpong spins instead of sleeping
};

class FlowSet {
 public:
  FlowSet(const transport::TransportProperties& props, const patterns::PatternParams& params,
          const patterns::PatternPlan& plan, int me,
          std::map<uint32_t, std::unique_ptr<transport::Connection>> connections, FlowSetOptions options);
  ~FlowSet();
  FlowSet(const FlowSet&) = delete;
  FlowSet& operator=(const FlowSet&) = delete;

  // Starts the receivers and responders; returns once each has posted its first buffers (at
  // most 10 s), so a sender started after it finds receives posted.
  void startReceivers();
  void startSenders(int64_t start_mono_ns);
  void waitSenders();
  // `sent_by_flow`: messages the peer sent per flow id (absent = unknown: gaps at the end of
  // the flow are then not counted as loss). Waits for the receivers to drain.
  void finishReceivers(const std::map<uint32_t, uint64_t>& sent_by_flow);
  // Ends the senders/initiators early (they report what they sent); receivers keep going.
  void stopSenders() noexcept;
  void abort() noexcept;

  std::vector<SenderResult> senderResults() const;
  std::vector<PingpongResult> pingpongResults() const;
  std::vector<ReceiverResult> receiverResults() const;
  std::vector<ResponderResult> responderResults() const;
  std::vector<std::string> errors() const;   // one line per failed flow thread

 private:
  void waitReceiversPosted();
  struct Flow;
  void record(const std::string& error);
  bool clockKnown(const Flow& f) const;
  int64_t correction(const Flow& f) const;
  const patterns::PatternParams& paramsOf(const Flow& f) const;  // the flow's own, else the test's

  transport::TransportProperties props_;
  patterns::PatternParams params_;
  int me_;
  FlowSetOptions options_;
  std::vector<std::unique_ptr<Flow>> flows_;
  std::atomic<bool> abort_{false};
  std::atomic<bool> stop_responders_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> errors_;
};

}  // namespace fabcheck::engine
