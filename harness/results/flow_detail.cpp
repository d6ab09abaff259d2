#include "harness/results/flow_detail.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>
#include <vector>

namespace fabcheck::results {
namespace {

using nlohmann::json;

constexpr size_t kWorstShown = 5;       // flows.worst and flows.worst_hosts entries at most

double flowNum(const json& f, const char* key) {
  const auto it = f.find(key);
  return it != f.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string flowStr(const json& f, const char* key) {
  const auto it = f.find(key);
  return it != f.end() && it->is_string() ? it->get<std::string>() : std::string("?");
}

// lost / sent; lost / (received + lost) when the sender's count is unknown.
double lossOf(const json& f) {
  const double lost = flowNum(f, "lost_packets"), sent = flowNum(f, "sent_packets");
  if (sent > 0) return lost / sent;
  const double seen = flowNum(f, "received_packets") + lost;
  return seen > 0 ? lost / seen : 0.0;
}

// Throughput against the flow's target (its throughput when it had none): lower is worse.
double shareOf(const json& f) {
  const double t = flowNum(f, "throughput_gbps"), target = flowNum(f, "target_gbps");
  return target > 0 ? t / target : t;
}

// {min, p50, p99, max} of `v` (nearest rank); `v` is sorted here.
json spread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {
    const size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
  };
  return {{"min", v.front()}, {"p50", rank(0.5)}, {"p99", rank(0.99)}, {"max", v.back()}};
}

// Indices of `flows`, worst first (flow_detail.h).
std::vector<size_t> worstFirst(const json& flows) {
  std::vector<size_t> order(flows.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::vector<double> loss(flows.size()), share(flows.size());
  for (size_t i = 0; i < flows.size(); ++i) {
    loss[i] = lossOf(flows[i]);
    share[i] = shareOf(flows[i]);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (loss[a] != loss[b]) return loss[a] > loss[b];
    if (share[a] != share[b]) return share[a] < share[b];
    return flowNum(flows[a], "flow_id") < flowNum(flows[b], "flow_id");
  });
  return order;
}

json worstEntry(const json& f) {
  const double loss = lossOf(f);
  return {{"flow_id", f.value("flow_id", json())},
          {"sender_agent", f.value("sender_agent", json())},
          {"receiver_agent", f.value("receiver_agent", json())},
          {"sender_host", flowStr(f, "sender_host")},
          {"receiver_host", flowStr(f, "receiver_host")},
          {"by", loss > 0 ? "loss" : "throughput"},
          {"loss_ratio", loss},
          {"throughput_gbps", flowNum(f, "throughput_gbps")}};
}

// Hosts in 2 or more of the worst flows, the most first (then by name), at most kWorstShown.
json worstHosts(const json& flows, const std::vector<size_t>& worst) {
  std::map<std::string, int> count;
  for (size_t i : worst) {
    const std::string s = flowStr(flows[i], "sender_host"), r = flowStr(flows[i], "receiver_host");
    ++count[s];
    if (r != s) ++count[r];
  }
  std::vector<std::pair<std::string, int>> hosts(count.begin(), count.end());
  std::stable_sort(hosts.begin(), hosts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  json out = json::array();
  for (const auto& [host, n] : hosts) {
    if (n < 2 || out.size() >= kWorstShown) break;
    out.push_back({{"host", host}, {"flows", n}});
  }
  return out;
}

}  // namespace

json keepFlows(json& record, const suite::ReportSettings& settings) {
  if (!record.is_object() || !record.contains("metrics") || !record["metrics"].is_object()) return json::array();
  json& metrics = record["metrics"];
  const auto it = metrics.find("per_flow");
  if (it == metrics.end() || !it->is_array() || it->empty()) return json::array();
  json& flows = *it;
  const std::vector<size_t> order = worstFirst(flows);
  const size_t n_worst = std::min(order.size(), static_cast<size_t>(std::max(settings.worst_flows, 1)));
  const std::vector<size_t> worst(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_worst));
  const bool trim = settings.per_flow == "worst" ||
                    (settings.per_flow == "auto" && flows.size() > static_cast<size_t>(settings.inline_flows));

  std::vector<double> rates, losses;
  for (const auto& f : flows) {
    rates.push_back(flowNum(f, "throughput_gbps"));
    losses.push_back(lossOf(f));
  }
  json summary = {{"count", flows.size()},
                  {"kept", trim ? "worst" : "all"},
                  {"kept_count", trim ? n_worst : flows.size()},
                  {"throughput_gbps", spread(rates)},
                  {"loss_ratio", spread(losses)},
                  {"worst", json::array()},
                  {"worst_hosts", worstHosts(flows, worst)}};
  for (size_t k = 0; k < std::min(n_worst, kWorstShown); ++k) summary["worst"].push_back(worstEntry(flows[worst[k]]));
  record["flows"] = std::move(summary);
  if (!trim) return settings.flows_sidecar ? flows : json::array();  // per_flow stays whole
  json kept = json::array();
  for (size_t i : worst) kept.push_back(flows[i]);
  json all = std::move(flows);
  metrics["per_flow"] = std::move(kept);
  return settings.flows_sidecar ? all : json::array();
}

}  // namespace fabcheck::results
