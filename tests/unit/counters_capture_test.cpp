// Capture directories (counter_capture.h): a save read back is the same counters; two hand-made
// captures give deltas from their time_ns with 32-bit wrap, PMA saturation and reset handled as
// for live counters; NIC selection on a fake sysfs tree.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "generators/core/errors.h"
#include "harness/counters/counter_capture.h"
#include "harness/counters/flat_metrics.h"
#include "harness/counters/nic_selection.h"
#include "tests/support/temp_dir.h"

namespace fabcheck::counters {
namespace {

namespace fs = std::filesystem;

void put(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << content;
}

// One hand-made capture: an mlx5-like NIC with a 32-bit q-counter, a 16-bit PMA counter and ethtool stats.
void handMade(const std::string& dir, int64_t t, uint64_t oos, uint64_t discards, uint64_t rx_prio3, uint64_t rx_bytes) {
  put(dir + "/meta.json", R"({"host": "h1", "time_ns": )" + std::to_string(t) + R"(, "interface": "eth2", "device": "mlx5_0"})");
  put(dir + "/ethtool/eth2.txt", "NIC statistics:\n     rx_prio3_pause: " + std::to_string(rx_prio3) + "\n     rx_discards_phy: 5\n");
  put(dir + "/sys/class/net/eth2/statistics/rx_bytes", std::to_string(rx_bytes) + "\n");
  const std::string port = dir + "/sys/class/infiniband/mlx5_0/ports/1/";
  put(port + "hw_counters/out_of_sequence", std::to_string(oos) + "\n");
  put(port + "counters/port_xmit_discards", std::to_string(discards) + "\n");
}

TEST(CountersCapture, DeltasBetweenCapturesHandleWrapSaturationAndResetFromTheirTimes) {
  testing::TempDir tmp("fc-capture");
  handMade(tmp.path() + "/a", 1'000'000'000, 4294967290u, 100, 50, 1000);
  handMade(tmp.path() + "/b", 3'500'000'000, 5, 65535, 70, 400);  // oos wrapped, discards saturated, rx_bytes reset
  const Capture a = readCapture(tmp.path() + "/a"), b = readCapture(tmp.path() + "/b");
  EXPECT_EQ(a.meta.host, "h1");
  EXPECT_EQ(a.meta.device, "mlx5_0");
  ASSERT_EQ(a.sources.size(), 3u);
  const auto d = deltas(a.sources, b.sources);
  for (const auto& s : d) EXPECT_EQ(s.interval_ns, 2'500'000'000) << s.source;
  const FlatMetrics m = flatMetrics(d);
  EXPECT_EQ(m.values.at("nic.rdma.out_of_sequence"), 11) << "32-bit q-counter wrapped once";
  EXPECT_EQ(m.missing.at("rdma.port_xmit_discards"), "no delta for port_xmit_discards{dev=mlx5_0,dir=counters,host=h1,port=1} saturated");
  EXPECT_EQ(m.missing.at("host.rx_bytes"), "no delta for rx_bytes{dev=eth2,host=h1} reset");
  EXPECT_EQ(m.values.at("nic.pfc.prio3.rx_pause_frames"), 20);
  EXPECT_EQ(m.values.at("nic.discards"), 0);
}

TEST(CountersCapture, ASaveReadsBackAsTheSameCounters) {
  testing::TempDir tmp("fc-capture");
  handMade(tmp.path() + "/orig", 7, 12, 3, 9, 1234);
  const Capture orig = readCapture(tmp.path() + "/orig");
  saveCapture(tmp.path() + "/copy", orig.meta, orig.sources);
  const Capture copy = readCapture(tmp.path() + "/copy");
  EXPECT_EQ(copy.meta.time_ns, 7);
  EXPECT_EQ(copy.meta.interface, "eth2");
  ASSERT_EQ(copy.sources.size(), orig.sources.size());
  for (size_t i = 0; i < orig.sources.size(); ++i) {
    const auto& x = orig.sources[i].snapshot.samples;
    const auto& y = copy.sources[i].snapshot.samples;
    ASSERT_EQ(x.size(), y.size()) << orig.sources[i].source;
    for (size_t k = 0; k < x.size(); ++k) {
      EXPECT_EQ(sampleKey(x[k].name, x[k].labels), sampleKey(y[k].name, y[k].labels));
      EXPECT_EQ(x[k].value, y[k].value) << x[k].name;
    }
  }
  EXPECT_FALSE(fs::exists(tmp.path() + "/copy/sys/class/infiniband/mlx5_0/ports/1/counters/port_xmit_bytes"));
  EXPECT_THROW(saveCapture(tmp.path() + "/copy", orig.meta, orig.sources), ConfigError) << "not into a non-empty directory";
}

TEST(CountersCapture, ErrorsNameTheFile) {
  testing::TempDir tmp("fc-capture");
  auto message = [](const std::string& dir) {
    try {
      readCapture(dir);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(tmp.path() + "/none"), "capture " + tmp.path() + "/none: no such directory");
  EXPECT_EQ(message(tmp.path()), "capture " + tmp.path() + ": no meta.json (expected {\"host\", \"time_ns\", \"interface\", \"device\"})");
  put(tmp.path() + "/meta.json", "{\"time_ns\": 5}");
  put(tmp.path() + "/ethtool/x.txt", "NIC statistics:\n     garbage line\n");
  EXPECT_EQ(message(tmp.path()).rfind("capture " + tmp.path() + ": 'ethtool -S x': line 2 'garbage line' is not 'name: value'", 0), 0u)
      << message(tmp.path());
}

TEST(NicSelection, FindsTheRdmaDeviceAndPortOfAnInterfaceInAFakeSysfs) {
  testing::TempDir tmp("fc-sel");
  const std::string net = tmp.path() + "/net", ib = tmp.path() + "/ib";
  fs::create_directories(net + "/eth9/device/infiniband/mlx5_3");
  fs::create_directories(net + "/eth8");
  put(ib + "/mlx5_3/ports/1/gid_attrs/ndevs/0", "eth7\n");
  put(ib + "/mlx5_3/ports/2/gid_attrs/ndevs/0", "eth9\n");
  put(ib + "/mlx5_4/ports/1/gid_attrs/ndevs/3", "eth8\n");
  const auto s9 = selectNic({.interface = "eth9", .net_root = net, .ib_root = ib});
  EXPECT_EQ(s9.device, "mlx5_3");
  EXPECT_EQ(s9.port, "2");
  EXPECT_EQ(s9.reason, "");
  EXPECT_EQ(s9.how, "interface eth9 (given), RDMA device mlx5_3 port 2");
  const auto s8 = selectNic({.interface = "eth8", .net_root = net, .ib_root = ib});  // no device/ link: found by gid_attrs
  EXPECT_EQ(s8.device, "mlx5_4");
  EXPECT_EQ(s8.port, "1");
  const auto given = selectNic({.interface = "eth8", .device = "mlx5_3", .net_root = net, .ib_root = ib});
  EXPECT_EQ(given.device, "mlx5_3");
  EXPECT_EQ(given.port, "") << "mlx5_3 has two ports, none naming eth8";
  fs::create_directories(net + "/eth5");
  const auto none = selectNic({.interface = "eth5", .net_root = net, .ib_root = ib});
  EXPECT_EQ(none.device, "");
  EXPECT_EQ(none.reason, "no RDMA device on eth5 (none of " + ib + " is on it)");
  EXPECT_THROW(selectNic({.interface = "eth6", .net_root = net, .ib_root = ib}), ConfigError);
  EXPECT_THROW(selectNic({.interface = "eth9", .device = "mlx5_9", .net_root = net, .ib_root = ib}), ConfigError);
  const auto lo = selectNic({.address = "127.0.0.1", .ib_root = ib});
  EXPECT_EQ(lo.interface, "lo");
}

}  // namespace
}  // namespace fabcheck::counters
