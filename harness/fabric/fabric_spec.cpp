#include "harness/fabric/fabric_spec.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "harness/model/name_suggestion.h"
#include "harness/model/units.h"

namespace fabcheck::fabric {
namespace {

const std::vector<std::string> kKeys = {"hosts", "topology", "rate", "queue", "queue_bytes", "delay",
                                        "leaves", "spines", "name", "net", "ecn_threshold"};
const std::vector<std::string> kLinkKeys = {"rate", "queue", "queue_bytes", "delay", "ecn_threshold"};

// "; did you mean 'x'?" for the known key nearest to an unknown one (harness/model/name_suggestion.h).
std::string suggestion(const std::string& key, const std::vector<std::string>& known) {
  const std::string best = model::nearestKey(key, known);
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

class Parser {
 public:
  explicit Parser(std::string_view where) : where_(where) {}

  [[noreturn]] void fail(const std::string& key, const std::string& value, const std::string& expected) const {
    throw ConfigError(where_ + " " + key + "='" + value + "': " + expected);
  }

  long whole(const std::string& key, const std::string& value, long min, long max) const {
    const bool digits = !value.empty() && value.size() <= 9 && value.find_first_not_of("0123456789") == std::string::npos;
    const long v = digits ? std::stol(value) : -1;
    if (!digits || v < min || v > max) {
      fail(key, value, "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return v;
  }

  uint64_t rate(const std::string& key, const std::string& value) const {
    model::Rate r;
    try {
      r = model::parseRate(value, where_ + " " + key);
    } catch (const ConfigError& e) {
      throw ConfigError(std::string(e.what()) + " (e.g. rate=200mbit)");
    }
    if (r.packets_per_second > 0) fail(key, value, "expected bits per second (e.g. 200mbit, 10G); a port's rate cannot be in packets");
    const double b = std::round(r.bits_per_second);
    if (b < 8 || b > 1e15) fail(key, value, "expected a rate from 8 bit/s to 1 Pbit/s");
    return static_cast<uint64_t>(b);
  }

  uint64_t bytes(const std::string& key, const std::string& value) const {
    const uint64_t b = model::parseSize(value, where_ + " " + key);
    if (b > 0xffffffffULL) fail(key, value, "expected at most 4294967295 bytes (the kernel's bfifo limit is 32-bit)");
    return b;
  }

  int64_t duration(const std::string& key, const std::string& value) const {
    return model::parseDurationNs(value, where_ + " " + key);
  }

 private:
  std::string where_;
};

// Splits `s` at commas into KEY=VALUE items and calls f(key, value) for each, in order; the form
// of each item and that no key is given twice are checked as it goes. Returns the keys.
template <class F>
std::set<std::string> forEachItem(const std::string& s, const std::string& where, F f) {
  if (s.find_first_not_of(" \t") == std::string::npos) {
    throw ConfigError(where + " '" + s + "': expected KEY=VALUE[,KEY=VALUE...] such as hosts=4,topology=switch,rate=200mbit,queue=20");
  }
  std::set<std::string> seen;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    std::string item = s.substr(pos, comma - pos);
    pos = comma + 1;
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) throw ConfigError(where + " '" + s + "': an empty item between commas; expected KEY=VALUE");
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) throw ConfigError(where + " '" + item + "': expected KEY=VALUE (e.g. hosts=4)");
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (!seen.insert(key).second) throw ConfigError(where + " '" + key + "' is given twice; expected each key once");
    f(key, value);
  }
  return seen;
}

// One key of the spec other than link.*.
void setKey(FabricSpec& spec, const Parser& p, const std::string& where, const std::string& key, const std::string& value) {
  if (key == "hosts") {
    spec.hosts = static_cast<int>(p.whole(key, value, 1, kMaxHosts));
  } else if (key == "topology") {
    if (value == "switch") spec.topology = Topology::kSwitch;
    else if (value == "leaf-spine" || value == "leafspine" || value == "clos") spec.topology = Topology::kLeafSpine;
    else p.fail(key, value, "expected switch or leaf-spine");
  } else if (key == "rate" && value == "auto") {
    spec.rate_auto = true;
  } else if (key == "rate") {
    spec.rate_auto = false;
    spec.port.rate_bps = p.rate(key, value);
  } else if (key == "queue") {
    spec.port.queue_packets = static_cast<uint32_t>(p.whole(key, value, 1, 1'000'000));
  } else if (key == "queue_bytes") {
    spec.port.queue_bytes = p.bytes(key, value);
  } else if (key == "delay") {
    spec.port.delay_ns = p.duration(key, value);
  } else if (key == "ecn_threshold") {
    parseEcnThreshold(value, where, key, spec.port.ecn_threshold_bytes, spec.port.ecn_threshold_packets);
  } else if (key == "leaves") {
    spec.leaves = static_cast<int>(p.whole(key, value, 1, 16));
  } else if (key == "spines") {
    spec.spines = static_cast<int>(p.whole(key, value, 1, 8));
  } else if (key == "name") {
    if (value.empty() || value.size() > 6 || value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos) {
      p.fail(key, value, "expected 1 to 6 lower-case letters or digits (it prefixes namespace and interface names)");
    }
    spec.name = value;
  } else if (key == "net") {
    spec.net = static_cast<int>(p.whole(key, value, 1, 254));
  } else {
    throw ConfigError(where + " unknown key '" + key + "'" + suggestion(key, kKeys) + " (keys: " + joined(kKeys) +
                      ", link.<h0|l0-s1>.<rate|queue|queue_bytes|delay|ecn_threshold>)");
  }
}

// link.<h<i>|l<a>-s<b>>.<rate|queue|queue_bytes|delay>=VALUE, after the topology is known.
void setLinkKey(FabricSpec& spec, const Parser& p, const std::string& where, const std::string& key, const std::string& value) {
  const size_t dot = key.find('.', 5);
  const std::string link = key.substr(5, dot == std::string::npos ? std::string::npos : dot - 5);
  const std::string what = dot == std::string::npos ? "" : key.substr(dot + 1);
  int a = -1, b = -1;
  char tail = 0;
  bool ok = false;
  if (std::sscanf(link.c_str(), "h%d%c", &a, &tail) == 1 && link == "h" + std::to_string(a)) {
    ok = a >= 0 && a < spec.hosts;
  } else if (std::sscanf(link.c_str(), "l%d-s%d%c", &a, &b, &tail) == 2 && link == "l" + std::to_string(a) + "-s" + std::to_string(b)) {
    ok = spec.topology == Topology::kLeafSpine && a >= 0 && a < spec.leaves && b >= 0 && b < spec.spines;
  }
  if (!ok) {
    p.fail(key, value, "link '" + link + "' does not exist; expected h0..h" + std::to_string(spec.hosts - 1) +
                           (spec.topology == Topology::kLeafSpine
                                ? " or l0-s0..l" + std::to_string(spec.leaves - 1) + "-s" + std::to_string(spec.spines - 1)
                                : std::string(" (leaf-spine links l<a>-s<b> need topology=leaf-spine)")));
  }
  LinkOverride& o = spec.links[link];
  if (what == "rate") o.rate_bps = p.rate(key, value);
  else if (what == "queue") o.queue_packets = static_cast<uint32_t>(p.whole(key, value, 1, 1'000'000));
  else if (what == "queue_bytes") o.queue_bytes = p.bytes(key, value);
  else if (what == "delay") o.delay_ns = p.duration(key, value);
  else if (what == "ecn_threshold") parseEcnThreshold(value, where, key, o.ecn_threshold_bytes, o.ecn_threshold_packets);
  else throw ConfigError(where + " unknown key '" + key + "'" + suggestion(what, kLinkKeys) + "; expected link." + link +
                         ".<" + joined(kLinkKeys) + ">");
}

// An ecn_threshold at or above the queue's limit in the same unit would never mark: the queue
// drops first. `what` names the port ("ecn_threshold" or "link.h1.ecn_threshold").
void checkEcnBelowLimit(const PortShaping& s, const std::string& where, const std::string& what) {
  std::string limit;
  if (s.ecn_threshold_bytes && s.queue_bytes && s.ecn_threshold_bytes >= s.queue_bytes) {
    limit = std::to_string(s.ecn_threshold_bytes) + " bytes is not below queue_bytes=" + std::to_string(s.queue_bytes);
  } else if (s.ecn_threshold_packets && !s.queue_bytes && s.ecn_threshold_packets >= s.queue_packets) {
    limit = std::to_string(s.ecn_threshold_packets) + " packets is not below queue=" + std::to_string(s.queue_packets);
  }
  if (!limit.empty()) {
    throw ConfigError(where + " " + what + ": " + limit + "; expected a threshold below the queue limit (the queue would drop before it marks)");
  }
}

}  // namespace

void parseEcnThreshold(const std::string& value, const std::string& where, const std::string& key, uint64_t& bytes,
                       uint32_t& packets) {
  const std::string expected = "expected bytes as a size (30000, 30KB, 64KiB) or packets as <N>p (20p), more than 0";
  bytes = 0, packets = 0;
  if (value.size() >= 2 && (value.back() == 'p' || value.back() == 'P')) {
    const std::string n = value.substr(0, value.size() - 1);
    if (n.size() > 7 || n.find_first_not_of("0123456789") != std::string::npos || std::stol(n) < 1 || std::stol(n) > 1'000'000) {
      throw ConfigError(where + " " + key + "='" + value + "': expected <N>p with N from 1 to 1000000 packets (e.g. 20p)");
    }
    packets = static_cast<uint32_t>(std::stol(n));
    return;
  }
  try {
    bytes = model::parseSize(value, where + " " + key);
  } catch (const ConfigError&) {
    throw ConfigError(where + " " + key + "='" + value + "': " + expected);
  }
  if (bytes > 0xffffffffULL) throw ConfigError(where + " " + key + "='" + value + "': expected at most 4294967295 bytes");
}

std::string topologyName(Topology t) { return t == Topology::kSwitch ? "switch" : "leaf-spine"; }

FabricSpec parseFabricSpec(std::string_view text, std::string_view where_view) {
  const std::string where(where_view);
  const Parser p(where);
  FabricSpec spec;
  std::vector<std::pair<std::string, std::string>> link_items;  // applied once the topology is known
  const std::set<std::string> seen = forEachItem(std::string(text), where, [&](const std::string& key, const std::string& value) {
    if (key.rfind("link.", 0) == 0) {
      link_items.emplace_back(key, value);
    } else {
      setKey(spec, p, where, key, value);
    }
  });
  if (seen.count("queue") && seen.count("queue_bytes")) {
    throw ConfigError(where + " queue and queue_bytes are both given; expected one (a limit in packets or in bytes)");
  }
  const bool leaves_given = seen.count("leaves") > 0, spines_given = seen.count("spines") > 0;
  if (spec.topology == Topology::kSwitch && (leaves_given || spines_given)) {
    throw ConfigError(where + " " + std::string(leaves_given ? "leaves" : "spines") +
                      "= needs topology=leaf-spine; the switch topology has one switch");
  }
  for (const auto& [key, value] : link_items) setLinkKey(spec, p, where, key, value);
  checkEcnBelowLimit(spec.port, where, "ecn_threshold");
  for (const auto& [link, o] : spec.links) checkEcnBelowLimit(shapingOf(spec, link), where, "link." + link + ".ecn_threshold");
  return spec;
}

PortShaping shapingOf(const FabricSpec& spec, const std::string& link) {
  PortShaping s = spec.port;
  auto it = spec.links.find(link);
  if (it == spec.links.end()) return s;
  const LinkOverride& o = it->second;
  if (o.rate_bps) s.rate_bps = o.rate_bps;
  if (o.queue_packets) s.queue_packets = o.queue_packets, s.queue_bytes = 0;
  if (o.queue_bytes) s.queue_bytes = o.queue_bytes;
  if (o.delay_ns) s.delay_ns = o.delay_ns;
  if (o.ecn_threshold_bytes || o.ecn_threshold_packets) {
    s.ecn_threshold_bytes = o.ecn_threshold_bytes, s.ecn_threshold_packets = o.ecn_threshold_packets;
  }
  return s;
}

bool wantsDelay(const FabricSpec& spec) {
  if (spec.port.delay_ns) return true;
  return std::any_of(spec.links.begin(), spec.links.end(), [](const auto& l) { return l.second.delay_ns != 0; });
}

std::string canonicalSpec(const FabricSpec& spec) {
  auto shaping = [](const std::string& prefix, uint64_t rate, uint32_t q, uint64_t qb, int64_t d, uint64_t eb, uint32_t ep) {
    std::string s;
    if (rate) s += "," + prefix + "rate=" + std::to_string(rate) + "bit";
    if (qb) s += "," + prefix + "queue_bytes=" + std::to_string(qb);
    else if (q) s += "," + prefix + "queue=" + std::to_string(q);
    if (d) s += "," + prefix + "delay=" + std::to_string(d) + "ns";
    if (eb) s += "," + prefix + "ecn_threshold=" + std::to_string(eb);
    else if (ep) s += "," + prefix + "ecn_threshold=" + std::to_string(ep) + "p";
    return s;
  };
  std::string s = "name=" + spec.name + ",hosts=" + std::to_string(spec.hosts) + ",topology=" + topologyName(spec.topology);
  if (spec.topology == Topology::kLeafSpine) s += ",leaves=" + std::to_string(spec.leaves) + ",spines=" + std::to_string(spec.spines);
  if (spec.net) s += ",net=" + std::to_string(spec.net);
  if (spec.rate_auto) s += ",rate=auto";
  s += shaping("", spec.rate_auto ? 0 : spec.port.rate_bps, spec.port.queue_packets, spec.port.queue_bytes, spec.port.delay_ns,
               spec.port.ecn_threshold_bytes, spec.port.ecn_threshold_packets);
  for (const auto& [link, o] : spec.links) {
    s += shaping("link." + link + ".", o.rate_bps, o.queue_packets, o.queue_bytes, o.delay_ns, o.ecn_threshold_bytes,
                 o.ecn_threshold_packets);
  }
  return s;
}

}  // namespace fabcheck::fabric
