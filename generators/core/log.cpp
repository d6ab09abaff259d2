#include "generators/core/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <memory>
#include <mutex>

#include "generators/core/errors.h"

namespace fabcheck::log {
namespace {

std::mutex g_mutex;
std::shared_ptr<spdlog::logger> g_logger;

std::shared_ptr<spdlog::logger> make(std::string_view prefix) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(std::string(prefix), sink);
  logger->set_pattern("[%Y-%m-%dT%H:%M:%S.%e] [%n] %l: %v");
  return logger;
}

}  // namespace

void configure(std::string_view prefix, std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    throw ConfigError("log level '" + std::string(level) +
                      "' is not one of trace, debug, info, warn, error, off");
  }
  std::lock_guard lock(g_mutex);
  g_logger = make(prefix);
  g_logger->set_level(lvl);
}

spdlog::logger& get() {
  std::lock_guard lock(g_mutex);
  if (!g_logger) {
    g_logger = make("fabcheck");
    g_logger->set_level(spdlog::level::warn);
  }
  return *g_logger;
}

}  // namespace fabcheck::log
