#include "harness/suite/probe_loader.h"

#include <cstdint>

#include "harness/model/units.h"
#include "harness/suite/flow_loader.h"

namespace fabcheck::suite::detail {
namespace {

const std::vector<std::string> kProbeKeys = {"size", "dscp", "between", "idle_duration", "reply_timeout",
                                             "warmup_iterations"};

}  // namespace

// `probe:` — a pingpong probe while the test's own flows load the fabric.
void loadProbe(SuiteReader& r, const Val& v, const Pattern* pattern, SuiteTest& t) {
  auto e = r.entries(v, kProbeKeys, "probe");
  if (!v.node.IsMap()) return;
  if (t.spec.collective && t.spec.collective->sweep().size() > 1) {
    r.error(v, "probe: a sweep runs several rounds (one per size, " + std::to_string(t.spec.collective->sweep().size()) +
                 " here); a probe needs a single round (give one size)");
    return;
  }
  if (pattern && !pattern->makesLoad()) {
    r.error(v, "probe: a probe measures latency under load; this test's pattern " + pattern->name() +
                 " makes no load (use stream, microburst or incast)");
    return;
  }
  if (!t.spec.collective && t.spec.placement == patterns::Placement::kMatrix) {
    r.error(v, "probe: placement matrix runs in several rounds; a probe needs a placement that runs once (pairs, ring, permutation, incast)");
    return;
  }
  model::ProbeSpec pr;
  pr.params.kind = patterns::PatternKind::kPingpong;
  pr.params.size_bytes = 64;
  pr.params.warmup_iterations = 10;
  if (e.count("size")) {
    if (auto x = r.unit(e.at("size"), "probe.size", "a size like 64 or 1KiB", model::parseSize)) {
      const uint64_t max = maxMessageBytes(t.spec.transport).value_or(UINT32_MAX);
      if (*x < 32 || *x > max) {
        r.error(e.at("size"), "probe.size '" + e.at("size").node.Scalar() + "': expected 32 to " + std::to_string(max) + " bytes");
      } else {
        pr.params.size_bytes = static_cast<uint32_t>(*x);
      }
    }
  }
  if (e.count("dscp")) {
    if (auto x = r.integer(e.at("dscp"), "probe.dscp", 0, 63)) pr.dscp = static_cast<int>(*x);
  }
  if (e.count("between")) {
    const Val& b = e.at("between");
    if (!b.node.IsSequence() || b.node.size() != 2) {
      r.error(b, "probe.between is " + r.describe(b.node) + "; expected two positions of the test's agents, like [0, 1]");
    } else {
      auto from = r.integer(Val{b.node[0], b.file}, "probe.between[0]", 0, 100000);
      auto to = r.integer(Val{b.node[1], b.file}, "probe.between[1]", 0, 100000);
      if (from && to && *from == *to) r.error(b, "probe.between: the two positions must differ");
      if (from) pr.from = static_cast<int>(*from);
      if (to) pr.to = static_cast<int>(*to);
    }
  }
  if (e.count("idle_duration")) {
    if (auto x = r.unit(e.at("idle_duration"), "probe.idle_duration", "a duration like 1s", model::parseDurationNs)) {
      if (*x <= 0) r.error(e.at("idle_duration"), "probe.idle_duration: expected a duration above 0");
      else pr.idle_duration_ns = *x;
    }
  }
  if (e.count("reply_timeout")) {
    if (auto x = r.unit(e.at("reply_timeout"), "probe.reply_timeout", "a duration like 100ms", model::parseDurationNs)) {
      pr.params.reply_timeout_ns = *x;
    }
  }
  if (e.count("warmup_iterations")) {
    if (auto x = r.integer(e.at("warmup_iterations"), "probe.warmup_iterations", 0, int64_t{1} << 40)) {
      pr.params.warmup_iterations = static_cast<uint64_t>(*x);
    }
  }
  t.spec.probe = pr;
}

}  // namespace fabcheck::suite::detail
