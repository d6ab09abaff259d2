#include "harness/results/collective_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>

#include "generators/engine/collective_metrics.h"
#include "harness/results/tcp_summary.h"
#include "harness/results/test_summary.h"
#include "harness/results/topology.h"

namespace fabcheck::results {

using nlohmann::json;

namespace {

int agentOf(const model::TestOutcome& t, int rank) {
  return rank >= 0 && rank < static_cast<int>(t.collective.rank_agents.size()) ? t.collective.rank_agents[static_cast<size_t>(rank)] : -1;
}

json perRank(const model::TestOutcome& t, const model::CollectiveRound& round) {
  json out = json::array();
  for (const auto& r : round.ranks) {
    double sum = 0;
    for (int64_t ns : r.iteration_ns) sum += static_cast<double>(ns);
    out.push_back({{"rank", r.rank},
                   {"agent", agentOf(t, r.rank)},
                   {"mean_iteration_us", r.iteration_ns.empty() ? json(nullptr) : json(sum / static_cast<double>(r.iteration_ns.size()) / 1e3)},
                   {"bytes_sent", r.bytes_sent},
                   {"bytes_received", r.bytes_received},
                   {"retransmissions", r.retransmissions},
                   {"timeouts", r.timeouts},
                   {"error", r.error.empty() ? json(nullptr) : json(r.error)}});
  }
  return out;
}

// Every link once, from its sender's stats, with what its receiver saw (same flow id).
json linksOf(const model::CollectiveRound& round) {
  std::map<uint32_t, const engine::CollectiveLinkStats*> incoming;
  for (const auto& r : round.ranks) {
    for (const auto& l : r.links) {
      if (!l.outgoing) incoming[l.flow_id] = &l;
    }
  }
  json out = json::array();
  for (const auto& r : round.ranks) {
    for (const auto& l : r.links) {
      if (!l.outgoing) continue;
      json j{{"from", r.rank},
             {"to", l.peer},
             {"channel", l.channel},
             {"gbit_s", l.busy_ns > 0 ? json(static_cast<double>(l.bytes) * 8 / static_cast<double>(l.busy_ns)) : json(nullptr)},
             {"bytes", l.bytes},
             {"retransmissions", l.retransmissions},
             {"timeouts", l.timeouts},
             {"fast_retransmits", l.fast_retransmits},
             {"send_errors", l.send_errors}};
      if (auto it = incoming.find(l.flow_id); it != incoming.end()) {
        j["out_of_order"] = it->second->out_of_order;  // arrived beyond a gap: something before it was lost
        j["duplicates"] = it->second->duplicates;
        j["corrupted_bytes"] = it->second->corrupted_bytes;
        j["malformed"] = it->second->malformed;
      }
      out.push_back(std::move(j));
    }
  }
  return out;
}

// What the ranks' executors ran (CollectiveRankResult::algorithm, from their schedules), the
// largest size's first; ranks that disagree are listed ("ring, tree"); null when no rank reported.
json algorithmRun(const model::TestOutcome& t) {
  std::vector<std::string> seen;
  for (auto round = t.collective.rounds.rbegin(); round != t.collective.rounds.rend() && seen.empty(); ++round) {
    for (const auto& r : round->ranks) {
      if (!r.algorithm.empty() && std::find(seen.begin(), seen.end(), r.algorithm) == seen.end()) seen.push_back(r.algorithm);
    }
  }
  if (seen.empty()) return nullptr;
  std::string s;
  for (const auto& a : seen) s += (s.empty() ? "" : ", ") + a;
  return s;
}

std::string rankLabel(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents, int rank) {
  const int a = agentOf(t, rank);
  const std::string sp = a >= 0 && a < static_cast<int>(agents.size()) ? switchPort(agents[static_cast<size_t>(a)]) : "";
  return "rank " + std::to_string(rank) + " (agent " + std::to_string(a) + ", " + agentHost(agents, a) +
         (sp.empty() ? "" : " ↔ " + sp) + ")";
}

// What ran: the kind, the algorithm, the ranks and their hosts, the parameters.
json collectiveSetup(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents) {
  const model::CollectiveSpec& c = *t.spec.collective;
  json col{{"kind", patterns::toString(c.params.kind)},
           {"algorithm", algorithmRun(t)},
           {"algorithm_requested", patterns::toString(c.params.algorithm)},
           {"ranks", t.collective.rank_agents.size()},
           {"ranks_per_node", c.params.ranks_per_node},
           {"channels", c.params.channels},
           {"chunk_bytes", c.params.chunk_bytes},
           {"iterations", c.params.iterations},
           {"warmup_iterations", c.params.warmup_iterations},
           {"link_rate_gbps", c.link_rate_bps > 0 ? json(c.link_rate_bps / 1e9) : json(nullptr)}};
  json ranks_of = json::array();
  for (size_t r = 0; r < t.collective.rank_agents.size(); ++r) {
    ranks_of.push_back({{"rank", r}, {"agent", t.collective.rank_agents[r]}, {"host", agentHost(agents, t.collective.rank_agents[r])}});
  }
  col["ranks_of"] = ranks_of;
  return col;
}

}  // namespace

void addCollective(const model::TestOutcome& t, const std::vector<model::AgentInfo>& agents, json& record) {
  if (!t.spec.collective || t.collective.rounds.empty()) return;
  const model::CollectiveSpec& c = *t.spec.collective;
  json col = collectiveSetup(t, agents);
  json sizes = json::array();
  std::vector<engine::CollectiveMetrics> measured;
  uint64_t retransmissions = 0, timeouts = 0, corrupted = 0, stragglers = 0;
  for (const auto& round : t.collective.rounds) {
    if (round.ranks.empty()) continue;
    const auto m = engine::deriveCollectiveMetrics(round.ranks, {.straggler_link_ratio = c.straggler_ratio});
    json s = m;
    s["per_rank"] = perRank(t, round);
    s["links"] = linksOf(round);
    sizes.push_back(std::move(s));
    retransmissions += m.retransmissions;
    timeouts += m.timeouts;
    corrupted += m.corrupted_bytes;
    stragglers += m.straggler ? 1 : 0;
    if (m.iterations > 0) measured.push_back(m);
  }
  col["sizes"] = sizes;
  col["straggler"] = nullptr;
  std::vector<transport::TcpPathInfo> tcp;
  for (const auto& round : t.collective.rounds) {
    for (const auto& rank : round.ranks) {
      for (const auto& l : rank.links) if (l.tcp) tcp.push_back(*l.tcp);
    }
  }
  if (!tcp.empty()) record["metrics"]["tcp"] = summarizeTcp(tcp);
  if (measured.empty()) {
    record["collective"] = col;
    return;
  }
  const engine::CollectiveMetrics& last = measured.back();  // the largest size that ran
  if (last.straggler) {
    const std::string text = fmt::format("{} is the straggler: link {} -> {} moved {:.4g} Gbit/s against a median link of {:.4g} Gbit/s",
                                         rankLabel(t, agents, last.straggler_rank), rankLabel(t, agents, last.straggler_link_from),
                                         rankLabel(t, agents, last.straggler_link_to), last.straggler_link_gbit_s,
                                         last.median_link_gbit_s);
    col["straggler"] = {{"rank", last.straggler_rank},
                        {"agent", agentOf(t, last.straggler_rank)},
                        {"host", agentHost(agents, agentOf(t, last.straggler_rank))},
                        {"host_link", linkName(agents, agentOf(t, last.straggler_rank))},  // "h17 ↔ leaf3:Ethernet12"
                        {"link_from", last.straggler_link_from},
                        {"link_to", last.straggler_link_to},
                        {"gbit_s", last.straggler_link_gbit_s},
                        {"median_gbit_s", last.median_link_gbit_s},
                        {"text", text}};
  }
  record["collective"] = col;
  double sum = 0, lo = last.busbw_gbytes_s;
  for (const auto& m : measured) {
    sum += m.busbw_gbytes_s;
    lo = std::min(lo, m.busbw_gbytes_s);
  }
  record["metrics"]["collective"] = {{"busbw_gbytes_s", last.busbw_gbytes_s},
                                     {"algbw_gbytes_s", last.algbw_gbytes_s},
                                     {"time_us", last.time_us},
                                     {"p50_us", last.p50_us},
                                     {"p99_us", last.p99_us},
                                     {"cv", last.cv},
                                     {"avg_busbw_gbytes_s", sum / static_cast<double>(measured.size())},
                                     {"min_busbw_gbytes_s", lo},
                                     {"sizes", measured.size()},
                                     {"retransmissions", retransmissions},
                                     {"timeouts", timeouts},
                                     {"corrupted_bytes", corrupted},
                                     {"stragglers", stragglers},
                                     {"straggler_links", last.straggler_links}};
}

}  // namespace fabcheck::results
