// Helpers for parsing a launcher's options (createLauncher's name → value map), shared by the
// ssh, slurm and mpirun launchers. Each error is a ConfigError whose text starts with
// "<launcher> launcher: " and names the option, its value and what was expected.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fabcheck::launch {

using OptionMap = std::map<std::string, std::string>;

// Throws ConfigError "<launcher> launcher: unknown option '<key>'; expected one of: <known, ', '
// separated, sorted>" for the first key of `options` (in map order) that is not in `known`.
void checkOptionNames(const std::string& launcher, const OptionMap& options, const std::set<std::string>& known);

// The value of `key`, "" when it is absent.
std::string optionValue(const OptionMap& options, const std::string& key);

// `text` split at whitespace (spaces, tabs, newlines), empty words dropped.
std::vector<std::string> splitWords(const std::string& text);

// "1", "yes", "true" → true; "0", "no", "false" → false; anything else (also "") → nullopt.
std::optional<bool> parseYesNo(const std::string& value);

// `value` as a whole number from `min` to `max` (0 <= min <= max): decimal digits only, no sign,
// at most as many digits as `max` has; nullopt otherwise.
std::optional<long> parseWholeNumber(const std::string& value, long min, long max);

}  // namespace fabcheck::launch
