#include "generators/engine/collective_metrics.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "generators/patterns/collective_kind.h"

namespace fabcheck::engine {
namespace {

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

// Totals over the ranks, and their errors; returns how many iterations every rank measured.
size_t addRankTotals(std::span<const CollectiveRankResult> ranks, CollectiveMetrics& m) {
  size_t iters = ranks.front().iteration_ns.size();
  for (const auto& r : ranks) {
    iters = std::min(iters, r.iteration_ns.size());
    if (!r.error.empty()) m.errors.push_back("rank " + std::to_string(r.rank) + ": " + r.error);
    m.bytes_sent += r.bytes_sent;
    m.retransmissions += r.retransmissions;
    m.timeouts += r.timeouts;
    m.corrupted_bytes += r.corrupted_bytes;
  }
  return iters;
}

// Time, spread and bandwidths over the first `iters` iterations, each timed by its slowest rank.
void addIterationTimes(std::span<const CollectiveRankResult> ranks, size_t iters, CollectiveMetrics& m) {
  std::vector<double> per_iter_us;
  for (size_t i = 0; i < iters; ++i) {
    int64_t worst = 0;
    for (const auto& r : ranks) worst = std::max(worst, r.iteration_ns[i]);
    per_iter_us.push_back(static_cast<double>(worst) / 1e3);
  }
  if (per_iter_us.empty()) return;
  double sum = 0;
  for (double t : per_iter_us) sum += t;
  m.time_us = sum / static_cast<double>(per_iter_us.size());
  double var = 0;
  for (double t : per_iter_us) var += (t - m.time_us) * (t - m.time_us);
  var /= static_cast<double>(per_iter_us.size());
  m.cv = m.time_us > 0 ? std::sqrt(var) / m.time_us : 0;
  m.p50_us = percentile(per_iter_us, 0.50);
  m.p99_us = percentile(per_iter_us, 0.99);
  if (m.time_us > 0) {
    m.algbw_gbytes_s = static_cast<double>(m.size_bytes) / (m.time_us * 1e3);  // bytes/ns = GB/s
    double factor = 0;
    try {
      factor = patterns::busbwFactor(patterns::parseCollectiveKind(m.kind, "collective result"), m.ranks);
    } catch (const ConfigError&) {
      m.errors.push_back("unknown collective kind '" + m.kind + "': no bus-bandwidth factor");
    }
    m.busbw_gbytes_s = m.algbw_gbytes_s * factor;
  }
}

struct LinkRate {
  int from, to;
  double gbit_s;
};

// Every outgoing link that carried data, with its rate while busy.
std::vector<LinkRate> linkRates(std::span<const CollectiveRankResult> ranks) {
  std::vector<LinkRate> rates;
  for (const auto& r : ranks) {
    for (const auto& l : r.links) {
      if (!l.outgoing || l.busy_ns <= 0 || l.bytes == 0) continue;
      rates.push_back({r.rank, l.peer, static_cast<double>(l.bytes) * 8 / static_cast<double>(l.busy_ns)});
    }
  }
  return rates;
}

// The straggler is the slowest outgoing link, when far below the median.
void findStraggler(std::span<const CollectiveRankResult> ranks, const CollectiveMetricsOptions& options,
                   CollectiveMetrics& m) {
  const std::vector<LinkRate> rates = linkRates(ranks);
  if (rates.empty()) return;
  std::vector<double> v;
  for (const auto& x : rates) v.push_back(x.gbit_s);
  // The median proper (the mean of the middle two of an even count): a slow host slows two
  // links of a ring, half of them on 4 ranks, and the lower middle would be a slow one.
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  m.median_link_gbit_s = v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
  const auto slowest = std::min_element(rates.begin(), rates.end(),
                                        [](const LinkRate& a, const LinkRate& b) { return a.gbit_s < b.gbit_s; });
  if (slowest->gbit_s >= options.straggler_link_ratio * m.median_link_gbit_s) return;
  m.straggler = true;
  m.straggler_rank = slowest->from;
  // Several slow links that all touch one rank (its links in and out, as a slow NIC or a
  // shaped port makes): that rank is the straggler, not the sender of the slowest.
  std::map<int, size_t> touches;
  for (const auto& x : rates) {
    if (x.gbit_s >= options.straggler_link_ratio * m.median_link_gbit_s) continue;
    ++m.straggler_links;
    ++touches[x.from];
    ++touches[x.to];
  }
  if (m.straggler_links >= 2) {
    for (const auto& [rank, n] : touches) {
      if (n == m.straggler_links) m.straggler_rank = rank;
    }
  }
  m.straggler_link_from = slowest->from;
  m.straggler_link_to = slowest->to;
  m.straggler_link_gbit_s = slowest->gbit_s;
}

// The (rank, step) with the largest mean step time, and the slowest rank (see the header).
void findSlowest(std::span<const CollectiveRankResult> ranks, CollectiveMetrics& m) {
  double worst_step = -1, worst_rank_time = -1;
  int worst_rank = -1;
  for (const auto& r : ranks) {
    const double n = static_cast<double>(std::max<uint64_t>(1, r.iterations));
    for (size_t s = 0; s < r.steps.size(); ++s) {
      const double mean_us = static_cast<double>(r.steps[s].total_ns) / n / 1e3;
      if (mean_us > worst_step) {
        worst_step = mean_us;
        m.slowest_step = static_cast<int>(s);
        m.slowest_step_to = r.rank;
        m.slowest_step_from = r.steps[s].wait_peer;
        m.slowest_step_us = mean_us;
      }
    }
    double sum = 0;
    for (int64_t t : r.iteration_ns) sum += static_cast<double>(t);
    const double mean = r.iteration_ns.empty() ? 0 : sum / static_cast<double>(r.iteration_ns.size());
    if (mean > worst_rank_time) {
      worst_rank_time = mean;
      worst_rank = r.rank;
    }
  }
  m.slowest_rank = m.straggler ? m.straggler_rank : worst_rank;
}

}  // namespace

CollectiveMetrics deriveCollectiveMetrics(std::span<const CollectiveRankResult> ranks,
                                          const CollectiveMetricsOptions& options) {
  CollectiveMetrics m;
  if (ranks.empty()) return m;
  m.kind = ranks.front().kind;
  m.algorithm = ranks.front().algorithm;
  m.ranks = ranks.front().ranks;
  m.size_bytes = ranks.front().size_bytes;
  m.iterations = addRankTotals(ranks, m);
  addIterationTimes(ranks, m.iterations, m);
  findStraggler(ranks, options, m);
  findSlowest(ranks, m);
  return m;
}

void to_json(nlohmann::json& j, const CollectiveMetrics& m) {
  j = nlohmann::json{{"kind", m.kind},
                     {"algorithm", m.algorithm},
                     {"ranks", m.ranks},
                     {"size_bytes", m.size_bytes},
                     {"iterations", m.iterations},
                     {"time_us", m.time_us},
                     {"algbw_gbytes_s", m.algbw_gbytes_s},
                     {"busbw_gbytes_s", m.busbw_gbytes_s},
                     {"p50_us", m.p50_us},
                     {"p99_us", m.p99_us},
                     {"cv", m.cv},
                     {"slowest_rank", m.slowest_rank},
                     {"slowest_step", m.slowest_step},
                     {"slowest_step_from", m.slowest_step_from},
                     {"slowest_step_to", m.slowest_step_to},
                     {"slowest_step_us", m.slowest_step_us},
                     {"straggler", m.straggler},
                     {"straggler_rank", m.straggler_rank},
                     {"straggler_links", m.straggler_links},
                     {"straggler_link_from", m.straggler_link_from},
                     {"straggler_link_to", m.straggler_link_to},
                     {"straggler_link_gbit_s", m.straggler_link_gbit_s},
                     {"median_link_gbit_s", m.median_link_gbit_s},
                     {"bytes_sent", m.bytes_sent},
                     {"retransmissions", m.retransmissions},
                     {"timeouts", m.timeouts},
                     {"corrupted_bytes", m.corrupted_bytes},
                     {"errors", m.errors}};
}

}  // namespace fabcheck::engine
