#include "harness/fabric/fabric_state.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness/fabric/fabric_error.h"

namespace fabcheck::fabric {
namespace {

void makeDir(const std::string& dir) {
  std::string path;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    path = dir.substr(0, pos);
    if (path.empty()) continue;
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      throw FabricError("fabric state directory '" + path + "': cannot create it: " + std::strerror(errno));
    }
  }
}

}  // namespace

std::string defaultStateDir() {
  const char* d = std::getenv("FABCHECK_FABRIC_DIR");
  return d && *d ? std::string(d) : std::string("/run/fabcheck");
}

std::string statePath(const std::string& dir, const std::string& name) { return dir + "/fabric-" + name + ".json"; }

std::optional<FabricState> readState(const std::string& dir, const std::string& name) {
  const std::string path = statePath(dir, name);
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(in);
    FabricState s;
    s.name = j.at("name").get<std::string>();
    s.spec = j.at("spec").get<std::string>();
    s.net = j.at("net").get<int>();
    s.complete = j.at("complete").get<bool>();
    s.pid = j.value("pid", 0);
    if (j.contains("calibration")) {
      const auto& c = j.at("calibration");
      s.calibrated_port_bps = c.at("per_port_bps").get<double>();
      s.calibrated_total_bps = c.at("total_bps").get<double>();
      s.calibration_ns = c.at("duration_ns").get<int64_t>();
    }
    s.auto_rate_bps = j.value("auto_rate_bps", uint64_t{0});
    s.auto_rate_trials = j.value("auto_rate_trials", std::string());
    for (const auto& c : j.at("created")) {
      const std::string kind = c.at("kind").get<std::string>();
      const Created::Kind k = kind == "netns" ? Created::Kind::kNamespace : kind == "bpf" ? Created::Kind::kBpfPins : Created::Kind::kRootLink;
      s.created.push_back({k, c.at("name").get<std::string>()});
    }
    return s;
  } catch (const std::exception& e) {
    throw FabricError("fabric state file '" + path + "' is not valid (" + e.what() + "); remove it by hand after checking `ip netns list`");
  }
}

void writeState(const std::string& dir, const FabricState& s) {
  makeDir(dir);
  nlohmann::json j;
  j["name"] = s.name;
  j["spec"] = s.spec;
  j["net"] = s.net;
  j["complete"] = s.complete;
  j["pid"] = s.pid;
  if (s.calibrated_port_bps > 0) {
    j["calibration"] = {{"per_port_bps", s.calibrated_port_bps}, {"total_bps", s.calibrated_total_bps}, {"duration_ns", s.calibration_ns}};
  }
  if (s.auto_rate_bps) j["auto_rate_bps"] = s.auto_rate_bps;
  if (!s.auto_rate_trials.empty()) j["auto_rate_trials"] = s.auto_rate_trials;
  j["created"] = nlohmann::json::array();
  for (const auto& c : s.created) {
    const char* kind = c.kind == Created::Kind::kNamespace ? "netns" : c.kind == Created::Kind::kBpfPins ? "bpf" : "link";
    j["created"].push_back({{"kind", kind}, {"name", c.name}});
  }
  const std::string path = statePath(dir, s.name);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    out.flush();
    if (!out) throw FabricError("fabric state file '" + tmp + "': cannot write it: " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    throw FabricError("fabric state file '" + path + "': cannot rename into place: " + std::strerror(e));
  }
}

void removeState(const std::string& dir, const std::string& name) { ::unlink(statePath(dir, name).c_str()); }

std::vector<FabricState> listStates(const std::string& dir) {
  std::vector<FabricState> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    const std::string f = e->d_name;
    if (f.rfind("fabric-", 0) == 0 && f.size() > 12 && f.compare(f.size() - 5, 5, ".json") == 0) names.push_back(f.substr(7, f.size() - 12));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    if (auto s = readState(dir, n)) out.push_back(*s);
  }
  return out;
}

StateLock::StateLock(const std::string& dir, int64_t timeout_ns) {
  makeDir(dir);
  const std::string path = dir + "/fabric.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw FabricError("fabric lock '" + path + "': cannot open it: " + std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout_ns);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int e = errno;
      ::close(fd_);
      throw FabricError("fabric lock '" + path + "': " + std::strerror(e));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd_);
      throw FabricError("fabric lock '" + path + "': another fabcheck fabric up/down held it for " +
                        std::to_string(timeout_ns / 1'000'000'000) + " s; expected it to finish sooner");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

StateLock::~StateLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace fabcheck::fabric
