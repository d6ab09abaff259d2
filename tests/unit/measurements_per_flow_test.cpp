// results::summarize's per_flow: each receiving flow is matched with its own sender by flow id
// (an index, not a search per receiver; issue 18), whatever order the senders come in, and a
// receiver without a sender reports nothing sent.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/results/measurements.h"

namespace fabcheck::results {
namespace {

TEST(MeasurementsPerFlow, EachReceiverIsMatchedWithItsOwnSender) {
  Measurements m;
  m.params.kind = patterns::PatternKind::kStream;
  for (uint32_t id : {2u, 0u, 1u}) {  // not in flow order
    engine::SenderResult s;
    s.flow_id = id;
    s.packets = 1000 + id;
    s.achieved_bps = 1e9 * (id + 1);
    s.measured_ns = 1'000'000'000;
    s.send_errors = id;
    m.senders.push_back(s);
  }
  for (uint32_t id = 0; id < 4; ++id) {
    engine::ReceiverResult r;
    r.flow_id = id;
    r.sequence.received = 900 + id;
    r.measured_bytes = 125'000'000;  // 1 Gb/s over its sender's second
    m.receivers.push_back(r);
  }
  const nlohmann::json j = summarize(m);
  const nlohmann::json& flows = j.at("per_flow");
  ASSERT_EQ(flows.size(), 4u);
  for (uint32_t id = 0; id < 3; ++id) {
    const nlohmann::json& f = flows.at(id);
    EXPECT_EQ(f.at("flow_id"), id);
    EXPECT_EQ(f.at("sent_packets"), 1000 + id) << "flow " << id;
    EXPECT_EQ(f.at("received_packets"), 900 + id);
    EXPECT_DOUBLE_EQ(f.at("offered_gbps").get<double>(), id + 1.0) << "flow " << id;
    EXPECT_EQ(f.at("send_errors"), id);
    EXPECT_DOUBLE_EQ(f.at("throughput_gbps").get<double>(), 1.0) << "flow " << id;
  }
  EXPECT_EQ(flows.at(3).at("sent_packets"), 0) << "no sender: nothing sent";
  EXPECT_EQ(flows.at(3).at("offered_gbps"), 0.0);
}

}  // namespace
}  // namespace fabcheck::results
