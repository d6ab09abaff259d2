#include "harness/counters/snmp_counter_source.h"

#include <map>
#include <set>
#include <sstream>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "harness/counters/sysfs_reader.h"

namespace fabcheck::counters {

namespace {

const std::map<std::string, std::set<std::string>>& selected() {
  static const std::map<std::string, std::set<std::string>> kSelected = {
      {"Udp", {"InDatagrams", "NoPorts", "InErrors", "OutDatagrams", "RcvbufErrors", "SndbufErrors", "InCsumErrors", "MemErrors"}},
      {"Ip", {"InReceives", "InDiscards", "InDelivers", "OutRequests", "OutDiscards", "OutNoRoutes", "ReasmFails", "FragFails"}},
      {"Tcp",
       {"ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets", "InSegs", "OutSegs", "RetransSegs", "InErrs", "OutRsts",
        "InCsumErrors"}},
      // /proc/net/netstat: the ECN field of the IPv4 packets received (ip_rcv counts every one).
      {"IpExt", {"InNoECTPkts", "InECT1Pkts", "InECT0Pkts", "InCEPkts"}},
  };
  return kSelected;
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l.find_first_not_of(" \t\r") != std::string::npos) out.push_back(l);
  }
  return out;
}

}  // namespace

std::vector<SnmpValue> parseProcNetSnmp(const std::string& text, const std::string& what) {
  const auto ls = lines(text);
  std::vector<SnmpValue> out;
  for (size_t i = 0; i < ls.size(); i += 2) {
    const std::string where = what + ":" + std::to_string(i + 1);
    const auto header = words(ls[i]);
    if (header.empty() || header[0].size() < 2 || header[0].back() != ':') {
      throw Error(where + ": '" + ls[i].substr(0, 60) + "' is not a 'Group: Name...' header line");
    }
    if (i + 1 >= ls.size()) throw Error(where + ": header line '" + header[0] + "' has no value line after it");
    const auto values = words(ls[i + 1]);
    if (values.empty() || values[0] != header[0]) {
      throw Error(what + ":" + std::to_string(i + 2) + ": expected the value line of '" + header[0] + "', got '" +
                  ls[i + 1].substr(0, 60) + "'");
    }
    if (values.size() != header.size()) {
      throw Error(what + ":" + std::to_string(i + 2) + ": " + header[0] + " has " + std::to_string(header.size() - 1) +
                  " names but " + std::to_string(values.size() - 1) + " values");
    }
    const std::string group = header[0].substr(0, header[0].size() - 1);
    auto sel = selected().find(group);
    if (sel == selected().end()) continue;
    for (size_t k = 1; k < header.size(); ++k) {
      if (!sel->second.count(header[k])) continue;
      const auto v = parseCounterValue(values[k]);
      if (!v) {
        throw Error(what + ":" + std::to_string(i + 2) + ": " + group + " " + header[k] + " is '" + values[k] +
                    "'; expected a non-negative integer");
      }
      out.push_back(SnmpValue{group + "." + header[k], *v});
    }
  }
  return out;
}

std::vector<SnmpValue> parseProcNetSnmp6(const std::string& text, const std::string& what) {
  const auto& udp = selected().at("Udp");
  const auto ls = lines(text);
  std::vector<SnmpValue> out;
  for (size_t i = 0; i < ls.size(); ++i) {
    const auto w = words(ls[i]);
    if (w.size() != 2) {
      throw Error(what + ":" + std::to_string(i + 1) + ": '" + ls[i].substr(0, 60) + "' is not a 'Name value' line");
    }
    if (w[0].rfind("Udp6", 0) != 0 || !udp.count(w[0].substr(4))) continue;
    const auto v = parseCounterValue(w[1]);
    if (!v) throw Error(what + ":" + std::to_string(i + 1) + ": " + w[0] + " is '" + w[1] + "'; expected a non-negative integer");
    out.push_back(SnmpValue{"Udp6." + w[0].substr(4), *v});
  }
  return out;
}

SnmpCounterSource::SnmpCounterSource(SnmpSourceOptions options) : options_(std::move(options)) {
  if (options_.host.empty()) options_.host = hostName();
}

CounterSnapshot SnmpCounterSource::snapshot() {
  reason_.clear();
  CounterSnapshot snap;
  snap.taken_mono_ns = monoNowNs();
  const auto snmp = readSmallFile(options_.snmp_path);
  if (!snmp) {
    reason_ = "cannot open " + options_.snmp_path + " (no procfs network statistics)";
    return snap;
  }
  std::vector<SnmpValue> values = parseProcNetSnmp(*snmp, options_.snmp_path);
  if (const auto snmp6 = readSmallFile(options_.snmp6_path)) {
    auto v6 = parseProcNetSnmp6(*snmp6, options_.snmp6_path);
    values.insert(values.end(), v6.begin(), v6.end());
  }
  if (const auto netstat = readSmallFile(options_.netstat_path)) {
    auto ext = parseProcNetSnmp(*netstat, options_.netstat_path);
    values.insert(values.end(), ext.begin(), ext.end());
  }
  for (const SnmpValue& v : values) {
    snap.samples.push_back(CounterSample{.name = v.name, .labels = {{"host", options_.host}}, .value = v.value});
  }
  if (snap.samples.empty()) reason_ = options_.snmp_path + " has none of the Ip/Tcp/Udp counters fabcheck reads";
  return snap;
}

}  // namespace fabcheck::counters
