// libibverbsApi(): what runs without hardware (device listing, opening an unknown device, the
// probe over the API) and, on a host with an RDMA device, a smoke test of the resource calls.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "generators/transport/verbs/verbs_api.h"
#include "generators/transport/verbs/verbs_probe.h"

#ifdef FABCHECK_HAVE_VERBS

namespace fabcheck::transport::verbs {
namespace {

TEST(LibibverbsApi, IsTheRealOneAndASingleton) {
  auto api = libibverbsApi();
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->name(), "libibverbs");
  EXPECT_FALSE(api->isSoftware());
  EXPECT_EQ(libibverbsApi().get(), api.get());
}

TEST(LibibverbsApi, ListDevicesGivesAListOrAnErrno) {
  std::vector<std::string> names{"stale"};
  int err = libibverbsApi()->listDevices(names);
  if (err != 0) {
    // This build machine: the kernel has no RDMA support, ibv_get_device_list fails (ENOSYS).
    EXPECT_GT(err, 0) << "an errno value, positive";
    EXPECT_TRUE(names.empty()) << "a failed list leaves no names";
  } else {
    for (const auto& n : names) EXPECT_FALSE(n.empty());
    EXPECT_TRUE(names.empty() || names.front() != "stale");
  }
}

TEST(LibibverbsApi, OpeningAnUnknownDeviceFailsWithErrno) {
  errno = 0;
  ibv_context* ctx = libibverbsApi()->openDevice("fabcheck_no_such_device");
  EXPECT_EQ(ctx, nullptr);
  EXPECT_NE(errno, 0);
}

TEST(LibibverbsApi, ProbeListsThroughTheApi) {
  std::vector<std::string> names;
  int err = libibverbsApi()->listDevices(names);
  DeviceListResult r = defaultDeviceLister()();
  EXPECT_EQ(r.ok, err == 0);
  EXPECT_EQ(r.error, err);
  EXPECT_EQ(r.devices, names);
  if (err != 0) {
    try {
      requireDevices();
      ADD_FAILURE() << "requireDevices must throw when listing fails";
    } catch (const UnsupportedError& e) {
      EXPECT_EQ(std::string(e.what()),
                std::string("verbs: no RDMA device on this host (ibv_get_device_list: ") + std::strerror(err) + ")");
    }
  }
}

// Only with a device: open it, query it, make a CQ and a non-blocking channel, read the clock.
TEST(LibibverbsApi, ResourcesOnARealDevice) {
  auto api = libibverbsApi();
  std::vector<std::string> names;
  int err = api->listDevices(names);
  if (err != 0 || names.empty()) {
    GTEST_SKIP() << "no RDMA device on this host (ibv_get_device_list: "
                 << (err != 0 ? std::strerror(err) : "0 devices") << ")";
  }
  ibv_context* ctx = api->openDevice(names.front());
  ASSERT_NE(ctx, nullptr) << names.front() << ": " << std::strerror(errno);
  ibv_device_attr_ex attr{};
  EXPECT_EQ(api->queryDevice(ctx, &attr), 0);
  ibv_port_attr port{};
  EXPECT_EQ(api->queryPort(ctx, 1, &port), 0);
  ibv_comp_channel* ch = api->createCompChannel(ctx);
  ASSERT_NE(ch, nullptr);
  ibv_cq* cq = api->createCq(ctx, 16, ch, false);
  ASSERT_NE(cq, nullptr);
  ibv_wc wc[4];
  uint64_t ts[4];
  EXPECT_EQ(api->pollCq(cq, 4, wc, ts), 0);
  ibv_cq* evcq = nullptr;
  EXPECT_EQ(api->getCqEvent(ch, &evcq), EAGAIN) << "the channel fd is non-blocking";
  ibv_cq* tcq = api->createCq(ctx, 16, nullptr, true);
  if (tcq != nullptr) {
    EXPECT_EQ(api->pollCq(tcq, 4, wc, ts), 0);
    EXPECT_EQ(api->destroyCq(tcq), 0);
  } else {
    EXPECT_EQ(errno, EOPNOTSUPP);
  }
  ClockSample clock;
  int rc = api->readClock(ctx, &clock);
  EXPECT_TRUE(rc == 0 || rc == ENOTSUP) << std::strerror(rc);
  if (rc == 0) {
    EXPECT_GT(clock.khz, 0u);
  }
  EXPECT_EQ(api->destroyCq(cq), 0);
  EXPECT_EQ(api->destroyCompChannel(ch), 0);
  EXPECT_EQ(api->closeDevice(ctx), 0);
}

}  // namespace
}  // namespace fabcheck::transport::verbs

#endif  // FABCHECK_HAVE_VERBS
