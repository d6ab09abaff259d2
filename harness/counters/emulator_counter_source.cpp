#include "harness/counters/emulator_counter_source.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"

namespace fabcheck::counters {
namespace {

uint64_t hexColumn(const std::string& word, const std::string& what, int line) {
  if (word.empty() || word.size() > 16 || word.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    throw Error(what + " line " + std::to_string(line) + ": '" + word + "' is not a hexadecimal counter");
  }
  return std::stoull(word, nullptr, 16);
}

}  // namespace

std::vector<CounterSample> parseSoftnetStat(const std::string& text, const std::string& host, const std::string& what) {
  std::vector<CounterSample> out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.empty()) continue;
    if (w.size() < 3) throw Error(what + " line " + std::to_string(n) + ": expected at least 3 columns, got " + std::to_string(w.size()));
    // Column 13 (kernels 5.10+) is the CPU id; older kernels list online CPUs in order.
    const std::string cpu = w.size() >= 13 ? std::to_string(hexColumn(w[12], what, n)) : std::to_string(n - 1);
    // The kernel prints these 32-bit.
    out.push_back({.name = "backlog_drops", .labels = {{"host", host}, {"cpu", cpu}}, .value = hexColumn(w[1], what, n), .width_bits = 32});
    out.push_back({.name = "time_squeeze", .labels = {{"host", host}, {"cpu", cpu}}, .value = hexColumn(w[2], what, n), .width_bits = 32});
  }
  return out;
}

EmulatorCounterSource::EmulatorCounterSource(EmulatorSourceOptions options) : o_(std::move(options)) {
  if (o_.host.empty()) o_.host = hostName();
}

CounterSnapshot EmulatorCounterSource::snapshot() {
  CounterSnapshot snap;
  snap.taken_mono_ns = monoNowNs();
  std::ifstream in(o_.path);
  if (!in) {
    reason_ = "cannot open " + o_.path + ": " + std::strerror(errno);
    return snap;
  }
  reason_.clear();
  std::stringstream text;
  text << in.rdbuf();
  snap.samples = parseSoftnetStat(text.str(), o_.host, o_.path);
  if (o_.calibrated_port_bps) {
    snap.samples.push_back({.name = "calibrated_port_bps", .labels = {{"host", o_.host}}, .value = o_.calibrated_port_bps,
                            .kind = SampleKind::kGauge});
  }
  return snap;
}

}  // namespace fabcheck::counters
