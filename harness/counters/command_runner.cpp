#include "harness/counters/command_runner.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "generators/core/errors.h"
#include "harness/process/process.h"

namespace fabcheck::counters {

namespace {

bool executableExists(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) dir = ".";
    if (::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

}  // namespace

std::string describeCommand(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

CommandRunner systemCommandRunner() {
  return [](const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    CommandResult r;
    if (argv.empty()) throw Error("counters: empty command line; expected a program and its arguments");
    if (!executableExists(argv[0])) {
      r.not_found = true;
      return r;
    }
    process::SpawnRequest req{.argv = argv};
    // C locale: tools must not translate their output or their error messages.
    req.env["LC_ALL"] = "C";
    process::RunOutput out;
    try {
      out = process::runToCompletion(req, std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count());
    } catch (const std::exception& e) {
      throw Error("counters: cannot run '" + describeCommand(argv) + "': " + e.what());
    }
    r.timed_out = out.timed_out;
    r.exit_code = out.exit.signal != 0 ? -1 : out.exit.code;
    r.out = std::move(out.out);
    r.err = std::move(out.err_tail);
    while (!r.err.empty() && (r.err.back() == '\n' || r.err.back() == ' ')) r.err.pop_back();
    return r;
  };
}

}  // namespace fabcheck::counters
