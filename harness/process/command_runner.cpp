#include "harness/process/command_runner.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "generators/core/errors.h"
#include "harness/process/process.h"

namespace fabcheck::process {
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

std::string CommandResult::why() const {
  if (timed_out) return "timed out";
  const size_t end = err.find_last_not_of(" \t\r\n");
  if (end != std::string::npos) {
    const size_t nl = err.rfind('\n', end);
    const size_t begin = nl == std::string::npos ? 0 : nl + 1;
    return err.substr(begin, end + 1 - begin);
  }
  if (not_found) return "not found";
  return exit_code == -1 ? "killed by a signal" : "exit code " + std::to_string(exit_code);
}

std::string commandText(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

CommandResult SystemCommandRunner::run(const std::vector<std::string>& argv, int64_t timeout_ns) {
  CommandResult r;
  if (argv.empty()) throw Error("empty command line; expected a program and its arguments");
  if (!executableExists(argv[0])) {
    r.not_found = true;
    r.exit_code = -1;
    return r;
  }
  SpawnRequest req{.argv = argv};
  req.env["LC_ALL"] = "C";  // tools must not translate their output or their error messages
  RunOutput out;
  try {
    out = runToCompletion(req, timeout_ns);
  } catch (const std::exception& e) {
    throw Error("cannot run '" + commandText(argv) + "': " + e.what());
  }
  r.timed_out = out.timed_out;
  r.exit_code = out.exit.signal != 0 ? -1 : out.exit.code;
  r.out = std::move(out.out);
  r.err = std::move(out.err_tail);
  while (!r.err.empty() && (r.err.back() == '\n' || r.err.back() == ' ')) r.err.pop_back();
  return r;
}

}  // namespace fabcheck::process
