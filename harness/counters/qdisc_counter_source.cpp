#include "harness/counters/qdisc_counter_source.h"

#include <nlohmann/json.hpp>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"

namespace fabcheck::counters {

namespace {

using nlohmann::json;

uint64_t field(const json& q, const char* key, const std::string& what, size_t index) {
  auto it = q.find(key);
  if (it == q.end() || !it->is_number_unsigned()) {
    if (it != q.end() && it->is_number_integer() && it->get<int64_t>() >= 0) return it->get<uint64_t>();
    throw Error(what + ": qdisc #" + std::to_string(index) + " field '" + key + "' is " +
                (it == q.end() ? std::string("missing") : it->dump()) + "; expected a non-negative integer (tc -s -j)");
  }
  return it->get<uint64_t>();
}

std::string text(const json& q, const char* key, const std::string& what, size_t index) {
  auto it = q.find(key);
  if (it == q.end() || !it->is_string()) {
    throw Error(what + ": qdisc #" + std::to_string(index) + " field '" + key + "' is " +
                (it == q.end() ? std::string("missing") : it->dump()) + "; expected a string");
  }
  return it->get<std::string>();
}

}  // namespace

std::vector<QdiscStats> parseTcQdiscJson(const std::string& json_text, const std::string& what, const std::string& dev) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number beyond double's range
    throw Error(what + ": output is not JSON (" + e.what() + "); expected a list of qdiscs");
  }
  if (!doc.is_array()) throw Error(what + ": output is a JSON " + std::string(doc.type_name()) + "; expected a list of qdiscs");
  std::vector<QdiscStats> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    const json& q = doc[i];
    if (!q.is_object()) throw Error(what + ": qdisc #" + std::to_string(i) + " is not a JSON object");
    QdiscStats s;
    s.dev = (q.contains("dev") || dev.empty()) ? text(q, "dev", what, i) : dev;
    s.kind = text(q, "kind", what, i);
    s.handle = text(q, "handle", what, i);
    if (q.value("root", false)) {
      s.parent = "root";
    } else if (q.contains("parent")) {
      s.parent = text(q, "parent", what, i);
    } else {
      throw Error(what + ": qdisc #" + std::to_string(i) + " (" + s.dev + " " + s.handle + ") has neither 'root' nor 'parent'");
    }
    s.bytes = field(q, "bytes", what, i);
    s.packets = field(q, "packets", what, i);
    s.drops = field(q, "drops", what, i);
    s.overlimits = field(q, "overlimits", what, i);
    s.requeues = field(q, "requeues", what, i);
    s.backlog = field(q, "backlog", what, i);
    s.qlen = field(q, "qlen", what, i);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<CounterSample> qdiscSamples(const std::vector<QdiscStats>& qdiscs, const std::string& host, const std::string& netns) {
  std::vector<CounterSample> out;
  for (const QdiscStats& q : qdiscs) {
    Labels labels{{"host", host}, {"dev", q.dev}, {"handle", q.handle}, {"kind", q.kind}, {"parent", q.parent}};
    if (!netns.empty()) labels["netns"] = netns;
    auto add = [&](const char* name, uint64_t v, SampleKind kind) {
      out.push_back(CounterSample{.name = name, .labels = labels, .value = v, .width_bits = 64, .kind = kind});
    };
    add("bytes", q.bytes, SampleKind::kCounter);
    add("packets", q.packets, SampleKind::kCounter);
    add("drops", q.drops, SampleKind::kCounter);
    add("overlimits", q.overlimits, SampleKind::kCounter);
    add("requeues", q.requeues, SampleKind::kCounter);
    add("backlog", q.backlog, SampleKind::kGauge);
    add("qlen", q.qlen, SampleKind::kGauge);
  }
  return out;
}

std::optional<uint64_t> rootQdiscTotal(const CounterSnapshot& snap, const std::string& counter, const std::string& dev) {
  std::optional<uint64_t> total;
  for (const CounterSample& s : snap.samples) {
    if (s.name != counter) continue;
    auto parent = s.labels.find("parent");
    if (parent == s.labels.end() || parent->second != "root") continue;
    if (!dev.empty()) {
      auto d = s.labels.find("dev");
      if (d == s.labels.end() || d->second != dev) continue;
    }
    total = total.value_or(0) + s.value;
  }
  return total;
}

QdiscCounterSource::QdiscCounterSource(QdiscSourceOptions options) : options_(std::move(options)) {
  if (options_.host.empty()) options_.host = hostName();
  if (!options_.runner) options_.runner = std::make_shared<process::SystemCommandRunner>();
}

std::vector<std::string> QdiscCounterSource::command() const {
  std::vector<std::string> argv{options_.tc};
  if (!options_.netns.empty()) argv.insert(argv.end(), {"-netns", options_.netns});
  argv.insert(argv.end(), {"-s", "-j", "qdisc", "show"});
  if (!options_.dev.empty()) argv.insert(argv.end(), {"dev", options_.dev});
  return argv;
}

std::vector<QdiscStats> QdiscCounterSource::read() {
  reason_.clear();
  const auto argv = command();
  const std::string what = "'" + process::commandText(argv) + "'";
  const process::CommandResult r = options_.runner->run(argv, options_.timeout_ns);
  if (r.not_found) {
    reason_ = "'" + options_.tc + "' is not installed (iproute2)";
    return {};
  }
  if (r.timed_out) throw Error(what + " did not finish within " + std::to_string(options_.timeout_ns / 1'000'000) + " ms");
  if (r.exit_code != 0) {
    if (r.err.find("Cannot find device") != std::string::npos) {
      reason_ = "no device '" + options_.dev + "'" + (options_.netns.empty() ? "" : " in namespace '" + options_.netns + "'");
      return {};
    }
    if (r.err.find("Cannot open network namespace") != std::string::npos) {
      reason_ = "no network namespace '" + options_.netns + "'";
      return {};
    }
    throw Error(what + " failed (exit code " + std::to_string(r.exit_code) + "): " + r.err);
  }
  auto qdiscs = parseTcQdiscJson(r.out, what, options_.dev);
  if (qdiscs.empty()) reason_ = "no qdiscs" + (options_.dev.empty() ? std::string() : " on '" + options_.dev + "'");
  return qdiscs;
}

CounterSnapshot QdiscCounterSource::snapshot() {
  CounterSnapshot snap;
  snap.taken_mono_ns = monoNowNs();
  const auto qdiscs = read();
  snap.samples = qdiscSamples(qdiscs, options_.host, options_.netns);
  return snap;
}

}  // namespace fabcheck::counters
