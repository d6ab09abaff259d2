// Looking at the processes on this host through /proc, for tests of launchers and agents.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/test_helpers.h"

namespace fabcheck::testing {

// True while `pid` exists and is not a zombie.
inline bool alive(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const size_t rp = stat.rfind(')');  // the command name may hold spaces and parentheses
  return rp != std::string::npos && rp + 2 < stat.size() && stat[rp + 2] != 'Z';
}

// The command line of `pid` with its NULs shown as spaces ("" when it is gone).
inline std::string cmdlineOf(const std::string& pid) {
  std::string c = slurp("/proc/" + pid + "/cmdline");
  std::replace(c.begin(), c.end(), '\0', ' ');
  return c;
}

// Command lines of every process on the host (see cmdlineOf), empty ones left out.
inline std::vector<std::string> allCmdlines() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string c = cmdlineOf(name);
    if (!c.empty()) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace fabcheck::testing
