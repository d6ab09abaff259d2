// The pair tool's one-sided runs (pair_one_sided.h).
#include "harness/pair/pair_one_sided.h"

#include <algorithm>
#include <future>
#include <vector>

#include "generators/core/clock.h"
#include "generators/core/errors.h"

namespace fabcheck::pair {
namespace {

constexpr uint32_t kDefaultDepth = 128;  // verbs tx_depth default (verbs_options.h), perftest's

engine::SenderResult senderOf(uint32_t flow_id, const engine::OneSidedResult& r) {
  engine::SenderResult s;
  s.flow_id = flow_id;
  s.packets = s.measured_packets = r.ops;
  s.bytes = s.measured_bytes = r.bytes;
  s.measured_ns = r.elapsed_ns;
  if (r.elapsed_ns > 0) {
    s.achieved_bps = static_cast<double>(r.bytes) * 8e9 / static_cast<double>(r.elapsed_ns);
    s.achieved_pps = static_cast<double>(r.ops) * 1e9 / static_cast<double>(r.elapsed_ns);
  }
  s.send_errors = r.error.empty() ? 0 : 1;
  s.error = r.error;
  return s;
}

}  // namespace

std::string verbOf(const transport::TransportOptions& options) {
  const auto it = options.extra.find("verb");
  return it == options.extra.end() ? std::string() : it->second;
}

std::optional<transport::Opcode> oneSidedOpcode(const transport::TransportOptions& options) {
  const std::string verb = verbOf(options);
  if (verb == "write") return transport::Opcode::kWrite;
  if (verb == "read") return transport::Opcode::kRead;
  return std::nullopt;
}

engine::OneSidedPlan oneSidedPlan(transport::Opcode opcode, const transport::TransportOptions& options,
                                  const patterns::PatternParams& params) {
  const char* verb = opcode == transport::Opcode::kRead ? "read" : "write";
  if (params.kind != patterns::PatternKind::kStream) {
    throw ConfigError(std::string("--verb ") + verb + " with pattern " + std::string(patterns::toString(params.kind)) +
                      ": a one-sided verb measures bandwidth only, at the initiator (ib_" + verb +
                      "_bw); use pattern stream, or verb send or write_imm for latency");
  }
  if (params.bidirectional) {
    throw ConfigError(std::string("--bidirectional with --verb ") + verb +
                      ": a one-sided run is measured at its initiator only; run a second client from the other host");
  }
  engine::OneSidedPlan plan;
  plan.opcode = opcode;
  plan.size = params.size_bytes;
  plan.depth = kDefaultDepth;
  if (auto it = options.extra.find("tx_depth"); it != options.extra.end()) {
    plan.depth = static_cast<uint32_t>(std::stoul(it->second));  // checked by checkVerbsOption
  }
  plan.duration_ns = params.iterations > 0 ? 0 : params.duration_ns;
  plan.iterations = params.iterations;
  return plan;
}

void runOneSidedFlows(std::map<uint32_t, std::unique_ptr<transport::Connection>>& conns,
                      const engine::OneSidedPlan& plan, const std::atomic<bool>& interrupt, SizeResult& out) {
  std::vector<std::vector<std::byte>> buffers;
  std::vector<transport::MemoryRegion> regions;
  buffers.reserve(conns.size());
  regions.reserve(conns.size());
  for (auto& [id, conn] : conns) {  // one op's worth per slot, up to 16 slots, as perftest cycles buffers
    buffers.emplace_back(static_cast<size_t>(plan.size) * std::min<uint32_t>(plan.depth, 16));
    regions.push_back(conn->registerMemory(buffers.back().data(), buffers.back().size()));
  }
  std::vector<std::future<engine::OneSidedResult>> runs;
  size_t k = 0;
  for (auto& [id, conn] : conns) {
    transport::Connection* c = conn.get();
    const transport::MemoryRegion* r = &regions[k++];
    runs.push_back(std::async(std::launch::async, [c, r, &plan, &interrupt] {
      return engine::runOneSidedBw(*c, *r, plan, interrupt);
    }));
  }
  k = 0;
  for (auto& [id, conn] : conns) {
    out.one_sided.push_back(runs[k].get());
    out.senders.push_back(senderOf(id, out.one_sided.back()));
    conn->deregisterMemory(regions[k++]);
  }
}

}  // namespace fabcheck::pair
