#include "harness/suite/suite_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "harness/suite/collective_loader.h"
#include "harness/suite/suite_reader.h"
#include "harness/model/units.h"

namespace fabcheck::suite {

std::string SourcePos::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::str() const { return pos.str() + ": " + message; }

namespace {

std::string joinDiagnostics(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += (s.empty() ? "" : "\n") + d.str();
  return s;
}

}  // namespace

SuiteError::SuiteError(std::vector<Diagnostic> diagnostics)
    : ConfigError(joinDiagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

int Suite::agentsWanted() const {
  int n = 2;
  for (const auto& t : tests) n = std::max(n, t.participants.count);
  return n;
}

namespace {

using detail::posOf;
using detail::quoted;
using detail::TestKeys;
using detail::Val;

const std::vector<std::string> kTopKeys = {"name", "description", "fabric", "defaults", "tests"};
const std::vector<std::string> kSiteKeys = {"fabric", "defaults"};
const std::vector<std::string> kFabricKeys = {"transport", "dscp", "ecn", "line_rate_gbps", "mtu", "interface",
                                              "gso", "gro"};
// Keys a test may set (and `defaults:` may give every test, but detail::kNotDefaults);
// detail::collectiveKeys() are added to them.
const std::vector<std::string> kFlowTestKeys = {
    "name",     "description", "pattern",    "placement", "participants", "agents",           "fan_in",
    "size",     "flows",       "bidirectional", "rate",   "burst",        "burst_interval",   "duration",
    "iterations", "warmup",    "warmup_iterations", "payload_check", "reply_timeout", "seed", "transport",
    "dscp",     "ecn",         "interface",  "gso",       "gro",          "probe",            "outlier_ratio", "slos"};
// (Functions, not globals: they combine lists of another translation unit.)
const std::vector<std::string>& testKeys() {
  static const std::vector<std::string> keys = [] {
    auto k = kFlowTestKeys;
    k.insert(k.end(), detail::collectiveKeys().begin(), detail::collectiveKeys().end());
    return k;
  }();
  return keys;
}
const std::vector<std::string> kFlowPatterns = {"pingpong", "stream", "microburst", "incast"};
const std::vector<std::string>& patternNames() {
  static const std::vector<std::string> names = [] {
    auto n = kFlowPatterns;
    n.insert(n.end(), detail::collectivePatterns().begin(), detail::collectivePatterns().end());
    return n;
  }();
  return names;
}
std::string patternList() {
  std::string list;
  for (const auto& n : patternNames()) list += (list.empty() ? "" : ", ") + n;
  return list;
}
// A latency-under-load probe (model::ProbeSpec).
const std::vector<std::string> kProbeKeys = {"size", "dscp", "between", "idle_duration", "reply_timeout",
                                             "warmup_iterations"};

class Loader : public detail::SuiteReader {
 public:
  void fabric(const std::map<std::string, Val>& e, Fabric& f) {
    auto get = [&](const char* k) { return e.count(k) ? &e.at(k) : nullptr; };
    if (auto* v = get("transport")) {
      if (auto s = oneOf(*v, "transport", {"udp", "verbs", "loop"})) f.transport = *s;
    }
    if (auto* v = get("dscp")) {
      if (auto x = integer(*v, "dscp", 0, 63)) f.dscp = static_cast<int>(*x);
    }
    if (auto* v = get("ecn")) {
      if (auto x = ecn(*v, "ecn")) f.ecn = *x;
    }
    if (auto* v = get("line_rate_gbps")) {
      if (auto x = number(*v, "line_rate_gbps")) f.line_rate_gbps = *x;
    }
    if (auto* v = get("mtu")) {
      if (auto x = integer(*v, "mtu", 68, 65535)) f.mtu = static_cast<int>(*x);
    }
    if (auto* v = get("interface")) {
      if (auto s = text(*v, "interface")) f.interface = *s;
    }
  }

  void participants(const Val& v, Participants& p) {
    p.pos = posOf(v);
    if (v.node.IsScalar()) {
      const std::string s = v.node.Scalar();
      if (s == "all") return;
      // "rack=a" or "rack=a,leaf=3"
      std::stringstream in(s);
      for (std::string kv; std::getline(in, kv, ',');) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size()) {
          error(v, "participants '" + s + "': expected all, a list of hosts, labels like rack=a,leaf=3, or a mapping of labels");
          return;
        }
        p.labels[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
      return;
    }
    if (v.node.IsSequence()) {
      for (const auto& h : v.node) {
        if (auto s = text(Val{h, v.file}, "participants entry")) p.hosts.push_back(*s);
      }
      if (p.hosts.empty()) error(v, "participants is an empty list; expected at least one host");
      return;
    }
    if (v.node.IsMap()) {
      for (auto it = v.node.begin(); it != v.node.end(); ++it) {
        auto k = text(Val{it->first, v.file}, "participants label");
        auto x = text(Val{it->second, v.file}, "participants label value");
        if (k && x) p.labels[*k] = *x;
      }
      return;
    }
    error(v, "participants is " + describe(v.node) + "; expected all, a list of hosts, or labels like rack=a");
  }

  void test(const Val& entry, size_t index, const std::map<std::string, Val>& defaults, const Fabric& fab,
            std::set<std::string>& names, Suite& suite) {
    const std::string what = "tests[" + std::to_string(index) + "]";
    auto own = entries(entry, testKeys(), what);
    if (!entry.node.IsMap()) return;
    SuiteTest t;
    t.pos = posOf(entry);
    const size_t errors_before = diags.size();
    const TestKeys keys{own, defaults};
    auto get = [&](const std::string& k) { return keys.get(k); };

    if (auto* v = get("name")) {
      if (auto s = text(*v, "name")) {
        t.spec.name = *s;
        if (!names.insert(*s).second) error(*v, "test name '" + *s + "' is used by an earlier test; names must be unique");
      }
    } else {
      error(entry, what + " has no name; every test needs a unique name");
    }
    if (auto* v = get("description")) {
      if (auto s = text(*v, "description")) t.description = *s;
    }
    std::optional<std::string> pattern;
    if (auto* v = get("pattern")) {
      pattern = oneOf(*v, "pattern", patternNames(), true);
    } else {
      error(entry, what + " has no pattern; expected one of " + patternList());
    }
    const bool collective =
        pattern && std::find(kFlowPatterns.begin(), kFlowPatterns.end(), *pattern) == kFlowPatterns.end();
    if (auto* v = get("participants")) participants(*v, t.participants);
    if (auto* v = get("agents")) {
      if (auto x = integer(*v, "agents", 2, 100000)) t.participants.count = static_cast<int>(*x);
    }
    // Fabric settings, per test when given.
    Fabric f = fab;
    std::map<std::string, Val> fabric_keys;
    for (const char* k : {"transport", "dscp", "ecn", "interface"}) {
      if (const Val* v = get(k)) fabric_keys[k] = *v;
    }
    fabric(fabric_keys, f);
    t.spec.transport = f.transport;
    t.spec.transport_options.dscp = f.dscp;
    t.spec.transport_options.ecn = f.ecn;
    t.spec.transport_options.bind_interface = f.interface;
    for (const char* k : {"gso", "gro"}) {
      if (const Val* v = get(k)) {
        if (auto x = boolean(*v, k)) (std::string(k) == "gso" ? t.spec.transport_options.segmentation : t.spec.transport_options.coalescing) = *x;
      }
    }
    bool placement_known = true;
    if (collective) {
      detail::loadCollective(*this, entry, keys, patterns::parseCollectiveKind(*pattern, "pattern"),
                             fab.line_rate_gbps, t);
    } else {
      if (pattern) detail::collectiveKeyNotHere(*this, keys, *pattern);
      placement_known = flowKeys(pattern, keys, fab, t);
    }
    if (auto* v = get("outlier_ratio")) {
      if (collective || t.spec.placement != patterns::Placement::kMatrix) {
        if (keys.isOwn("outlier_ratio") && pattern && placement_known) {
          error(*v, "outlier_ratio" + quoted(*v) + ": only placement matrix has outlier pairs; this test's " +
                        (collective ? "pattern is " + *pattern
                                    : "placement is " + std::string(patterns::toString(t.spec.placement))));
        }
      } else if (auto x = number(*v, "outlier_ratio")) {
        if (*x > 1) error(*v, "outlier_ratio" + quoted(*v) + ": expected a number above 0 and at most 1");
        else t.spec.outlier_ratio = *x;
      }
    }
    if (auto* v = get("probe")) probe(*v, t);
    if (auto* v = get("slos")) {
      if (!v->node.IsSequence()) {
        error(*v, "slos is " + describe(v->node) + "; expected a list of expressions like 'loss_ratio == 0'");
      } else {
        for (const auto& s : v->node) {
          const Val sv{s, v->file};
          if (auto e = text(sv, "slo")) t.slos.push_back({*e, posOf(sv)});
        }
      }
    }
    if (t.participants.count > 0 && t.participants.count < 2) {
      error(entry, what + ": a test needs at least 2 agents");
    }
    // Cross-field checks, only when every value parsed (else they would repeat those errors).
    // A collective's run through patterns::validate in loadCollective.
    if (!collective && diags.size() == errors_before) validateFlows(entry, keys, t);
    suite.tests.push_back(std::move(t));
  }

  // The keys of the flow patterns (pingpong, stream, microburst, incast) into t.spec.params and
  // t.spec.placement. Returns false when the placement is unknown (its key was refused).
  bool flowKeys(const std::optional<std::string>& pattern, const TestKeys& keys, const Fabric& fab, SuiteTest& t) {
    auto get = [&](const std::string& k) { return keys.get(k); };
    auto& p = t.spec.params;
    const bool incast_pattern = pattern == "incast";
    if (pattern) p.kind = patterns::parsePatternKind(incast_pattern ? "microburst" : *pattern, "pattern");
    bool placement_known = true;
    t.spec.placement = incast_pattern ? patterns::Placement::kIncast : patterns::Placement::kPairs;
    if (auto* v = get("placement")) {
      placement_known = false;
      if (auto s = oneOf(*v, "placement", {"pairs", "ring", "permutation", "incast", "matrix"})) {
        t.spec.placement = patterns::parsePlacement(*s, "placement");
        placement_known = true;
        if (incast_pattern && t.spec.placement != patterns::Placement::kIncast) {
          error(*v, "placement '" + *s + "': pattern incast is always placed as incast (M senders -> 1 receiver)");
        }
      }
    }
    if (auto* v = get("fan_in")) {
      if (t.spec.placement != patterns::Placement::kIncast) {
        error(*v, "fan_in: only incast tests have a fan-in (set pattern: incast or placement: incast)");
      } else if (keys.isOwn("agents") || (!keys.isOwn("fan_in") && keys.defaults.count("agents"))) {
        error(*v, "fan_in: give either agents or fan_in (fan_in N runs N senders and 1 receiver)");
      } else if (auto x = integer(*v, "fan_in", 1, 99999)) {
        t.participants.count = static_cast<int>(*x) + 1;
      }
    }
    if (auto* v = get("size")) {
      if (auto x = unit(*v, "size", "a size like 1400 or 64KiB", model::parseSize)) {
        if (*x > UINT32_MAX) {
          error(*v, "size '" + v->node.Scalar() + "': above the largest message of 4 GiB");
        } else {
          p.size_bytes = static_cast<uint32_t>(*x);
        }
      }
    }
    if (auto* v = get("flows")) {
      if (auto x = integer(*v, "flows", 1, 4096)) p.flows = static_cast<uint32_t>(*x);
    }
    if (auto* v = get("bidirectional")) {
      if (auto x = boolean(*v, "bidirectional")) p.bidirectional = *x;
    }
    if (auto* v = get("rate")) rate(*v, fab.line_rate_gbps, p);
    if (auto* v = get("burst")) {
      if (auto x = unit(*v, "burst", "a size like 64KiB", model::parseSize)) p.burst_bytes = *x;
    }
    if (auto* v = get("burst_interval")) {
      if (auto x = unit(*v, "burst_interval", "a duration like 1ms", model::parseDurationNs)) p.burst_interval_ns = *x;
    }
    const Val* duration = get("duration");
    const Val* iterations = get("iterations");
    if (duration && iterations) {
      // A test's own choice overrides the other one from defaults.
      if (keys.isOwn("duration") && !keys.isOwn("iterations")) iterations = nullptr;
      else if (keys.isOwn("iterations") && !keys.isOwn("duration")) duration = nullptr;
      else error(*iterations, "iterations: give either duration or iterations, not both");
    }
    if (duration) {
      if (auto x = unit(*duration, "duration", "a duration like 10s", model::parseDurationNs)) p.duration_ns = *x;
    }
    if (iterations) {
      if (auto x = integer(*iterations, "iterations", 1, int64_t{1} << 40)) p.iterations = static_cast<uint64_t>(*x);
    }
    if (!duration && !iterations) p.duration_ns = p.kind == patterns::PatternKind::kPingpong ? 0 : 5'000'000'000;
    if (!duration && !iterations && p.kind == patterns::PatternKind::kPingpong) p.iterations = 10'000;
    if (auto* v = get("warmup")) {
      if (auto x = unit(*v, "warmup", "a duration like 500ms", model::parseDurationNs)) p.warmup_ns = *x;
    }
    if (auto* v = get("warmup_iterations")) {
      if (auto x = integer(*v, "warmup_iterations", 1, int64_t{1} << 40)) p.warmup_iterations = static_cast<uint64_t>(*x);
    }
    if (auto* v = get("payload_check")) {
      if (auto x = boolean(*v, "payload_check")) p.payload_check = *x;
    }
    if (auto* v = get("reply_timeout")) {
      if (auto x = unit(*v, "reply_timeout", "a duration like 100ms", model::parseDurationNs)) p.reply_timeout_ns = *x;
    }
    if (auto* v = get("seed")) {
      if (auto x = integer(*v, "seed", 0, UINT32_MAX)) t.spec.seed = static_cast<uint32_t>(*x);
    }
    return placement_known;
  }

  // patterns::validate over a flow test's parameters; its error keeps the key's position.
  void validateFlows(const Val& entry, const TestKeys& keys, const SuiteTest& t) {
    // A key as validate() should name it: with its position when the suite gives it.
    auto where = [&](const std::string& k) {
      const Val* v = keys.get(k);
      return v ? posOf(*v).str() + ": " + k : k;
    };
    try {
      patterns::ParamNames n{where("size"),     where("flows"),    where("rate"),      where("burst"),
                             where("burst_interval"), where("duration"), where("iterations")};
      patterns::validate(t.spec.params, t.spec.transport == "udp" ? 65507 : 1u << 30, t.spec.transport, n);
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
      diags.push_back(d);
    }
  }

  // `probe:` — a pingpong probe while the test's own flows load the fabric.
  void probe(const Val& v, SuiteTest& t) {
    auto e = entries(v, kProbeKeys, "probe");
    if (!v.node.IsMap()) return;
    if (t.spec.collective && t.spec.collective->sweep().size() > 1) {
      error(v, "probe: a sweep runs several rounds (one per size, " + std::to_string(t.spec.collective->sweep().size()) +
                   " here); a probe needs a single round (give one size)");
      return;
    }
    if (!t.spec.collective && t.spec.params.kind == patterns::PatternKind::kPingpong) {
      error(v, "probe: a probe measures latency under load; this test's pattern pingpong makes no load (use stream, microburst or incast)");
      return;
    }
    if (!t.spec.collective && t.spec.placement == patterns::Placement::kMatrix) {
      error(v, "probe: placement matrix runs in several rounds; a probe needs a placement that runs once (pairs, ring, permutation, incast)");
      return;
    }
    model::ProbeSpec pr;
    pr.params.kind = patterns::PatternKind::kPingpong;
    pr.params.size_bytes = 64;
    pr.params.warmup_iterations = 10;
    if (e.count("size")) {
      if (auto x = unit(e.at("size"), "probe.size", "a size like 64 or 1KiB", model::parseSize)) {
        if (*x < 32 || *x > 65507) error(e.at("size"), "probe.size '" + e.at("size").node.Scalar() + "': expected 32 to 65507 bytes");
        else pr.params.size_bytes = static_cast<uint32_t>(*x);
      }
    }
    if (e.count("dscp")) {
      if (auto x = integer(e.at("dscp"), "probe.dscp", 0, 63)) pr.dscp = static_cast<int>(*x);
    }
    if (e.count("between")) {
      const Val& b = e.at("between");
      if (!b.node.IsSequence() || b.node.size() != 2) {
        error(b, "probe.between is " + describe(b.node) + "; expected two positions of the test's agents, like [0, 1]");
      } else {
        auto from = integer(Val{b.node[0], b.file}, "probe.between[0]", 0, 100000);
        auto to = integer(Val{b.node[1], b.file}, "probe.between[1]", 0, 100000);
        if (from && to && *from == *to) error(b, "probe.between: the two positions must differ");
        if (from) pr.from = static_cast<int>(*from);
        if (to) pr.to = static_cast<int>(*to);
      }
    }
    if (e.count("idle_duration")) {
      if (auto x = unit(e.at("idle_duration"), "probe.idle_duration", "a duration like 1s", model::parseDurationNs)) {
        if (*x <= 0) error(e.at("idle_duration"), "probe.idle_duration: expected a duration above 0");
        else pr.idle_duration_ns = *x;
      }
    }
    if (e.count("reply_timeout")) {
      if (auto x = unit(e.at("reply_timeout"), "probe.reply_timeout", "a duration like 100ms", model::parseDurationNs)) {
        pr.params.reply_timeout_ns = *x;
      }
    }
    if (e.count("warmup_iterations")) {
      if (auto x = integer(e.at("warmup_iterations"), "probe.warmup_iterations", 0, int64_t{1} << 40)) {
        pr.params.warmup_iterations = static_cast<uint64_t>(*x);
      }
    }
    t.spec.probe = pr;
  }

  // Parses one file's text; a syntax error becomes a diagnostic.
  std::optional<Val> parse(const std::string& text, const std::string* file) {
    try {
      return Val{YAML::Load(text), file};
    } catch (const YAML::ParserException& e) {
      diags.push_back({{*file, e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg});
    } catch (const YAML::Exception& e) {
      diags.push_back({{*file, 0, 0}, std::string("YAML: ") + e.what()});
    }
    return std::nullopt;
  }
};

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SuiteError({{{path, 0, 0}, std::string("cannot read the file: ") + std::strerror(errno)}});
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Suite parseSuite(const std::string& text, const std::string& file,
                 const std::vector<std::pair<std::string, std::string>>& site_files) {
  Loader L;
  Suite suite;
  suite.file = file;
  auto root = L.parse(text, &suite.file);
  if (!root) throw SuiteError(L.diags);
  if (root->node.IsNull()) throw SuiteError({{{file, 1, 1}, "the suite is empty; expected name and tests"}});
  auto top = L.entries(*root, kTopKeys, "the suite");
  if (!root->node.IsMap()) throw SuiteError(L.diags);

  if (top.count("name")) {
    if (auto s = L.text(top.at("name"), "name")) suite.name = *s;
  } else {
    L.error(*root, "the suite has no name; expected a top-level 'name:'");
  }
  if (top.count("description")) {
    if (auto s = L.text(top.at("description"), "description")) suite.description = *s;
  }
  // fabric: and defaults:, overlaid by the site files in order (entries keep their own file).
  std::map<std::string, Val> fabric_e, defaults_e;
  if (top.count("fabric")) fabric_e = L.entries(top.at("fabric"), kFabricKeys, "fabric");
  std::vector<std::string> default_keys;
  for (const auto& k : testKeys()) {
    if (!detail::kNotDefaults.count(k)) default_keys.push_back(k);
  }
  if (top.count("defaults")) defaults_e = L.entries(top.at("defaults"), default_keys, "defaults");
  std::vector<std::string> site_names;
  for (const auto& sf : site_files) site_names.push_back(sf.first);
  suite.site_files = site_names;
  for (size_t i = 0; i < site_files.size(); ++i) {
    auto site = L.parse(site_files[i].second, &suite.site_files[i]);
    if (!site || site->node.IsNull()) continue;
    auto st = L.entries(*site, kSiteKeys, "the site file");
    if (st.count("fabric")) {
      for (auto& [k, v] : L.entries(st.at("fabric"), kFabricKeys, "fabric")) fabric_e[k] = v;
    }
    if (st.count("defaults")) {
      for (auto& [k, v] : L.entries(st.at("defaults"), default_keys, "defaults")) defaults_e[k] = v;
    }
  }
  L.fabric(fabric_e, suite.fabric);
  for (const char* k : {"gso", "gro"}) {
    if (fabric_e.count(k) && !defaults_e.count(k)) defaults_e[k] = fabric_e.at(k);
  }

  if (!top.count("tests")) {
    L.error(*root, "the suite has no tests; expected a top-level 'tests:' list");
  } else if (!top.at("tests").node.IsSequence() || top.at("tests").node.size() == 0) {
    L.error(top.at("tests"), "tests is " + L.describe(top.at("tests").node) + "; expected a non-empty list of tests");
  } else {
    std::set<std::string> names;
    size_t i = 0;
    for (const auto& t : top.at("tests").node) L.test(Val{t, &suite.file}, i++, defaults_e, suite.fabric, names, suite);
  }
  if (!L.diags.empty()) {
    std::stable_sort(L.diags.begin(), L.diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.pos.file, a.pos.line, a.pos.column) < std::tie(b.pos.file, b.pos.line, b.pos.column);
    });
    // A bad value in `defaults:` is read once per test; say it once.
    L.diags.erase(std::unique(L.diags.begin(), L.diags.end(),
                              [](const Diagnostic& a, const Diagnostic& b) {
                                return a.pos.str() == b.pos.str() && a.message == b.message;
                              }),
                  L.diags.end());
    throw SuiteError(L.diags);
  }
  return suite;
}

Suite loadSuite(const std::string& path, const std::vector<std::string>& site_files) {
  std::vector<std::pair<std::string, std::string>> sites;
  for (const auto& s : site_files) sites.emplace_back(s, readFile(s));
  return parseSuite(readFile(path), path, sites);
}

}  // namespace fabcheck::suite
