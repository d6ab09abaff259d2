#include "reports/flow_findings.h"

#include <cstdio>

#include "reports/record_fields.h"

namespace fabcheck::reports {
namespace {

using nlohmann::json;

constexpr size_t kFlowsNamed = 3, kHostsNamed = 3;

std::string agentText(const json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  return v.is_string() ? v.get<std::string>() : "?";
}

// "3→4 (node3→node4) loss 2.1%" or "... 0.95 Gbit/s".
std::string flowText(const json& w) {
  std::string s = agentText(field(w, "sender_agent")) + "→" + agentText(field(w, "receiver_agent"));
  const std::string from = textField(w, "sender_host"), to = textField(w, "receiver_host");
  if (!from.empty() || !to.empty()) s += " (" + from + "→" + to + ")";
  char buf[64];
  if (textField(w, "by") == "loss") {
    std::snprintf(buf, sizeof buf, " loss %.3g%%", numberField(w, "loss_ratio").value_or(0) * 100);
  } else {
    std::snprintf(buf, sizeof buf, " %.3g Gbit/s", numberField(w, "throughput_gbps").value_or(0));
  }
  return s + buf;
}

}  // namespace

std::string flowFindings(const json& record, size_t max_chars) {
  const json& flows = field(record, "flows");
  const json& worst = field(flows, "worst");
  if (!worst.is_array() || worst.empty()) return "";
  // A flow is a finding when it lost packets or ran below the flows' median.
  const double median = number(flows, {"throughput_gbps", "p50"}).value_or(0);
  std::string named;
  size_t n = 0;
  for (const auto& w : worst) {
    if (n == kFlowsNamed) break;
    if (textField(w, "by") != "loss" && !(numberField(w, "throughput_gbps").value_or(median) < median)) continue;
    named += (n++ ? ", " : "") + flowText(w);
  }
  if (named.empty()) return "";
  std::string out = "worst flows: " + named;
  if (const json& hosts = field(flows, "worst_hosts"); hosts.is_array() && !hosts.empty()) {
    out += "; hosts:";
    for (size_t i = 0; i < hosts.size() && i < kHostsNamed; ++i) {
      const auto n = numberField(hosts[i], "flows").value_or(0);
      out += (i ? ", " : " ") + textField(hosts[i], "host") + " (" + std::to_string(static_cast<long long>(n)) + " flows)";
    }
  }
  if (auto count = numberField(flows, "count")) out += "; of " + std::to_string(static_cast<long long>(*count)) + " flows";
  if (out.size() > max_chars) {
    size_t cut = max_chars > 3 ? max_chars - 3 : 0;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
    out = out.substr(0, cut) + "…";
  }
  return out;
}

}  // namespace fabcheck::reports
