#include "harness/suite/suite_reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "harness/model/units.h"

namespace fabcheck::suite::detail {

SourcePos posOf(const Val& v) {
  const YAML::Mark m = v.node.Mark();
  if (m.is_null()) return {*v.file, 0, 0};
  return {*v.file, m.line + 1, m.column + 1};
}

const std::set<std::string> kNotDefaults = {"name", "description", "probe", "slos"};

const Val* TestKeys::get(const std::string& key) const {
  if (own.count(key)) return &own.at(key);
  if (!kNotDefaults.count(key) && defaults.count(key)) return &defaults.at(key);
  return nullptr;
}

std::string quoted(const Val& v) { return v.node.IsScalar() ? " '" + v.node.Scalar() + "'" : ""; }

void SuiteReader::error(const Val& v, const std::string& message) { diags.push_back({posOf(v), message}); }

std::string SuiteReader::describe(const YAML::Node& n) {
  if (n.IsScalar()) return "'" + n.Scalar() + "'";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "nothing";
}

std::map<std::string, Val> SuiteReader::entries(const Val& map, const std::vector<std::string>& known,
                                                const std::string& what) {
  std::map<std::string, Val> out;
  if (!map.node.IsMap()) {
    error(map, what + " is " + describe(map.node) + "; expected a mapping of keys");
    return out;
  }
  for (auto it = map.node.begin(); it != map.node.end(); ++it) {
    const Val key{it->first, map.file};
    const std::string k = it->first.IsScalar() ? it->first.Scalar() : "";
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      const std::string near = nearestKey(k, known);
      error(key, "unknown key '" + k + "' in " + what + (near.empty() ? "" : "; did you mean '" + near + "'?"));
      continue;
    }
    if (out.count(k)) {
      error(key, "key '" + k + "' appears twice in " + what);
      continue;
    }
    out[k] = Val{it->second, map.file};
  }
  return out;
}

std::optional<std::string> SuiteReader::scalar(const Val& v, const std::string& key, const std::string& expected) {
  if (!v.node.IsScalar()) {
    error(v, key + " is " + describe(v.node) + "; expected " + expected);
    return std::nullopt;
  }
  return v.node.Scalar();
}

std::optional<std::string> SuiteReader::text(const Val& v, const std::string& key) {
  return scalar(v, key, "a string");
}

std::optional<int64_t> SuiteReader::integer(const Val& v, const std::string& key, int64_t lo, int64_t hi) {
  const std::string expected = "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
  auto s = scalar(v, key, expected);
  if (!s) return std::nullopt;
  if (s->empty() || s->size() > 18 || s->find_first_not_of("0123456789") != std::string::npos ||
      std::stoll(*s) < lo || std::stoll(*s) > hi) {
    error(v, key + " '" + *s + "': expected " + expected);
    return std::nullopt;
  }
  return std::stoll(*s);
}

std::optional<double> SuiteReader::number(const Val& v, const std::string& key) {
  auto s = scalar(v, key, "a positive number");
  if (!s) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(s->c_str(), &end);
  if (s->empty() || *end != '\0' || errno != 0 || !std::isfinite(d) || d <= 0 ||
      s->find_first_of("xXpP") != std::string::npos) {
    error(v, key + " '" + *s + "': expected a positive number");
    return std::nullopt;
  }
  return d;
}

std::optional<bool> SuiteReader::boolean(const Val& v, const std::string& key) {
  auto s = scalar(v, key, "true or false");
  if (!s) return std::nullopt;
  if (*s == "true" || *s == "yes" || *s == "on") return true;
  if (*s == "false" || *s == "no" || *s == "off") return false;
  error(v, key + " '" + *s + "': expected true or false");
  return std::nullopt;
}

std::optional<int> SuiteReader::ecn(const Val& v, const std::string& key) {
  auto s = scalar(v, key, "off, ect0, ect1, ce or 0..3");
  if (!s) return std::nullopt;
  static const std::map<std::string, int> names = {{"off", 0}, {"not-ect", 0}, {"ect1", 1}, {"ect0", 2},
                                                   {"ce", 3},  {"0", 0},       {"1", 1},    {"2", 2}, {"3", 3}};
  auto it = names.find(*s);
  if (it == names.end()) {
    error(v, key + " '" + *s + "': expected off, ect0, ect1, ce or 0..3");
    return std::nullopt;
  }
  return it->second;
}

std::optional<std::string> SuiteReader::oneOf(const Val& v, const std::string& key,
                                              const std::vector<std::string>& choices, bool dashes_as_underscores) {
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  auto s = scalar(v, key, "one of " + list);
  if (!s) return std::nullopt;
  std::string name = *s;
  if (dashes_as_underscores) std::replace(name.begin(), name.end(), '-', '_');
  if (std::find(choices.begin(), choices.end(), name) == choices.end()) {
    const std::string near = nearestKey(name, choices);
    error(v, key + " '" + *s + "': expected one of " + list + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    return std::nullopt;
  }
  return name;
}

bool SuiteReader::rate(const Val& v, double line_rate_gbps, patterns::PatternParams& p) {
  auto s = scalar(v, "rate", "a rate like 10Gbit/s, 1Mpps or 90%");
  if (!s) return false;
  if (!s->empty() && s->back() == '%') {
    const std::string num = s->substr(0, s->size() - 1);
    char* end = nullptr;
    const double pct = std::strtod(num.c_str(), &end);
    if (num.empty() || *end != '\0' || !(pct > 0 && pct <= 100)) {
      error(v, "rate '" + *s + "': expected a percentage of the line rate above 0 and at most 100%");
      return false;
    }
    if (line_rate_gbps <= 0) {
      error(v, "rate '" + *s + "': a percentage needs fabric.line_rate_gbps (set it in the suite or a site file)");
      return false;
    }
    p.rate_bps = pct / 100.0 * line_rate_gbps * 1e9;
    return true;
  }
  try {
    const model::Rate r = model::parseRate(*s, "rate");
    p.rate_bps = r.bits_per_second;
    p.rate_pps = r.packets_per_second;
  } catch (const ConfigError& e) {
    error(v, e.what());
    return false;
  }
  if (line_rate_gbps > 0 && p.rate_bps > line_rate_gbps * 1e9) {
    error(v, "rate '" + *s + "': above the fabric's line rate of " + model::formatRate(line_rate_gbps * 1e9) +
                 " (fabric.line_rate_gbps)");
    return false;
  }
  return true;
}

}  // namespace fabcheck::suite::detail
