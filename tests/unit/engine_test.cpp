// The engine end to end over the in-process loop transport, with injected faults: what the
// receiver accounts must equal exactly what the transport did to the messages.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "generators/engine/flow_set.h"
#include "generators/engine/pingpong.h"
#include "generators/engine/stream_receiver.h"
#include "generators/engine/stream_sender.h"
#include "generators/measure/wire_header.h"
#include "generators/transport/transport.h"

namespace fabcheck::engine {
namespace {

using transport::Connection;

struct Pair {
  std::unique_ptr<transport::Transport> t;
  std::unique_ptr<Connection> client, server;
};

Pair makePair(std::map<std::string, std::string> extra = {}) {
  transport::TransportOptions o;
  o.extra = std::move(extra);
  Pair p;
  p.t = transport::createTransport("loop", o);
  auto listener = p.t->listen({});
  auto accepted = std::async(std::launch::async, [&] { return listener->accept(5'000'000'000); });
  p.client = p.t->connect(listener->endpoint(), {});
  p.server = accepted.get();
  return p;
}

struct StreamOutcome {
  SenderResult sent;
  ReceiverResult received;
};

StreamOutcome runStream(Pair& p, SendPlan sp, uint64_t msgs_per_burst = 0, int64_t clock_correction_ns = 0) {
  ReceiveControl control;
  ReceivePlan rp;
  rp.flow_id = sp.flow_id;
  rp.size = sp.size;
  rp.same_clock = true;
  rp.clock_correction_ns = clock_correction_ns;
  rp.msgs_per_burst = msgs_per_burst;
  const auto props = p.t->properties();
  auto rx = std::async(std::launch::async, [&] { return runReceiver(*p.server, props, rp, control); });
  std::atomic<bool> abort{false};
  StreamOutcome out;
  out.sent = runSender(*p.client, props, sp, abort);
  control.sender_sent.store(out.sent.packets);
  control.stop.store(true);
  out.received = rx.get();
  return out;
}

SendPlan iterations(uint64_t n, uint32_t size = 200) {
  SendPlan sp;
  sp.flow_id = 3;
  sp.size = size;
  sp.iterations = n;
  return sp;
}

TEST(Engine, CleanStreamDeliversEverythingOnce) {
  Pair p = makePair();
  auto o = runStream(p, iterations(5000));
  EXPECT_EQ(o.sent.packets, 5000u);
  EXPECT_EQ(o.sent.bytes, 5000u * 200);
  EXPECT_EQ(o.received.sequence.received, 5000u);
  EXPECT_EQ(o.received.sequence.lost, 0u);
  EXPECT_EQ(o.received.sequence.reordered, 0u);
  EXPECT_EQ(o.received.sequence.duplicate, 0u);
  EXPECT_EQ(o.received.malformed, 0u);
  EXPECT_EQ(o.received.measured_bytes, 5000u * 200);
  EXPECT_EQ(o.received.series.totalBytes(), 5000u * 200);
  ASSERT_TRUE(o.received.one_way_ns.has_value());
  EXPECT_GT(o.received.one_way_ns->count(), 0u);
}

TEST(Engine, DroppedMessagesAreCountedExactlyAsLost) {
  Pair p = makePair({{"drop_every", "10"}});
  auto o = runStream(p, iterations(5000));
  EXPECT_EQ(o.sent.packets, 5000u);
  EXPECT_EQ(o.received.sequence.lost, 500u);
  EXPECT_EQ(o.received.sequence.received, 4500u);
}

TEST(Engine, ReorderedMessagesAreNotLoss) {
  Pair p = makePair({{"reorder_every", "5"}});
  // 4999, not 5000: the loop transport holds every 5th message until the next one is sent.
  auto o = runStream(p, iterations(4999));
  EXPECT_EQ(o.received.sequence.lost, 0u);
  EXPECT_EQ(o.received.sequence.received, 4999u);
  EXPECT_GE(o.received.sequence.reordered, 900u);
}

TEST(Engine, DuplicatesAreCountedAndNotReceivedTwice) {
  Pair p = makePair({{"duplicate_every", "7"}});
  auto o = runStream(p, iterations(700));
  EXPECT_EQ(o.received.sequence.duplicate, 100u);
  EXPECT_EQ(o.received.sequence.received, 700u);
  EXPECT_EQ(o.received.sequence.lost, 0u);
}

TEST(Engine, PayloadCheckPassesCleanTraffic) {
  Pair p = makePair();
  SendPlan sp = iterations(1000, 512);
  sp.payload_check = true;
  auto o = runStream(p, sp);
  EXPECT_EQ(o.received.corrupted, 0u);
  EXPECT_EQ(o.received.sequence.received, 1000u);
}

TEST(Engine, MalformedDatagramsAreCountedNeverTrusted) {
  Pair p = makePair();
  // Garbage from the connected peer, then a message of another flow, then real traffic.
  std::vector<std::byte> junk(200, std::byte{0x5a});
  std::vector<std::byte> foreign(200);
  measure::encodeWireHeader(measure::WireHeader{.flow_id = 99, .seq = 0}, foreign.data());
  std::vector<std::byte> tiny(8);
  auto region = p.client->registerMemory(junk.data(), junk.size());
  auto region2 = p.client->registerMemory(foreign.data(), foreign.size());
  auto region3 = p.client->registerMemory(tiny.data(), tiny.size());
  transport::SendOp ops[3] = {{.data = junk.data(), .length = 200, .region = &region},
                              {.data = foreign.data(), .length = 200, .region = &region2},
                              {.data = tiny.data(), .length = 8, .region = &region3}};
  ASSERT_EQ(p.client->postSend(ops), 3u);
  transport::Completion c[8];
  p.client->poll(c, 0);
  auto o = runStream(p, iterations(100));
  EXPECT_EQ(o.received.malformed, 3u);
  EXPECT_EQ(o.received.sequence.received, 100u);
  p.client->deregisterMemory(region);
  p.client->deregisterMemory(region2);
  p.client->deregisterMemory(region3);
}

TEST(Engine, WarmupIsAccountedButNotMeasured) {
  Pair p = makePair();
  SendPlan sp = iterations(300);
  sp.rate_pps = 20000;          // 50 us apart
  sp.warmup_ns = 20'000'000;    // ~400 messages of warm-up
  auto o = runStream(p, sp);
  EXPECT_EQ(o.sent.measured_packets, 300u);
  EXPECT_GT(o.sent.packets, 300u);
  EXPECT_EQ(o.received.sequence.received, o.sent.packets);
  EXPECT_EQ(o.received.measured_packets, 300u);
}

TEST(Engine, PacedSenderReportsItsTarget) {
  Pair p = makePair();
  SendPlan sp = iterations(2000);
  sp.rate_pps = 100000;
  auto o = runStream(p, sp);
  EXPECT_EQ(o.sent.target_pps, 100000);
  // The schedule, not luck, decides: 2000 messages at 100 kpps span ~20 ms of sending.
  EXPECT_GT(o.sent.measured_ns, 15'000'000);
}

TEST(Engine, MicroburstsAreSeenWholeAtTheReceiver) {
  Pair p = makePair();
  SendPlan sp;
  sp.flow_id = 1;
  sp.size = 500;
  sp.burst_bytes = 5000;  // 10 messages a burst
  sp.burst_interval_ns = 2'000'000;
  sp.duration_ns = 40'000'000;
  auto o = runStream(p, sp, 10);
  // The schedule allows at most 20 bursts in 40 ms (21 if the first lands on the boundary); a
  // sender descheduled past a burst's slot skips it (ASan on a busy host), so only "several".
  EXPECT_GE(o.sent.bursts, 5u);
  EXPECT_LE(o.sent.bursts, 21u);
  EXPECT_EQ(o.received.bursts_seen, o.sent.bursts);
  EXPECT_EQ(o.received.bursts_incomplete, 0u);
  EXPECT_EQ(o.received.sequence.received, o.sent.bursts * 10);
  ASSERT_TRUE(o.received.burst_spread_ns.has_value());
  EXPECT_EQ(o.received.burst_spread_ns->count(), o.sent.bursts);
}

TEST(Engine, DroppedMessageMakesItsBurstIncomplete) {
  Pair p = makePair({{"drop_every", "25"}});  // one message in every 2.5 bursts
  SendPlan sp;
  sp.size = 500;
  sp.burst_bytes = 5000;
  sp.burst_interval_ns = 2'000'000;
  sp.iterations = 100;  // 10 bursts
  auto o = runStream(p, sp, 10);
  EXPECT_EQ(o.received.sequence.lost, 4u);
  EXPECT_EQ(o.received.bursts_incomplete, 4u);
}

TEST(Engine, PingpongRecordsEveryRoundTrip) {
  Pair p = makePair();
  std::atomic<bool> stop{false}, abort{false};
  auto responder = std::async(std::launch::async, [&] {
    return runPingpongResponder(*p.server, {.flow_id = 2, .size = 64, .same_clock = true}, stop);
  });
  PingPlan pp;
  pp.flow_id = 2;
  pp.size = 64;
  pp.warmup_iterations = 10;
  pp.iterations = 300;
  pp.same_clock = true;
  auto r = runPingpongInitiator(*p.client, pp, abort);
  stop = true;
  auto resp = responder.get();
  EXPECT_EQ(r.sent, 310u);
  EXPECT_EQ(r.replies, 310u);
  EXPECT_EQ(r.measured, 300u);
  EXPECT_EQ(r.rtt_ns.count(), 300u);
  EXPECT_EQ(r.timeouts, 0u);
  EXPECT_GT(r.rtt_ns.min(), 0);
  EXPECT_EQ(resp.echoed, 310u);
  ASSERT_TRUE(resp.one_way_ns.has_value());
  EXPECT_EQ(resp.one_way_ns->count(), 300u);  // warm-up excluded
}

// A receiver whose clock runs 1 s behind the sender's (correction −1 s) puts the sender's
// stamps on its own clock: one-way latency comes out 1 s larger than with one shared clock.
TEST(Engine, ClockCorrectionMovesOneWayLatencyOntoTheReceiversClock) {
  Pair p = makePair();
  const auto plain = runStream(p, iterations(200));
  Pair q = makePair();
  const auto shifted = runStream(q, iterations(200), 0, -1'000'000'000);
  ASSERT_TRUE(plain.received.one_way_ns && shifted.received.one_way_ns);
  EXPECT_LT(plain.received.one_way_ns->max(), 500'000'000);
  EXPECT_GE(shifted.received.one_way_ns->min(), 1'000'000'000);
  EXPECT_LT(shifted.received.one_way_ns->min(), 1'500'000'000);
}

TEST(Engine, PingpongCountsLostRepliesAndMovesOn) {
  Pair p = makePair({{"drop_every", "4"}});
  std::atomic<bool> stop{false}, abort{false};
  auto responder = std::async(std::launch::async, [&] {
    return runPingpongResponder(*p.server, {.flow_id = 0, .size = 64}, stop);
  });
  PingPlan pp;
  pp.size = 64;
  pp.iterations = 40;
  pp.reply_timeout_ns = 20'000'000;
  auto r = runPingpongInitiator(*p.client, pp, abort);
  stop = true;
  responder.get();
  EXPECT_GT(r.timeouts, 0u);
  EXPECT_EQ(r.measured + r.timeouts, 40u);
}

TEST(Engine, FlowSetRunsBothSidesOfABidirectionalPlan) {
  patterns::PatternParams params;
  params.kind = patterns::PatternKind::kStream;
  params.size_bytes = 300;
  params.flows = 2;
  params.bidirectional = true;
  params.iterations = 500;
  const auto plan = patterns::planPair(params);
  ASSERT_EQ(plan.flows.size(), 4u);
  auto t = transport::createTransport("loop", {});
  std::map<uint32_t, std::unique_ptr<Connection>> side0, side1;
  for (const auto& f : plan.flows) {
    auto l = t->listen({});
    auto acc = std::async(std::launch::async, [&] { return l->accept(5'000'000'000); });
    side0[f.flow_id] = t->connect(l->endpoint(), {});
    side1[f.flow_id] = acc.get();
  }
  FlowSet a(t->properties(), params, plan, 0, std::move(side0), {});
  FlowSet b(t->properties(), params, plan, 1, std::move(side1), {});
  a.startReceivers();
  b.startReceivers();
  a.startSenders(0);
  b.startSenders(0);
  a.waitSenders();
  b.waitSenders();
  std::map<uint32_t, uint64_t> sent_a, sent_b;
  for (auto& s : a.senderResults()) sent_a[s.flow_id] = s.packets;
  for (auto& s : b.senderResults()) sent_b[s.flow_id] = s.packets;
  a.finishReceivers(sent_b);
  b.finishReceivers(sent_a);
  ASSERT_EQ(a.senderResults().size(), 2u);
  ASSERT_EQ(b.receiverResults().size(), 2u);
  for (auto& r : b.receiverResults()) EXPECT_EQ(r.sequence.received, 500u);
  for (auto& r : a.receiverResults()) EXPECT_EQ(r.sequence.received, 500u);
  EXPECT_TRUE(a.errors().empty());
  EXPECT_TRUE(b.errors().empty());
}

}  // namespace
}  // namespace fabcheck::engine
