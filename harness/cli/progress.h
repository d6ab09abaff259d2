// Console progress of a run, on stderr: on a terminal, one bar per test redrawn in place
// (elapsed / expected time, or a spinner when the length is unknown); otherwise plain lines,
// one when a test starts and one when it ends, so logs and CI output stay readable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace fabcheck::cli {

class Progress {
 public:
  Progress(std::FILE* out, bool terminal);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // A test starts: "[2/5] ring (stream, 4 agents)"; expected_ns ≤ 0 when unknown.
  void start(size_t index, size_t total, const std::string& title, int64_t expected_ns);
  // The test ended: replaces the bar with `line` (e.g. "[2/5] ring  PASS  9.41 Gbit/s").
  void finish(const std::string& line);
  void message(const std::string& line);  // any other line, between tests

 private:
  void loop();
  void draw();  // under mu_

  std::FILE* out_;
  bool terminal_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool active_ = false, quit_ = false;
  std::string title_;
  int64_t started_ns_ = 0, expected_ns_ = 0;
  unsigned tick_ = 0;
  std::thread thread_;
};

}  // namespace fabcheck::cli
