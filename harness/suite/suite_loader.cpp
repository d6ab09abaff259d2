#include "harness/suite/suite_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "harness/model/units.h"
#include "harness/suite/flow_loader.h"
#include "harness/suite/pattern_registry.h"
#include "harness/suite/probe_loader.h"
#include "harness/suite/suite_reader.h"
#include "harness/suite/yaml_document.h"
#include "harness/suite/counters_loader.h"
#include "harness/suite/report_loader.h"
#include "harness/suite/verbs_loader.h"

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

const std::vector<std::string> kTopKeys = {"name", "description", "min_agents", "fabric", "defaults", "report", "tests"};
const std::vector<std::string> kSiteKeys = {"fabric", "defaults", "report", "switches"};  // switches: site_loader.h
const std::vector<std::string> kFabricKeys = {"transport", "dscp", "ecn", "line_rate_gbps", "mtu", "interface",
                                              "gso", "gro"};
// Keys every test may set whatever its pattern (and `defaults:` may give every test, but
// detail::kNotDefaults); each pattern adds its own (Pattern::keys(), pattern_registry.h).
const std::vector<std::string> kCommonTestKeys = {"name", "description", "pattern", "participants", "agents",
                                                  "transport", "dscp", "ecn", "interface", "gso",
                                                  "gro", "probe", "counters", "slos"};
// The common keys, the verbs transport's (verbs_loader.h), then every registered pattern's in
// registry order.
std::vector<std::string> testKeys() {
  auto k = kCommonTestKeys;
  k.insert(k.end(), detail::verbsSuiteKeys().begin(), detail::verbsSuiteKeys().end());
  for (const auto& p : patternRegistry()) {
    for (const auto& key : p->keys()) {
      if (std::find(k.begin(), k.end(), key) == k.end()) k.push_back(key);
    }
  }
  return k;
}
bool isCommonKey(const std::string& key) {
  const auto& verbs = detail::verbsSuiteKeys();
  return std::find(kCommonTestKeys.begin(), kCommonTestKeys.end(), key) != kCommonTestKeys.end() ||
         std::find(verbs.begin(), verbs.end(), key) != verbs.end();
}
std::vector<std::string> patternNames() {
  std::vector<std::string> names;
  for (const auto& p : patternRegistry()) names.push_back(p->name());
  return names;
}
// "collective tests (all_reduce, ...)" when every pattern taking a key is of one metric family
// that is none of them; else "tests of pattern a, b".
std::string takersText(const std::vector<std::string>& takers) {
  std::string list, family;
  bool one_family = !takers.empty();
  for (const auto& name : takers) {
    list += (list.empty() ? "" : ", ") + name;
    const auto p = findPattern(name);
    const std::string f = p ? p->metricFamily() : name;
    if (family.empty()) family = f;
    one_family = one_family && f == family && f != name;
  }
  return one_family ? family + " tests (" + list + ")" : "tests of pattern " + list;
}

class Loader : public detail::SuiteReader {
 public:
  void fabric(const std::map<std::string, Val>& e, Fabric& f) {
    auto get = [&](const char* k) { return e.count(k) ? &e.at(k) : nullptr; };
    if (auto* v = get("transport")) {
      if (auto s = oneOf(*v, "transport", {"udp", "tcp", "verbs", "loop"})) f.transport = *s;
    }
    if (auto* v = get("dscp")) {
      if (auto x = integer(*v, "dscp", 0, 63)) f.dscp = static_cast<int>(*x);
    }
    if (auto* v = get("ecn")) {
      if (auto x = ecn(*v, "ecn")) f.ecn = *x;
      if (f.transport == "tcp" && f.ecn != 0) {
        error(*v, "ecn '" + v->node.Scalar() + "': transport tcp cannot send a chosen ECN codepoint (the kernel's TCP marks ECT "
                  "itself, per net.ipv4.tcp_ecn); expected off, or transport udp");
      }
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
    nameKeys(entry, what, keys, names, t);
    const PatternPtr pattern = patternKey(entry, what, keys);
    if (auto* v = keys.get("participants")) participants(*v, t.participants);
    if (auto* v = keys.get("agents")) {
      if (auto x = integer(*v, "agents", 2, 100000)) t.participants.count = static_cast<int>(*x);
    }
    transportKeys(keys, fab, t);
    const PatternKeys in{*this, entry, keys, fab, diags.size()};
    if (pattern) {
      t.spec.pattern = pattern->name();
      foreignKeys(*pattern, keys);
      pattern->load(in, t);
    } else {
      detail::loadFlowKeys(*this, std::nullopt, false, keys, fab, t);  // an unknown pattern: its keys' own errors
    }
    if (auto* v = keys.get("probe")) detail::loadProbe(*this, *v, pattern.get(), t);
    if (auto* v = keys.get("counters")) detail::loadCounterKeys(*this, *v, t);
    if (auto* v = keys.get("slos")) slos(*v, t);
    detail::checkVerbsTest(*this, entry, keys, t);
    if (t.participants.count > 0 && t.participants.count < 2) {
      error(entry, what + ": a test needs at least 2 agents");
    }
    // Cross-field checks, only when every value parsed (else they would repeat those errors).
    if (pattern && diags.size() == errors_before) pattern->check(in, t);
    suite.tests.push_back(std::move(t));
  }

  void nameKeys(const Val& entry, const std::string& what, const TestKeys& keys, std::set<std::string>& names,
                SuiteTest& t) {
    if (auto* v = keys.get("name")) {
      if (auto s = text(*v, "name")) {
        t.spec.name = *s;
        if (!names.insert(*s).second) error(*v, "test name '" + *s + "' is used by an earlier test; names must be unique");
      }
    } else {
      error(entry, what + " has no name; every test needs a unique name");
    }
    if (auto* v = keys.get("description")) {
      if (auto s = text(*v, "description")) t.description = *s;
    }
  }

  // The test's pattern from the registry; nullptr (with a diagnostic) when missing or unknown.
  PatternPtr patternKey(const Val& entry, const std::string& what, const TestKeys& keys) {
    if (auto* v = keys.get("pattern")) {
      if (auto s = oneOf(*v, "pattern", patternNames(), true)) return findPattern(*s);
      return nullptr;
    }
    error(entry, what + " has no pattern; expected one of " + patternNameList());
    return nullptr;
  }

  // Fabric settings, per test when given, and gso/gro.
  void transportKeys(const TestKeys& keys, const Fabric& fab, SuiteTest& t) {
    Fabric f = fab;
    std::map<std::string, Val> fabric_keys;
    for (const char* k : {"transport", "dscp", "ecn", "interface"}) {
      if (const Val* v = keys.get(k)) fabric_keys[k] = *v;
    }
    fabric(fabric_keys, f);
    t.spec.transport = f.transport;
    t.spec.transport_options.dscp = f.dscp;
    t.spec.transport_options.ecn = f.ecn;
    t.spec.transport_options.bind_interface = f.interface;
    for (const char* k : {"gso", "gro"}) {
      if (const Val* v = keys.get(k)) {
        if (auto x = boolean(*v, k)) (std::string(k) == "gso" ? t.spec.transport_options.segmentation : t.spec.transport_options.coalescing) = *x;
      }
    }
    detail::loadVerbsKeys(*this, keys, t);
  }

  // Every key the test sets itself that its pattern does not take (one from `defaults:` is ignored).
  void foreignKeys(const Pattern& pattern, const TestKeys& keys) {
    const auto mine = pattern.keys();
    for (const auto& k : testKeys()) {
      if (!keys.isOwn(k) || isCommonKey(k) || std::find(mine.begin(), mine.end(), k) != mine.end()) continue;
      const Val& v = keys.own.at(k);
      std::string why = pattern.keyNotHere(k);
      if (why.empty()) {
        why = "only " + takersText(patternsTaking(k)) + " take " + k + "; this test's pattern is " + pattern.name();
      }
      error(v, k + quoted(v) + ": " + why);
    }
  }

  void slos(const Val& v, SuiteTest& t) {
    if (!v.node.IsSequence()) {
      error(v, "slos is " + describe(v.node) + "; expected a list of expressions like 'loss_ratio == 0'");
      return;
    }
    for (const auto& s : v.node) {
      const Val sv{s, v.file};
      if (auto e = text(sv, "slo")) t.slos.push_back({*e, posOf(sv)});
    }
  }

  // Parses one file's text (yaml_document.h); a syntax error, a second document or text that is
  // not UTF-8 becomes a diagnostic.
  std::optional<Val> parse(const std::string& text, const std::string* file) {
    auto root = detail::loadYamlDocument(text, *file, diags);
    if (!root) return std::nullopt;
    return Val{*root, file};
  }
};

std::string readFile(const std::string& path) {
  std::string why;
  std::optional<std::string> text = detail::readYamlFile(path, why);
  if (!text) throw SuiteError({{{path, 0, 0}, "cannot read the file: " + why}});
  return std::move(*text);
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
  if (top.count("min_agents")) {
    if (auto n = L.integer(top.at("min_agents"), "min_agents", 1, 100000)) {
      suite.min_agents = static_cast<int>(*n);
      suite.min_agents_pos = posOf(top.at("min_agents"));
    }
  }
  // fabric: and defaults:, overlaid by the site files in order (entries keep their own file).
  std::map<std::string, Val> fabric_e, defaults_e, report_e;
  if (top.count("fabric")) fabric_e = L.entries(top.at("fabric"), kFabricKeys, "fabric");
  if (top.count("report")) report_e = L.entries(top.at("report"), detail::kReportKeys, "report");
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
    if (st.count("report")) {
      for (auto& [k, v] : L.entries(st.at("report"), detail::kReportKeys, "report")) report_e[k] = v;
    }
  }
  L.fabric(fabric_e, suite.fabric);
  detail::loadReportKeys(L, report_e, suite.report);
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
