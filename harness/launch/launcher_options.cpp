#include "harness/launch/launcher_options.h"

#include <sstream>

#include "generators/core/errors.h"

namespace fabcheck::launch {

void checkOptionNames(const std::string& launcher, const OptionMap& options, const std::set<std::string>& known) {
  for (const auto& [k, v] : options) {
    if (known.count(k) != 0) continue;
    std::string names;
    for (const auto& n : known) names += (names.empty() ? "" : ", ") + n;
    throw ConfigError(launcher + " launcher: unknown option '" + k + "'; expected one of: " + names);
  }
}

std::string optionValue(const OptionMap& options, const std::string& key) {
  const auto it = options.find(key);
  return it == options.end() ? std::string() : it->second;
}

std::vector<std::string> splitWords(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::optional<bool> parseYesNo(const std::string& value) {
  if (value == "1" || value == "yes" || value == "true") return true;
  if (value == "0" || value == "no" || value == "false") return false;
  return std::nullopt;
}

std::optional<long> parseWholeNumber(const std::string& value, long min, long max) {
  if (value.empty() || value.size() > std::to_string(max).size() ||
      value.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const long n = std::stol(value);
  if (n < min || n > max) return std::nullopt;
  return n;
}

}  // namespace fabcheck::launch
