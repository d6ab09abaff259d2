#include "harness/suite/flow_loader.h"

#include <sstream>

#include "generators/transport/transport.h"
#include "harness/model/units.h"

namespace fabcheck::suite::detail {

const std::vector<std::string>& flowPatternKeys() {
  static const std::vector<std::string> keys = {
      "placement", "fan_in",  "size",   "flows",   "bidirectional",     "rate",          "burst",
      "burst_interval", "duration", "iterations", "warmup", "warmup_iterations", "payload_check", "reply_timeout",
      "seed",      "outlier_ratio", "outlier_retests"};
  return keys;
}

std::optional<uint32_t> maxMessageBytes(const std::string& transport) {
  try {
    return transport::transportKindProperties(transport).max_message_bytes;
  } catch (const ConfigError&) {
    return std::nullopt;
  }
}

namespace {

// placement and fan_in. Returns false when the placement is unknown (its key was refused).
bool placementKeys(SuiteReader& r, bool incast, const TestKeys& keys, SuiteTest& t) {
  bool placement_known = true;
  t.spec.placement = incast ? patterns::Placement::kIncast : patterns::Placement::kPairs;
  if (auto* v = keys.get("placement")) {
    placement_known = false;
    if (auto s = r.oneOf(*v, "placement", {"pairs", "ring", "permutation", "incast", "matrix"})) {
      t.spec.placement = patterns::parsePlacement(*s, "placement");
      placement_known = true;
      if (incast && t.spec.placement != patterns::Placement::kIncast) {
        r.error(*v, "placement '" + *s + "': pattern incast is always placed as incast (M senders -> 1 receiver)");
      }
    }
  }
  if (auto* v = keys.get("fan_in")) {
    if (t.spec.placement != patterns::Placement::kIncast) {
      r.error(*v, "fan_in: only incast tests have a fan-in (set pattern: incast or placement: incast)");
    } else if (keys.isOwn("agents") || (!keys.isOwn("fan_in") && keys.defaults.count("agents"))) {
      r.error(*v, "fan_in: give either agents or fan_in (fan_in N runs N senders and 1 receiver)");
    } else if (auto x = r.integer(*v, "fan_in", 1, 99999)) {
      t.participants.count = static_cast<int>(*x) + 1;
    }
  }
  return placement_known;
}

// size, flows, bidirectional, rate, burst, burst_interval.
void messageKeys(SuiteReader& r, const TestKeys& keys, const Fabric& fabric, patterns::PatternParams& p) {
  if (auto* v = keys.get("size")) {
    if (auto x = r.unit(*v, "size", "a size like 1400 or 64KiB", model::parseSize)) {
      if (*x > UINT32_MAX) {
        r.error(*v, "size '" + v->node.Scalar() + "': above the largest message of 4 GiB");
      } else {
        p.size_bytes = static_cast<uint32_t>(*x);
      }
    }
  }
  if (auto* v = keys.get("flows")) {
    if (auto x = r.integer(*v, "flows", 1, 4096)) p.flows = static_cast<uint32_t>(*x);
  }
  if (auto* v = keys.get("bidirectional")) {
    if (auto x = r.boolean(*v, "bidirectional")) p.bidirectional = *x;
  }
  if (auto* v = keys.get("rate")) r.rate(*v, fabric.line_rate_gbps, p);
  if (auto* v = keys.get("burst")) {
    if (auto x = r.unit(*v, "burst", "a size like 64KiB", model::parseSize)) p.burst_bytes = *x;
  }
  if (auto* v = keys.get("burst_interval")) {
    if (auto x = r.unit(*v, "burst_interval", "a duration like 1ms", model::parseDurationNs)) p.burst_interval_ns = *x;
  }
}

// duration or iterations (with the pattern's default), warmup, warmup_iterations.
void lengthKeys(SuiteReader& r, const TestKeys& keys, patterns::PatternParams& p) {
  const Val* duration = keys.get("duration");
  const Val* iterations = keys.get("iterations");
  if (duration && iterations) {
    // A test's own choice overrides the other one from defaults.
    if (keys.isOwn("duration") && !keys.isOwn("iterations")) iterations = nullptr;
    else if (keys.isOwn("iterations") && !keys.isOwn("duration")) duration = nullptr;
    else r.error(*iterations, "iterations: give either duration or iterations, not both");
  }
  if (duration) {
    if (auto x = r.unit(*duration, "duration", "a duration like 10s", model::parseDurationNs)) p.duration_ns = *x;
  }
  if (iterations) {
    if (auto x = r.integer(*iterations, "iterations", 1, int64_t{1} << 40)) p.iterations = static_cast<uint64_t>(*x);
  }
  const bool pingpong = p.kind == patterns::PatternKind::kPingpong;
  if (!duration && !iterations) p.duration_ns = pingpong ? 0 : 5'000'000'000;
  if (!duration && !iterations && pingpong) p.iterations = 10'000;
  if (auto* v = keys.get("warmup")) {
    if (auto x = r.unit(*v, "warmup", "a duration like 500ms", model::parseDurationNs)) p.warmup_ns = *x;
  }
  if (auto* v = keys.get("warmup_iterations")) {
    if (auto x = r.integer(*v, "warmup_iterations", 0, int64_t{1} << 40)) p.warmup_iterations = static_cast<uint64_t>(*x);
  }
}

// payload_check, reply_timeout, seed.
void otherKeys(SuiteReader& r, const TestKeys& keys, SuiteTest& t) {
  auto& p = t.spec.params;
  if (auto* v = keys.get("payload_check")) {
    if (auto x = r.boolean(*v, "payload_check")) p.payload_check = *x;
  }
  if (auto* v = keys.get("reply_timeout")) {
    if (auto x = r.unit(*v, "reply_timeout", "a duration like 100ms", model::parseDurationNs)) p.reply_timeout_ns = *x;
  }
  if (auto* v = keys.get("seed")) {
    if (auto x = r.integer(*v, "seed", 0, UINT32_MAX)) t.spec.seed = static_cast<uint32_t>(*x);
  }
}

// A matrix-only key given to a test that is not a matrix: an error when the test gives it itself
// (a default for other tests is ignored). True when the key applies.
bool matrixKeyApplies(SuiteReader& r, const TestKeys& keys, const std::string& key, bool known, const SuiteTest& t) {
  if (t.spec.placement == patterns::Placement::kMatrix) return true;
  if (keys.isOwn(key) && known) {
    r.error(*keys.get(key), key + quoted(*keys.get(key)) + ": only placement matrix has outlier pairs; this test's placement is " +
                                std::string(patterns::toString(t.spec.placement)));
  }
  return false;
}

// outlier_ratio and outlier_retests: only placement matrix has outlier pairs.
void outlierKeys(SuiteReader& r, const TestKeys& keys, bool placement_known, bool pattern_known, SuiteTest& t) {
  const bool known = placement_known && pattern_known;
  if (t.spec.params.kind == patterns::PatternKind::kPingpong) t.spec.outlier_ratio = model::kLatencyOutlierRatio;
  if (const Val* v = keys.get("outlier_ratio"); v && matrixKeyApplies(r, keys, "outlier_ratio", known, t)) {
    if (auto x = r.number(*v, "outlier_ratio")) {
      if (*x > 1) r.error(*v, "outlier_ratio" + quoted(*v) + ": expected a number above 0 and at most 1");
      else t.spec.outlier_ratio = *x;
    }
  }
  if (const Val* v = keys.get("outlier_retests"); v && matrixKeyApplies(r, keys, "outlier_retests", known, t)) {
    if (auto x = r.integer(*v, "outlier_retests", 0, 10)) t.spec.outlier_retests = static_cast<int>(*x);
  }
}

}  // namespace

void loadFlowKeys(SuiteReader& r, std::optional<patterns::PatternKind> kind, bool incast, const TestKeys& keys,
                  const Fabric& fabric, SuiteTest& t) {
  auto& p = t.spec.params;
  if (kind) p.kind = *kind;
  const bool placement_known = placementKeys(r, incast, keys, t);
  messageKeys(r, keys, fabric, p);
  lengthKeys(r, keys, p);
  otherKeys(r, keys, t);
  outlierKeys(r, keys, placement_known, kind.has_value(), t);
}

void validateFlowTest(SuiteReader& r, const Val& entry, const TestKeys& keys, const SuiteTest& t) {
  // A key as validate() should name it: with its position when the suite gives it.
  auto where = [&](const std::string& k) {
    const Val* v = keys.get(k);
    return v ? posOf(*v).str() + ": " + k : k;
  };
  try {
    patterns::ParamNames n{where("size"),           where("flows"),    where("rate"),      where("burst"),
                           where("burst_interval"), where("duration"), where("iterations")};
    patterns::validate(t.spec.params, maxMessageBytes(t.spec.transport).value_or(UINT32_MAX), t.spec.transport, n);
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    // validate() names the key with its position ("file:l:c: size 70000: ..."); keep that.
    const auto colon = m.find(": ");
    Diagnostic d{t.pos, m};
    if (m.rfind(*entry.file + ":", 0) == 0 && colon != std::string::npos) {
      std::stringstream ps(m.substr(0, colon));
      std::string file, line, col;
      std::getline(ps, file, ':');
      std::getline(ps, line, ':');
      std::getline(ps, col, ':');
      try {
        d = {{file, std::stoi(line), std::stoi(col)}, m.substr(colon + 2)};
      } catch (const std::exception&) {
      }
    }
    r.diags.push_back(d);
  }
}

}  // namespace fabcheck::suite::detail
