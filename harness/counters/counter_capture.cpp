#include "harness/counters/counter_capture.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "generators/core/errors.h"
#include "harness/counters/ethtool_counter_source.h"
#include "harness/counters/infiniband_counter_source.h"
#include "harness/counters/netdev_counter_source.h"
#include "harness/counters/sysfs_reader.h"

namespace fabcheck::counters {

namespace fs = std::filesystem;

namespace {

std::string slurpFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CaptureMeta readMeta(const std::string& dir) {
  const std::string path = dir + "/meta.json";
  if (!fs::is_regular_file(path)) {
    throw ConfigError("capture " + dir + ": no meta.json (expected {\"host\", \"time_ns\", \"interface\", \"device\"})");
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(slurpFile(path));
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(path + ": not JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object()) throw ConfigError(path + ": expected an object {\"host\", \"time_ns\", \"interface\", \"device\"}");
  CaptureMeta m;
  auto text = [&](const char* key) {
    if (!j.contains(key) || j[key].is_null()) return std::string();
    if (!j[key].is_string()) throw ConfigError(path + ": \"" + key + "\" is " + j[key].dump() + "; expected a string");
    return j[key].get<std::string>();
  };
  m.host = text("host");
  m.interface = text("interface");
  m.device = text("device");
  if (!j.contains("time_ns") || !j["time_ns"].is_number_integer() || j["time_ns"].get<int64_t>() <= 0) {
    throw ConfigError(path + ": \"time_ns\" is " + (j.contains("time_ns") ? j["time_ns"].dump() : std::string("missing")) +
                      "; expected a positive integer (ns since the epoch)");
  }
  m.time_ns = j["time_ns"].get<int64_t>();
  return m;
}

// Serves `ethtool -S IF` from <capture>/ethtool/IF.txt, so the ethtool source parses a capture
// exactly as it parses the tool's output.
class CaptureEthtoolRunner : public process::CommandRunner {
 public:
  explicit CaptureEthtoolRunner(std::string dir) : dir_(std::move(dir)) {}
  process::CommandResult run(const std::vector<std::string>& argv, int64_t) override {
    process::CommandResult r;
    const std::string path = dir_ + "/" + argv.back() + ".txt";
    if (!fs::is_regular_file(path)) {
      r.exit_code = 1;
      r.err = "No such device";
      return r;
    }
    r.out = slurpFile(path);
    return r;
  }

 private:
  std::string dir_;
};

SourceSnapshot readSource(CounterSource& source, const std::string& dir, const std::string& part) {
  SourceSnapshot s{.source = source.name()};
  if (!fs::is_directory(dir + "/" + part)) {
    s.unavailable_reason = "no " + part + " in capture " + dir;
    return s;
  }
  try {
    s.snapshot = source.snapshot();
    s.unavailable_reason = source.unavailable_reason();
  } catch (const Error& e) {
    throw ConfigError("capture " + dir + ": " + e.what());
  }
  return s;
}

}  // namespace

Capture readCapture(const std::string& dir) {
  if (!fs::is_directory(dir)) throw ConfigError("capture " + dir + ": no such directory");
  Capture c{dir, readMeta(dir), {}};
  NetdevCounterSource netdev({.host = c.meta.host, .sysfs_root = dir + "/sys/class/net", .interfaces = {}});
  InfinibandCounterSource ib({.host = c.meta.host, .sysfs_root = dir + "/sys/class/infiniband", .devices = {}});
  EthtoolSourceOptions eo;
  eo.host = c.meta.host;
  for (const std::string& f : listDir(dir + "/ethtool")) {
    if (f.size() > 4 && f.compare(f.size() - 4, 4, ".txt") == 0) eo.interfaces.push_back(f.substr(0, f.size() - 4));
  }
  eo.runner = std::make_shared<CaptureEthtoolRunner>(dir + "/ethtool");
  EthtoolCounterSource ethtool(eo);
  c.sources.push_back(readSource(netdev, dir, "sys/class/net"));
  c.sources.push_back(readSource(ib, dir, "sys/class/infiniband"));
  c.sources.push_back(readSource(ethtool, dir, "ethtool"));
  for (auto& s : c.sources) s.snapshot.taken_mono_ns = c.meta.time_ns;
  return c;
}

namespace {

void writeFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << content;
  if (!out) throw Error("cannot write " + path.string());
}

std::string label(const Labels& l, const char* key) {
  auto it = l.find(key);
  return it == l.end() ? std::string() : it->second;
}

void saveSource(const fs::path& root, const SourceSnapshot& s, std::map<std::string, std::string>& ethtool_text) {
  for (const CounterSample& c : s.snapshot.samples) {
    const std::string dev = label(c.labels, "dev"), value = std::to_string(c.value) + "\n";
    if (dev.empty() || dev.find('/') != std::string::npos) continue;
    if (s.source == "netdev") {
      writeFile(root / "sys/class/net" / dev / "statistics" / c.name, value);
    } else if (s.source == "infiniband") {
      if (c.name == "port_xmit_bytes" || c.name == "port_rcv_bytes") continue;  // derived from *_data
      const std::string port = label(c.labels, "port"), dir = label(c.labels, "dir");
      const fs::path base = root / "sys/class/infiniband" / dev;
      writeFile((port.empty() ? base : base / "ports" / port) / dir / c.name, value);
    } else if (s.source == "ethtool") {
      auto& text = ethtool_text[dev];
      if (text.empty()) text = "NIC statistics:\n";
      text += "     " + c.name + ": " + std::to_string(c.value) + "\n";
    }
  }
}

}  // namespace

void saveCapture(const std::string& dir, const CaptureMeta& meta, const std::vector<SourceSnapshot>& sources) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    throw ConfigError("--save " + dir + ": exists and is not empty; expected a new or empty directory");
  }
  fs::create_directories(dir, ec);
  if (ec) throw ConfigError("--save " + dir + ": cannot create it (" + ec.message() + ")");
  const fs::path root(dir);
  std::map<std::string, std::string> ethtool_text;
  for (const SourceSnapshot& s : sources) saveSource(root, s, ethtool_text);
  for (const auto& [dev, text] : ethtool_text) writeFile(root / "ethtool" / (dev + ".txt"), text);
  const nlohmann::json j = {{"host", meta.host}, {"time_ns", meta.time_ns}, {"interface", meta.interface}, {"device", meta.device}};
  writeFile(root / "meta.json", j.dump(2) + "\n");
}

}  // namespace fabcheck::counters
