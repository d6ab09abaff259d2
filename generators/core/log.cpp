#include "generators/core/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>

#include "generators/core/errors.h"

namespace fabcheck::log {
namespace {

// Keeps the last kKept formatted lines, numbered from 0.
class KeepSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr size_t kKept = 1000;
  uint64_t next() {
    std::lock_guard lock(mutex_);
    return next_;
  }
  std::vector<std::string> since(uint64_t mark, size_t max) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    const uint64_t first = next_ - lines_.size();
    uint64_t from = std::max(mark, first);
    if (next_ - from > max) from = next_ - max;
    for (uint64_t i = from; i < next_; ++i) out.push_back(lines_[static_cast<size_t>(i - first)]);
    return out;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::string line(buf.data(), buf.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    lines_.push_back(std::move(line));
    if (lines_.size() > kKept) lines_.pop_front();
    ++next_;
  }
  void flush_() override {}

 private:
  std::deque<std::string> lines_;
  uint64_t next_ = 0;
};

std::mutex g_mutex;
std::shared_ptr<spdlog::logger> g_logger;
const std::shared_ptr<KeepSink> g_kept = std::make_shared<KeepSink>();

std::shared_ptr<spdlog::logger> make(std::string_view prefix) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(std::string(prefix), spdlog::sinks_init_list{sink, g_kept});
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

uint64_t mark() { return g_kept->next(); }

std::vector<std::string> linesSince(uint64_t mark, size_t max) { return g_kept->since(mark, max); }

}  // namespace fabcheck::log
