// Test support for the pair tool: a real `fabcheck gen --server` on a free loopback port,
// killed and reaped when the object goes (Subprocess's destructor), also when a test fails.
#pragma once

#include <gtest/gtest.h>

#include <stdlib.h>

#include <regex>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace fabcheck::testing {

inline const std::string kFabcheckBin = FABCHECK_BIN;

// The pair tool's shared secret for the tests: in this process's environment (FABCHECK_SECRET),
// so every `fabcheck gen` the tests start, server and client, holds it unless told otherwise.
inline const std::string kGenTestSecret = "5eb63bbbe01eeed093cb22bb8f5acdc35eb63bbbe01eeed093cb22bb8f5acdc3";
inline const bool kGenSecretInEnvironment = [] { return ::setenv("FABCHECK_SECRET", kGenTestSecret.c_str(), 1) == 0; }();

class GenServer {
 public:
  explicit GenServer(const std::string& bind = "127.0.0.1", std::vector<std::string> extra = {})
      : proc_(start(bind, std::move(extra))) {
    using namespace std::chrono_literals;
    if (!proc_.waitForStdout("listening on", 10s)) {
      ADD_FAILURE() << "server did not start: " << proc_.out() << proc_.err();
      return;
    }
    std::smatch m;
    const std::string out = proc_.out();
    if (std::regex_search(out, m, std::regex("port (\\d+)"))) port_ = m[1];
  }
  const std::string& port() const { return port_; }
  Subprocess& process() { return proc_; }

 private:
  static Subprocess start(const std::string& bind, std::vector<std::string> extra) {
    (void)kGenSecretInEnvironment;
    std::vector<std::string> argv{kFabcheckBin, "gen", "--server", "--bind", bind, "--port", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return Subprocess::start(argv);
  }
  Subprocess proc_;
  std::string port_;
};

}  // namespace fabcheck::testing
