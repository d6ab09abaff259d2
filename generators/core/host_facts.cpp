#include "generators/core/host_facts.h"

#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace fabcheck {

std::string kernelRelease() {
  utsname u{};
  if (::uname(&u) != 0) return "";
  return u.release;
}

std::string clockSource() {
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  std::getline(in, source);
  return source;
}

std::vector<std::string> rdmaDevices() {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/sys/class/infiniband", ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace fabcheck
