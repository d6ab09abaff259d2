// The one logger (docs/architecture.md, "Conventions"): levels, a host/rank prefix, to stderr.
// Results never go through the log; they go out through reporters or the CLI's table/JSON.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fabcheck::log {

// Sets the prefix shown on every line (e.g. "node07/agent3") and the level
// ("trace", "debug", "info", "warn", "error", "off"). Throws ConfigError on an unknown level.
void configure(std::string_view prefix, std::string_view level);

// The shared logger. Safe to use before configure() (prefix "fabcheck", level "warn").
spdlog::logger& get();

// Every line the logger writes (at its level) is also kept in memory, the last 1000 of them,
// numbered. mark() is the number the next line will get; linesSince(m) returns the kept lines
// numbered m or later, at most `max` (the latest), formatted as on stderr without the newline.
// An agent sends its lines of a test with the test's results (reports show them).
uint64_t mark();
std::vector<std::string> linesSince(uint64_t mark, size_t max = 200);

template <typename... Args>
void debug(spdlog::format_string_t<Args...> fmt, Args&&... args) { get().debug(fmt, std::forward<Args>(args)...); }
template <typename... Args>
void info(spdlog::format_string_t<Args...> fmt, Args&&... args) { get().info(fmt, std::forward<Args>(args)...); }
template <typename... Args>
void warn(spdlog::format_string_t<Args...> fmt, Args&&... args) { get().warn(fmt, std::forward<Args>(args)...); }
template <typename... Args>
void error(spdlog::format_string_t<Args...> fmt, Args&&... args) { get().error(fmt, std::forward<Args>(args)...); }

}  // namespace fabcheck::log
