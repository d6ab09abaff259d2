#include "generators/core/interfaces.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "generators/core/errors.h"
#include "generators/core/host_facts.h"

namespace fabcheck {
namespace {

using nlohmann::json;

TEST(Interfaces, LoopbackIsListedUpWithItsAddressPrefixAndMtu) {
  const auto list = listInterfaces();
  const auto lo = std::find_if(list.begin(), list.end(), [](const NetInterface& i) { return i.name == "lo"; });
  ASSERT_NE(lo, list.end()) << "every Linux network namespace has lo";
  EXPECT_GT(lo->index, 0);
  EXPECT_TRUE(lo->up);
  EXPECT_TRUE(lo->loopback);
  EXPECT_EQ(lo->mtu, 65536);
  const InterfaceAddress v4{4, "127.0.0.1", 8};
  EXPECT_NE(std::find(lo->addresses.begin(), lo->addresses.end(), v4), lo->addresses.end());
  for (const auto& a : lo->addresses) {
    EXPECT_TRUE(a.family == 4 || a.family == 6) << a.address;
    EXPECT_LE(a.prefix, a.family == 4 ? 32 : 128) << a.address;
  }
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end(), [](const auto& x, const auto& y) { return x.index < y.index; }));
}

TEST(Interfaces, JsonRoundTripsAndNamesAMalformedField) {
  NetInterface eth{"eth0", 2, true, false, 9000, {{4, "10.0.0.5", 24}, {6, "fe80::1", 64}}};
  const json j = eth;
  EXPECT_EQ(j.at("addresses").at(1).at("address"), "fe80::1");
  EXPECT_EQ(j.get<NetInterface>(), eth);

  json bad = j;
  bad["mtu"] = "big";
  try {
    (void)bad.get<NetInterface>();
    FAIL() << "expected a ProtocolError";
  } catch (const ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("malformed network interface 'eth0'"), std::string::npos) << e.what();
  }
  bad = j;
  bad["addresses"][0]["family"] = 5;
  try {
    (void)bad.get<NetInterface>();
    FAIL() << "expected a ProtocolError";
  } catch (const ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("family 5; expected 4 or 6"), std::string::npos) << e.what();
  }
}

TEST(HostFacts, KernelAndClockSourceAreReadAndNoRdmaDeviceMeansAnEmptyList) {
  EXPECT_FALSE(kernelRelease().empty());
  std::error_code ec;
  if (std::filesystem::exists("/sys/devices/system/clocksource/clocksource0/current_clocksource", ec)) {
    EXPECT_FALSE(clockSource().empty());
  }
  const auto devices = rdmaDevices();
  EXPECT_TRUE(std::is_sorted(devices.begin(), devices.end()));
  if (!std::filesystem::exists("/sys/class/infiniband", ec)) {
    EXPECT_TRUE(devices.empty());
  }
}

}  // namespace
}  // namespace fabcheck
