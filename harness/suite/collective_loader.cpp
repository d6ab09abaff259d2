#include "harness/suite/collective_loader.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>

#include "generators/engine/collective_link.h"
#include "generators/patterns/collective_params.h"
#include "harness/model/units.h"
#include "harness/suite/flow_loader.h"

namespace fabcheck::suite::detail {

const std::vector<std::string>& collectivePatternKeys() {
  static const std::vector<std::string> keys = {"size", "iterations", "warmup_iterations", "payload_check", "rate",
                                                "algorithm", "chunk", "channels", "ranks_per_node", "root",
                                                "message_size", "window", "timeout", "step_timeout", "straggler_ratio"};
  return keys;
}

namespace {

using patterns::CollectiveAlgorithm;
using patterns::CollectiveKind;

constexpr int64_t kMaxIterations = int64_t{1} << 40;
using engine::kCollectiveHeaderBytes;            // WireHeader + collective header, per message
constexpr uint64_t kMaxMessageBytes = 64u << 20; // engine/collective_executor.cpp's bound (any transport)

// Keys of the flow patterns, and why each does not apply to a collective.
struct NotHere {
  const char* key;
  const char* why;
};
constexpr NotHere kFlowOnlyKeys[] = {
    {"placement", "a collective's ranks are its agents in order; placement does not apply"},
    {"fan_in", "only incast tests have a fan-in; a collective's ranks are its agents (use agents)"},
    {"flows", "a collective runs one flow per link and channel; use channels"},
    {"bidirectional", "a collective's schedule decides who sends to whom; bidirectional does not apply"},
    {"burst", "a collective sends by its schedule; burst applies to microburst and incast"},
    {"burst_interval", "a collective sends by its schedule; burst_interval applies to microburst and incast"},
    {"duration", "collectives run by iterations (per size); use iterations"},
    {"warmup", "collectives warm up by iterations; use warmup_iterations"},
    {"reply_timeout", "pingpong only; a collective's waits are bounded by timeout and step_timeout"},
    {"seed", "only placement permutation uses a seed; a collective's ranks are its agents in order"},
    {"outlier_ratio", "only placement matrix has outlier pairs; this test's pattern is "},  // + the kind
    {"outlier_retests", "only placement matrix has outlier pairs; this test's pattern is "},  // + the kind
};

// The algorithm names `kind` accepts, as a list for messages.
std::string algorithmsOf(CollectiveKind kind) {
  std::string list;
  for (auto a : {CollectiveAlgorithm::kRing, CollectiveAlgorithm::kTree, CollectiveAlgorithm::kRecHalvingDoubling,
                 CollectiveAlgorithm::kPairwise, CollectiveAlgorithm::kAllAtOnce}) {
    if (patterns::supports(kind, a)) list += (list.empty() ? "" : ", ") + std::string(patterns::toString(a));
  }
  if (kind == CollectiveKind::kBroadcast) list += ", pipeline";
  return list;
}

std::optional<uint64_t> wholeNumber(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// `size`: one size, or a sweep "min:max:factor" with units in min and max.
std::optional<std::vector<uint64_t>> sizes(SuiteReader& r, const Val& v) {
  auto s = r.scalar(v, "size", "a size like 1MiB or a sweep like 64KiB:16MiB:4");
  if (!s) return std::nullopt;
  const std::string head = "size '" + *s + "'";
  try {
    if (s->find(':') == std::string::npos) return std::vector<uint64_t>{model::parseSize(*s, "size")};
    std::vector<std::string> parts;
    for (size_t from = 0;;) {
      const size_t c = s->find(':', from);
      parts.push_back(s->substr(from, c == std::string::npos ? std::string::npos : c - from));
      if (c == std::string::npos) break;
      from = c + 1;
    }
    if (parts.size() != 3) {
      r.error(v, head + ": expected one size like 1MiB or a sweep min:max:factor like 64KiB:16MiB:4");
      return std::nullopt;
    }
    const uint64_t lo = model::parseSize(parts[0], head + ": min");
    const uint64_t hi = model::parseSize(parts[1], head + ": max");
    const auto f = wholeNumber(parts[2]);
    if (!f || *f < 2) {
      r.error(v, head + ": factor '" + parts[2] + "': expected a whole number of at least 2");
      return std::nullopt;
    }
    if (lo > hi) {
      r.error(v, head + ": min " + model::formatBytes(lo) + " is above max " + model::formatBytes(hi) + "; expected min <= max");
      return std::nullopt;
    }
    return patterns::parseSizeSweep(std::to_string(lo) + ":" + std::to_string(hi) + ":" + std::to_string(*f),
                                    head);
  } catch (const ConfigError& e) {
    r.error(v, e.what());
    return std::nullopt;
  }
}

}  // namespace

std::string collectiveKeyNotHere(const std::string& key, CollectiveKind kind) {
  for (const auto& [k, why] : kFlowOnlyKeys) {
    if (key == k) return key.rfind("outlier_", 0) == 0 ? why + std::string(patterns::toString(kind)) : why;
  }
  return "";
}

namespace {

// algorithm (the kind's default unless the test names one it runs), sizes, iterations,
// warmup_iterations, payload_check, chunk, channels, ranks_per_node.
void scheduleKeys(SuiteReader& r, const TestKeys& keys, CollectiveKind kind, model::CollectiveSpec& c) {
  auto& p = c.params;
  p.kind = kind;
  p.algorithm = patterns::defaultAlgorithm(kind);
  if (auto* v = keys.get("algorithm")) {
    if (auto s = r.oneOf(*v, "algorithm", {"ring", "tree", "rec_halving_doubling", "pairwise", "all_at_once", "pipeline"},
                         true)) {
      const CollectiveAlgorithm a = patterns::parseCollectiveAlgorithm(*s, "algorithm");
      if (patterns::supports(kind, a)) {
        p.algorithm = a;
      } else if (keys.isOwn("algorithm")) {  // a default for other kinds leaves this kind's default
        r.error(*v, "algorithm" + quoted(*v) + ": pattern " + std::string(patterns::toString(kind)) +
                        " does not run it; expected one of " + algorithmsOf(kind));
      }
    }
  }
  if (const Val* size = keys.get("size")) {
    if (auto s = sizes(r, *size)) c.sizes = *s;
  }
  if (c.sizes.empty()) c.sizes = {p.size_bytes};
  p.size_bytes = c.sizes.front();
  if (auto* v = keys.get("iterations")) {
    if (auto x = r.integer(*v, "iterations", 1, kMaxIterations)) p.iterations = static_cast<uint64_t>(*x);
  }
  if (auto* v = keys.get("warmup_iterations")) {
    if (auto x = r.integer(*v, "warmup_iterations", 0, kMaxIterations)) p.warmup_iterations = static_cast<uint64_t>(*x);
  }
  if (auto* v = keys.get("payload_check")) {
    if (auto x = r.boolean(*v, "payload_check")) p.payload_check = *x;
  }
  if (auto* v = keys.get("chunk")) {
    if (v->node.IsScalar() && v->node.Scalar() == "0") {
      p.chunk_bytes = 0;
    } else if (auto x = r.unit(*v, "chunk", "a size like 1MiB, or 0 for none", model::parseSize)) {
      p.chunk_bytes = *x;
    }
  }
  if (auto* v = keys.get("channels")) {
    if (auto x = r.integer(*v, "channels", 1, 64)) p.channels = static_cast<uint32_t>(*x);
  }
  if (auto* v = keys.get("ranks_per_node")) {
    if (auto x = r.integer(*v, "ranks_per_node", 1, 100000)) p.ranks_per_node = static_cast<uint32_t>(*x);
  }
}

// root (broadcast only) and rate (bits per second only). Returns the root's value, if read.
const Val* rootAndRate(SuiteReader& r, const TestKeys& keys, double line_rate_gbps, model::CollectiveSpec& c) {
  auto& p = c.params;
  const Val* root = nullptr;
  if (p.kind == CollectiveKind::kBroadcast) {
    root = keys.get("root");
    if (root) {
      if (auto x = r.integer(*root, "root", 0, 99999)) p.root = static_cast<uint32_t>(*x);
    }
  } else if (keys.isOwn("root")) {
    r.error(keys.own.at("root"), "root" + quoted(keys.own.at("root")) + ": only broadcast has a root; this test's pattern is " +
                                     std::string(patterns::toString(p.kind)));
  }
  if (auto* v = keys.get("rate")) {
    patterns::PatternParams rp;
    if (r.rate(*v, line_rate_gbps, rp)) {
      if (rp.rate_pps > 0) {
        if (keys.isOwn("rate")) {
          r.error(*v, "rate" + quoted(*v) + ": a collective paces each link in bits per second; expected a rate like "
                                            "10Gbit/s or N% of the line rate");
        }
      } else {
        c.link_rate_bps = rp.rate_bps;
      }
    }
  }
  return root;
}

// message_size (bounded by the transport's largest message and the executor's) and window.
void messageKeys(SuiteReader& r, const TestKeys& keys, const std::string& transport, model::CollectiveSpec& c) {
  const uint64_t max_message = std::min<uint64_t>(maxMessageBytes(transport).value_or(kMaxMessageBytes), kMaxMessageBytes);
  const Val* message = keys.get("message_size");
  bool message_ok = true;
  if (message) {
    message_ok = false;
    if (auto x = r.unit(*message, "message_size", "a size like 8KiB", model::parseSize)) {
      if (*x <= kCollectiveHeaderBytes || *x > max_message) {
        r.error(*message, "message_size" + quoted(*message) + ": expected more than " +
                              std::to_string(kCollectiveHeaderBytes) + " bytes (the headers) and at most " +
                              std::to_string(max_message) + " bytes (transport " + transport + ")");
      } else {
        c.message_bytes = static_cast<uint32_t>(*x);
        message_ok = true;
      }
    }
  }
  const Val* window = keys.get("window");
  bool window_ok = true;
  if (window) {
    window_ok = false;
    if (auto x = r.unit(*window, "window", "a size like 256KiB", model::parseSize)) {
      if (*x > UINT32_MAX) {
        r.error(*window, "window" + quoted(*window) + ": expected at most 4 GiB - 1 byte");
      } else {
        c.window_bytes = static_cast<uint32_t>(*x);
        window_ok = true;
      }
    }
  }
  if (message_ok && window_ok && uint64_t{c.window_bytes} < 2 * uint64_t{c.message_bytes}) {
    if (window) {
      r.error(*window, "window" + quoted(*window) + ": expected at least 2 × message_size (" +
                           model::formatBytes(2 * uint64_t{c.message_bytes}) + ")");
    } else if (message) {
      r.error(*message, "message_size" + quoted(*message) + ": the default window of " + model::formatBytes(c.window_bytes) +
                            " holds fewer than 2 messages; set window to at least " +
                            model::formatBytes(2 * uint64_t{c.message_bytes}));
    }
  }
}

// straggler_ratio, timeout, step_timeout.
void boundKeys(SuiteReader& r, const TestKeys& keys, model::CollectiveSpec& c) {
  if (auto* v = keys.get("straggler_ratio")) {
    if (auto x = r.number(*v, "straggler_ratio")) {
      if (*x >= 1) r.error(*v, "straggler_ratio" + quoted(*v) + ": expected a number above 0 and below 1");
      else c.straggler_ratio = *x;
    }
  }
  if (auto* v = keys.get("timeout")) {
    if (auto x = r.unit(*v, "timeout", "a duration like 120s", model::parseDurationNs)) c.timeout_ns = *x;
  }
  if (auto* v = keys.get("step_timeout")) {
    if (auto x = r.unit(*v, "step_timeout", "a duration like 10s", model::parseDurationNs)) c.step_timeout_ns = *x;
  }
}

// With a known number of ranks, what the controller would refuse at run time is refused now.
void checkRanks(SuiteReader& r, const Val& entry, const TestKeys& keys, const Val* root, int n,
                const model::CollectiveSpec& c) {
  if (root && c.params.root >= static_cast<uint32_t>(n)) {
    r.error(*root, "root" + quoted(*root) + ": expected a rank below the test's " + std::to_string(n) + " agents");
    return;
  }
  const Val* size = keys.get("size");
  for (const uint64_t s : c.sizes) {
    patterns::CollectiveParams q = c.params;
    q.size_bytes = s;
    q.size_bytes = patterns::fitSizeToRanks(q, n);
    try {
      patterns::validate(q, n);
    } catch (const ConfigError& e) {
      const Val* agents = keys.get("agents");
      if (size) {
        r.error(*size, "size" + quoted(*size) + " with " + std::to_string(n) + " agents: " + e.what());
      } else {
        r.error(agents ? *agents : entry, "agents '" + std::to_string(n) + "' with the default size " +
                                              model::formatBytes(s) + ": " + e.what() + "; set size");
      }
      return;
    }
  }
}

}  // namespace

void loadCollective(SuiteReader& r, const Val& entry, const TestKeys& keys, CollectiveKind kind,
                    double line_rate_gbps, size_t errors_before, SuiteTest& t) {
  model::CollectiveSpec c;
  scheduleKeys(r, keys, kind, c);
  const Val* root = rootAndRate(r, keys, line_rate_gbps, c);
  messageKeys(r, keys, t.spec.transport, c);
  boundKeys(r, keys, c);
  const int n = t.participants.count;
  if (n > 0 && r.diags.size() == errors_before) checkRanks(r, entry, keys, root, n, c);
  t.spec.collective = c;
}

}  // namespace fabcheck::suite::detail
