#include "harness/cli/progress.h"

#include <algorithm>
#include <chrono>

#include "generators/core/clock.h"

namespace fabcheck::cli {

Progress::Progress(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {
  if (terminal_) thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() {
  {
    std::lock_guard<std::mutex> l(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Progress::start(size_t index, size_t total, const std::string& title, int64_t expected_ns) {
  std::lock_guard<std::mutex> l(mu_);
  title_ = "[" + std::to_string(index + 1) + "/" + std::to_string(total) + "] " + title;
  started_ns_ = monoNowNs();
  expected_ns_ = expected_ns;
  active_ = true;
  if (terminal_) {
    draw();
  } else {
    std::fprintf(out_, "%s: running\n", title_.c_str());
    std::fflush(out_);
  }
}

void Progress::finish(const std::string& line) {
  std::lock_guard<std::mutex> l(mu_);
  active_ = false;
  std::fprintf(out_, terminal_ ? "\r\033[2K%s\n" : "%s\n", line.c_str());
  std::fflush(out_);
}

void Progress::message(const std::string& line) {
  std::lock_guard<std::mutex> l(mu_);
  std::fprintf(out_, terminal_ && active_ ? "\r\033[2K%s\n" : "%s\n", line.c_str());
  if (terminal_ && active_) draw();
  std::fflush(out_);
}

void Progress::draw() {
  const double elapsed = static_cast<double>(monoNowNs() - started_ns_) / 1e9;
  constexpr int kWidth = 30;
  std::string bar;
  if (expected_ns_ > 0) {
    const double frac = std::min(1.0, elapsed * 1e9 / static_cast<double>(expected_ns_));
    const int full = static_cast<int>(frac * kWidth);
    bar = "[" + std::string(static_cast<size_t>(full), '#') + std::string(static_cast<size_t>(kWidth - full), '.') + "]";
    char t[64];
    std::snprintf(t, sizeof t, " %.1f/%.1f s", elapsed, static_cast<double>(expected_ns_) / 1e9);
    bar += t;
  } else {
    static const char kSpin[] = "|/-\\";
    char t[64];
    std::snprintf(t, sizeof t, "%c %.1f s", kSpin[tick_++ % 4], elapsed);
    bar = t;
  }
  std::fprintf(out_, "\r\033[2K%s %s", title_.c_str(), bar.c_str());
  std::fflush(out_);
}

void Progress::loop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!quit_) {
    cv_.wait_for(l, std::chrono::milliseconds(200));
    if (active_ && !quit_) draw();
  }
}

}  // namespace fabcheck::cli
