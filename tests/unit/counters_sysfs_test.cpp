// NetdevCounterSource and InfinibandCounterSource over fake sysfs trees in a temp dir.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "generators/core/errors.h"
#include "harness/counters/counter_delta.h"
#include "harness/counters/infiniband_counter_source.h"
#include "harness/counters/netdev_counter_source.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::counters {
namespace {

void put(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << content;
}

const CounterSample* find(const CounterSnapshot& s, const std::string& name, const std::string& dev) {
  for (const auto& c : s.samples) {
    if (c.name == name && c.labels.at("dev") == dev) return &c;
  }
  return nullptr;
}

TEST(CountersNetdev, ReadsEveryNonLoopbackInterface) {
  testing::TempDir dir("fc-netdev");
  const std::string root = dir.path();
  put(root + "/eth0/type", "1\n");
  put(root + "/eth0/statistics/rx_bytes", "12345\n");
  put(root + "/eth0/statistics/tx_dropped", "7\n");
  put(root + "/lo/type", "772\n");
  put(root + "/lo/statistics/rx_bytes", "99\n");
  put(root + "/veth1/statistics/rx_bytes", "5\n");  // no type file: not "lo", so read
  NetdevCounterSource src({.host = "n1", .sysfs_root = root});
  const auto snap = src.snapshot();
  EXPECT_EQ(src.name(), "netdev");
  EXPECT_EQ(src.unavailable_reason(), "");
  ASSERT_EQ(snap.samples.size(), 3u);
  const auto* rx = find(snap, "rx_bytes", "eth0");
  ASSERT_NE(rx, nullptr);
  EXPECT_EQ(rx->value, 12345u);
  EXPECT_EQ(rx->labels.at("host"), "n1");
  EXPECT_EQ(rx->width_bits, 64);
  EXPECT_FALSE(rx->saturating);
  EXPECT_EQ(find(snap, "tx_dropped", "eth0")->value, 7u);
  EXPECT_EQ(find(snap, "rx_bytes", "lo"), nullptr);
  EXPECT_NE(find(snap, "rx_bytes", "veth1"), nullptr);
  EXPECT_GT(snap.taken_mono_ns, 0);
}

TEST(CountersNetdev, NamedInterfacesOnlyAndLoopbackWhenAsked) {
  testing::TempDir dir("fc-netdev");
  put(dir.path() + "/eth0/statistics/rx_bytes", "1");
  put(dir.path() + "/lo/type", "772");
  put(dir.path() + "/lo/statistics/rx_bytes", "2");
  NetdevCounterSource src({.host = "n1", .sysfs_root = dir.path(), .interfaces = {"lo"}});
  const auto snap = src.snapshot();
  ASSERT_EQ(snap.samples.size(), 1u);
  EXPECT_EQ(snap.samples[0].labels.at("dev"), "lo");
}

TEST(CountersNetdev, NothingToReadIsUnavailableNotZeros) {
  testing::TempDir dir("fc-netdev");
  NetdevCounterSource all({.host = "n1", .sysfs_root = dir.path() + "/absent"});
  EXPECT_TRUE(all.snapshot().samples.empty());
  EXPECT_EQ(all.unavailable_reason(), "no network interface with statistics under " + dir.path() + "/absent (loopback excluded)");
  NetdevCounterSource named({.host = "n1", .sysfs_root = dir.path(), .interfaces = {"eth9", "eth8"}});
  EXPECT_TRUE(named.snapshot().samples.empty());
  EXPECT_EQ(named.unavailable_reason(), "no statistics for interface(s) eth9, eth8 under " + dir.path());
}

TEST(CountersNetdev, GarbageInAStatisticsFileIsAnError) {
  testing::TempDir dir("fc-netdev");
  put(dir.path() + "/eth0/statistics/rx_bytes", "lots");
  NetdevCounterSource src({.host = "n1", .sysfs_root = dir.path()});
  EXPECT_EQ(testing::errorOf<Error>([&] { src.snapshot(); }),
            dir.path() + "/eth0/statistics/rx_bytes holds 'lots'; expected a decimal counter value");
}

TEST(CountersNetdev, RealSysfsReadsSomething) {
  NetdevCounterSource src({.interfaces = {"lo"}});
  const auto snap = src.snapshot();
  ASSERT_NE(find(snap, "rx_packets", "lo"), nullptr) << src.unavailable_reason();
}

class CountersInfiniband : public ::testing::Test {
 protected:
  testing::TempDir dir{"fc-ib"};
  std::string port() const { return dir.path() + "/mlx5_0/ports/1"; }
  CounterSnapshot read(InfinibandCounterSource& src) { return src.snapshot(); }
};

TEST_F(CountersInfiniband, PortCountersHwCountersAndBytes) {
  put(port() + "/counters/port_xmit_data", "1000\n");
  put(port() + "/counters/port_rcv_data", "4294967295\n");  // 32-bit PMA counter, saturated
  put(port() + "/counters/symbol_error", "65535\n");
  put(port() + "/counters/link_downed", "1\n");
  put(port() + "/counters/port_xmit_wait", "N/A (no PMA)\n");
  put(port() + "/hw_counters/out_of_sequence", "12\n");
  put(port() + "/hw_counters/np_cnp_sent", "8589934592\n");  // beyond 32 bits: a 64-bit counter
  put(port() + "/hw_counters/lifespan", "10\n");
  put(dir.path() + "/mlx5_0/hw_counters/num_cqovf", "3\n");
  InfinibandCounterSource src({.host = "n1", .sysfs_root = dir.path()});
  const auto snap = src.snapshot();
  EXPECT_EQ(src.unavailable_reason(), "");
  auto get = [&](const std::string& name) -> const CounterSample& {
    for (const auto& s : snap.samples) {
      if (s.name == name) return s;
    }
    ADD_FAILURE() << "no sample " << name;
    static CounterSample none;
    return none;
  };
  EXPECT_EQ(get("port_xmit_data").value, 1000u);
  EXPECT_EQ(get("port_xmit_data").width_bits, 32);
  EXPECT_TRUE(get("port_xmit_data").saturating);
  EXPECT_EQ(get("port_xmit_bytes").value, 4000u);
  EXPECT_EQ(get("port_xmit_data").labels, (Labels{{"host", "n1"}, {"dev", "mlx5_0"}, {"port", "1"}, {"dir", "counters"}}));
  EXPECT_EQ(get("port_rcv_bytes").value, ~0ull) << "a saturated raw counter gives a saturated byte count";
  EXPECT_EQ(get("symbol_error").width_bits, 16);
  EXPECT_EQ(get("link_downed").width_bits, 8);
  EXPECT_EQ(get("out_of_sequence").width_bits, 32);
  EXPECT_FALSE(get("out_of_sequence").saturating);
  EXPECT_EQ(get("out_of_sequence").labels.at("dir"), "hw_counters");
  EXPECT_EQ(get("np_cnp_sent").width_bits, 64);
  EXPECT_EQ(get("num_cqovf").labels.count("port"), 0u);
  for (const auto& s : snap.samples) {
    EXPECT_NE(s.name, "lifespan");
    EXPECT_NE(s.name, "port_xmit_wait");
  }
  ASSERT_EQ(snap.notes.size(), 1u);
  EXPECT_EQ(snap.notes[0], port() + "/counters/port_xmit_wait reads 'N/A (no PMA)' (not a number): skipped");

  // The saturated counters give no delta on the next read; the q-counter wraps.
  put(port() + "/hw_counters/out_of_sequence", "2\n");
  put(port() + "/counters/port_xmit_data", "1500\n");
  const auto d = delta(snap, src.snapshot());
  for (const auto& c : d) {
    if (c.name == "port_rcv_data" || c.name == "port_rcv_bytes" || c.name == "symbol_error") {
      EXPECT_EQ(c.status, DeltaStatus::kSaturated) << c.name;
    }
    if (c.name == "out_of_sequence") {
      EXPECT_EQ(c.status, DeltaStatus::kWrapped);
      EXPECT_EQ(c.delta, 0x1'0000'0000ull - 12 + 2);
    }
    if (c.name == "port_xmit_bytes") {
      EXPECT_EQ(c.delta, 2000u);
    }
  }
}

TEST_F(CountersInfiniband, NoRootIsUnavailableWithTheReason) {
  InfinibandCounterSource src({.host = "n1", .sysfs_root = dir.path() + "/infiniband"});
  EXPECT_TRUE(src.snapshot().samples.empty());
  EXPECT_EQ(src.unavailable_reason(), "no " + dir.path() + "/infiniband (no RDMA devices)");
}

TEST_F(CountersInfiniband, EmptyRootIsUnavailable) {
  InfinibandCounterSource src({.host = "n1", .sysfs_root = dir.path()});
  EXPECT_TRUE(src.snapshot().samples.empty());
  EXPECT_EQ(src.unavailable_reason(), "no RDMA devices under " + dir.path());
}

TEST(CountersInfinibandHost, ThisMachineHasNoRdmaDevices) {
  if (std::filesystem::exists("/sys/class/infiniband")) GTEST_SKIP() << "this host has /sys/class/infiniband";
  InfinibandCounterSource src({});
  EXPECT_TRUE(src.snapshot().samples.empty());
  EXPECT_EQ(src.unavailable_reason(), "no /sys/class/infiniband (no RDMA devices)");
}

TEST(CountersInfinibandWidths, IbaWidths) {
  EXPECT_EQ(pmaCounterWidth("port_xmit_discards"), 16);
  EXPECT_EQ(pmaCounterWidth("excessive_buffer_overrun_errors"), 4);
  EXPECT_EQ(pmaCounterWidth("port_xmit_wait"), 32);
}

}  // namespace
}  // namespace fabcheck::counters
