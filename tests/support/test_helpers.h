// Small helpers shared by the test files.
#pragma once

#include <chrono>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace fabcheck::testing {

// The message of the exception of type E that f() throws; a marker text when it throws
// something else or nothing, so a test's EXPECT_EQ shows what happened instead.
template <typename E, typename F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<other exception: ") + e.what() + ">";
  }
  return "<no exception>";
}

// A whole file as a string ("" when it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Polls `pred` every 10 ms until it holds (true) or the timeout passes (false). For waiting on
// another process's observable state, which offers nothing to block on.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace fabcheck::testing
