// The site file's switches (site_loader.h).
#include "harness/suite/site_loader.h"

#include <cctype>

#include <algorithm>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "harness/model/units.h"
#include "harness/suite/suite_reader.h"
#include "harness/suite/yaml_document.h"

namespace fabcheck::suite {

namespace {

using detail::quoted;
using detail::SuiteReader;
using detail::Val;

const std::vector<std::string> kSiteTopKeys = {"switches", "fabric", "defaults", "report"};
const std::vector<std::string> kSwitchKeys = {"name", "address", "snmp", "ports", "timeout", "retries"};
const std::vector<std::string> kSnmpKeys = {"version",       "community_file", "user", "auth", "auth_key_file",
                                            "priv",          "priv_key_file"};
constexpr size_t kMinPassphrase = 8;  // net-snmp's USM_LENGTH_P_MIN

struct SiteReader : SuiteReader {
  std::string base_dir;

  // The secret in the key file `v` names (relative to the site file), trailing newline stripped.
  std::optional<std::string> keyFile(const Val& v, const std::string& key, std::string& resolved) {
    auto name = text(v, key);
    if (!name) return std::nullopt;
    resolved = (name->empty() || (*name)[0] == '/' || base_dir.empty()) ? *name : base_dir + "/" + *name;
    std::ifstream in(resolved, std::ios::binary);
    if (!in) {
      error(v, key + " '" + *name + "': cannot read " + resolved + ": " + std::strerror(errno));
      return std::nullopt;
    }
    std::ostringstream s;
    s << in.rdbuf();
    std::string secret = s.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (secret.empty()) {
      error(v, key + " '" + *name + "': " + resolved + " is empty; expected the secret on its first line");
      return std::nullopt;
    }
    return secret;
  }

  void passphrase(const Val& v, const std::string& key, const std::string& secret, const std::string& file) {
    if (secret.size() < kMinPassphrase) {
      error(v, key + quoted(v) + ": the passphrase in " + file + " has " + std::to_string(secret.size()) +
                   " characters; SNMPv3 needs at least 8");
    }
  }

  void v2c(const std::map<std::string, Val>& e, const Val& at, model::SnmpSpec& s) {
    for (const char* k : {"user", "auth", "auth_key_file", "priv", "priv_key_file"}) {
      if (e.count(k)) error(e.at(k), std::string("snmp.") + k + ": only SNMP version 3 takes it; this switch uses 2c");
    }
    if (!e.count("community_file")) {
      error(at, "snmp version 2c needs community_file (a file holding the community)");
      return;
    }
    if (auto c = keyFile(e.at("community_file"), "snmp.community_file", s.community_file)) s.community = *c;
  }

  void v3Auth(const std::map<std::string, Val>& e, const Val& at, model::SnmpSpec& s) {
    if (!e.count("auth")) {
      for (const char* k : {"auth_key_file", "priv", "priv_key_file"}) {
        if (e.count(k)) error(e.at(k), std::string("snmp.") + k + ": needs auth (md5, sha, sha256 or sha512) as well");
      }
      return;
    }
    static const std::map<std::string, model::SnmpAuth> kAuth = {
        {"md5", model::SnmpAuth::kMd5}, {"sha", model::SnmpAuth::kSha}, {"sha256", model::SnmpAuth::kSha256},
        {"sha512", model::SnmpAuth::kSha512}};
    if (auto a = oneOf(e.at("auth"), "snmp.auth", {"md5", "sha", "sha256", "sha512"})) s.auth = kAuth.at(*a);
    if (!e.count("auth_key_file")) return error(at, "snmp auth needs auth_key_file (a file holding the passphrase)");
    const Val& f = e.at("auth_key_file");
    if (auto k = keyFile(f, "snmp.auth_key_file", s.auth_key_file)) {
      s.auth_key = *k;
      passphrase(f, "snmp.auth_key_file", *k, s.auth_key_file);
    }
  }

  void v3Priv(const std::map<std::string, Val>& e, const Val& at, model::SnmpSpec& s) {
    if (!e.count("priv")) {
      if (e.count("priv_key_file")) error(e.at("priv_key_file"), "snmp.priv_key_file: needs priv (aes or des) as well");
      return;
    }
    if (auto p = oneOf(e.at("priv"), "snmp.priv", {"aes", "des"})) s.priv = *p == "aes" ? model::SnmpPriv::kAes : model::SnmpPriv::kDes;
    if (!e.count("priv_key_file")) return error(at, "snmp priv needs priv_key_file (a file holding the passphrase)");
    const Val& f = e.at("priv_key_file");
    if (auto k = keyFile(f, "snmp.priv_key_file", s.priv_key_file)) {
      s.priv_key = *k;
      passphrase(f, "snmp.priv_key_file", *k, s.priv_key_file);
    }
  }

  void snmp(const Val& v, model::SnmpSpec& s) {
    const auto e = entries(v, kSnmpKeys, "snmp");
    if (!v.node.IsMap()) return;
    if (!e.count("version")) return error(v, "snmp has no version; expected version: 2c or version: 3");
    auto ver = oneOf(e.at("version"), "snmp.version", {"2c", "3"});
    if (!ver) return;
    if (*ver == "2c") return v2c(e, v, s);
    s.version = model::SnmpVersion::kV3;
    if (e.count("community_file")) error(e.at("community_file"), "snmp.community_file: only SNMP version 2c takes it; this switch uses 3");
    if (!e.count("user")) error(v, "snmp version 3 needs user (the USM security name)");
    else if (auto u = text(e.at("user"), "snmp.user")) s.user = *u;
    v3Auth(e, v, s);
    v3Priv(e, v, s);
  }

  void ports(const Val& v, model::SwitchSpec& sw) {
    if (!v.node.IsSequence() || v.node.size() == 0) {
      return error(v, "ports is " + describe(v.node) + "; expected a list of port names like [Ethernet0, Ethernet4]");
    }
    std::set<std::string> seen;
    for (const auto& p : v.node) {
      const Val pv{p, v.file};
      auto n = text(pv, "ports entry");
      if (!n) continue;
      if (!seen.insert(*n).second) error(pv, "ports entry '" + *n + "' appears twice");
      else sw.ports.push_back(*n);
    }
  }

  void oneSwitch(const Val& v, model::Site& site) {
    model::SwitchSpec sw;
    sw.source = detail::posOf(v).str();
    const auto e = entries(v, kSwitchKeys, "a switch");
    if (!v.node.IsMap()) return;
    for (const char* k : {"name", "address", "snmp"}) {
      if (!e.count(k)) error(v, std::string("the switch has no ") + k);
    }
    if (e.count("name")) {
      if (auto n = text(e.at("name"), "name")) sw.name = *n;
      // The name is one part of metric names (switch.<name>.port.<port>.rx_discards).
      const bool part = !sw.name.empty() && std::all_of(sw.name.begin(), sw.name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
      });
      if (!part) error(e.at("name"), "name '" + sw.name + "': expected letters, digits, '_' and '-' (it is part of metric names)");
      for (const auto& other : site.switches) {
        if (!sw.name.empty() && other.name == sw.name) error(e.at("name"), "name '" + sw.name + "' is also the switch at " + other.source);
      }
    }
    if (e.count("address")) {
      if (auto a = text(e.at("address"), "address")) sw.address = *a;
      if (sw.address.empty()) error(e.at("address"), "address is empty; expected a host, host:port or unix:/path");
    }
    if (e.count("snmp")) snmp(e.at("snmp"), sw.snmp);
    if (e.count("ports")) ports(e.at("ports"), sw);
    if (e.count("timeout")) {
      if (auto t = unit(e.at("timeout"), "timeout", "a duration like 1s", model::parseDurationNs)) {
        if (*t < 10'000'000 || *t > 60'000'000'000) error(e.at("timeout"), "timeout" + quoted(e.at("timeout")) + ": expected 10ms to 60s");
        else sw.timeout_ns = *t;
      }
    }
    if (e.count("retries")) {
      if (auto r = integer(e.at("retries"), "retries", 0, 10)) sw.retries = static_cast<int>(*r);
    }
    site.switches.push_back(std::move(sw));
  }
};

}  // namespace

model::Site parseSite(const std::string& text, const std::string& file, const std::string& base_dir) {
  model::Site site;
  site.file = file;
  SiteReader r;
  r.base_dir = base_dir;
  std::vector<Diagnostic> diags;
  const auto loaded = detail::loadYamlDocument(text, file, diags);
  if (!loaded) throw SuiteError(diags);
  const YAML::Node root = *loaded;
  if (root.IsNull()) return site;
  const Val top{root, &site.file};
  const auto e = r.entries(top, kSiteTopKeys, "the site file");
  if (e.count("switches")) {
    const Val& list = e.at("switches");
    if (!list.node.IsSequence()) r.error(list, "switches is " + SuiteReader::describe(list.node) + "; expected a list of switches");
    else {
      for (const auto& s : list.node) r.oneSwitch(Val{s, &site.file}, site);
    }
  }
  if (!r.diags.empty()) throw SuiteError(r.diags);
  return site;
}

model::Site loadSite(const std::string& path) {
  std::string why;
  const std::optional<std::string> text = detail::readYamlFile(path, why);
  if (!text) throw ConfigError(path + ": cannot read the site file: " + why);
  const auto slash = path.rfind('/');
  return parseSite(*text, path, slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash));
}

std::vector<model::SwitchSpec> loadSiteSwitches(const std::vector<std::string>& paths) {
  std::vector<model::SwitchSpec> out;
  for (const auto& path : paths) {
    for (auto& sw : loadSite(path).switches) {
      for (const auto& other : out) {
        if (other.name == sw.name) {
          throw ConfigError(sw.source + ": switch name '" + sw.name + "' is also the switch at " + other.source);
        }
      }
      out.push_back(std::move(sw));
    }
  }
  return out;
}

const model::SwitchSpec& findSwitch(const model::Site& site, const std::string& name) {
  std::string known;
  for (const auto& s : site.switches) {
    if (s.name == name) return s;
    known += (known.empty() ? "" : ", ") + s.name;
  }
  throw ConfigError("switch '" + name + "' is not in the site file " + site.file +
                    (known.empty() ? "; it has no switches: section" : "; it has " + known));
}

}  // namespace fabcheck::suite
