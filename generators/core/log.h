// The one logger (DESIGN.md "Logging"): levels, a host/rank prefix, to stderr.
// Results never go through the log; they go out through reporters or the CLI's table/JSON.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace fabcheck::log {

// Sets the prefix shown on every line (e.g. "node07/agent3") and the level
// ("trace", "debug", "info", "warn", "error", "off"). Throws ConfigError on an unknown level.
void configure(std::string_view prefix, std::string_view level);

// The shared logger. Safe to use before configure() (prefix "fabcheck", level "warn").
spdlog::logger& get();

template <typename... Args>
void debug(spdlog::format_string_t<Args...> fmt, Args&&... args) { get().debug(fmt, std::forward<Args>(args)...); }
template <typename... Args>
void info(spdlog::format_string_t<Args...> fmt, Args&&... args) { get().info(fmt, std::forward<Args>(args)...); }
template <typename... Args>
void warn(spdlog::format_string_t<Args...> fmt, Args&&... args) { get().warn(fmt, std::forward<Args>(args)...); }
template <typename... Args>
void error(spdlog::format_string_t<Args...> fmt, Args&&... args) { get().error(fmt, std::forward<Args>(args)...); }

}  // namespace fabcheck::log
