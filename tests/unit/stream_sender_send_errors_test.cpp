// A send that fails is not a message sent (issue 19: 786,048 "sent", 773,766 delivered, 12,281
// failed). The sender counts such messages as send_error_packets and `iterations` still bounds
// what it posts.
#include <gtest/gtest.h>

#include <atomic>
#include <deque>

#include "generators/engine/stream_sender.h"
#include "generators/transport/transport.h"

namespace fabcheck::engine {
namespace {

// Accepts every op; every second one completes with an error (nothing of it sent).
class EverySecondSendFails : public transport::Connection {
 public:
  transport::MemoryRegion registerMemory(std::byte* data, size_t size) override {
    return transport::unregisteredRegion(data, size);
  }
  void deregisterMemory(transport::MemoryRegion& region) noexcept override { region = transport::MemoryRegion{}; }
  size_t postSend(std::span<const transport::SendOp> ops) noexcept override {
    for (const auto& op : ops) {
      transport::Completion c;
      c.id = op.id;
      c.is_send = true;
      const bool fail = (posted_++ % 2) == 1;
      c.status = fail ? transport::OpStatus::kError : transport::OpStatus::kOk;
      c.error = fail ? 111 : 0;  // ECONNREFUSED
      c.bytes = fail ? 0 : op.length;
      done_.push_back(c);
    }
    return ops.size();
  }
  size_t postRecv(std::span<const transport::RecvOp>) noexcept override { return 0; }
  size_t poll(std::span<transport::Completion> out, int64_t) noexcept override {
    size_t n = 0;
    while (n < out.size() && !done_.empty()) {
      out[n++] = done_.front();
      done_.pop_front();
    }
    return n;
  }
  transport::ConnectionStats stats() const noexcept override { return {}; }
  std::string describe() const override { return "fake"; }

 private:
  uint64_t posted_ = 0;
  std::deque<transport::Completion> done_;
};

TEST(StreamSenderSendErrors, FailedSendsAreSendErrorPacketsNotSent) {
  EverySecondSendFails conn;
  SendPlan plan;
  plan.flow_id = 1;
  plan.size = 200;
  plan.iterations = 1000;
  std::atomic<bool> abort{false};
  const SenderResult r = runSender(conn, transport::TransportProperties{}, plan, abort);
  EXPECT_EQ(r.send_errors, 500u);
  EXPECT_EQ(r.send_error_packets, 500u);
  EXPECT_EQ(r.packets, 500u) << "a failed send was counted as sent";
  EXPECT_EQ(r.bytes, 500u * 200);
  EXPECT_EQ(r.measured_packets, 500u);
  EXPECT_EQ(r.error.rfind("send failed: ", 0), 0u) << r.error;
}

}  // namespace
}  // namespace fabcheck::engine
