// verbs_addressing: device/port/GID discovery over a table-driven fake VerbsApi, and the MTU and
// speed translations.
#include "generators/transport/verbs/verbs_addressing.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "generators/core/errors.h"

namespace fabcheck::transport::verbs {
namespace {

template <typename E, typename F>
std::string messageOf(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no exception>";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct FakeGid {
  uint32_t index;
  std::string address;  // an IP or a GID in IPv6 notation
  ibv_gid_type type;
};

struct FakePort {
  ibv_port_state state = IBV_PORT_ACTIVE;
  uint8_t link_layer = IBV_LINK_LAYER_ETHERNET;
  uint16_t lid = 0;
  ibv_mtu mtu = IBV_MTU_4096;
  uint8_t speed = 64;  // HDR
  uint8_t width = 2;   // 4x
  int table_len = 16;
  std::vector<FakeGid> gids;
};

struct FakeDevice {
  std::string name;
  std::vector<FakePort> ports;  // port 1, 2, ...
};

// A VerbsApi whose devices, ports and GID tables are a table. Only the calls discovery makes
// answer; the others fail with EOPNOTSUPP. Counts open contexts so tests can check they are closed.
class TableVerbsApi final : public VerbsApi {
 public:
  explicit TableVerbsApi(std::vector<FakeDevice> devices, int list_error = 0)
      : devices_(std::move(devices)), list_error_(list_error) {}

  int open_contexts = 0;

  std::string name() const override { return "table"; }
  bool isSoftware() const override { return true; }
  int listDevices(std::vector<std::string>& names) override {
    names.clear();
    if (list_error_ != 0) return list_error_;
    for (const auto& d : devices_) names.push_back(d.name);
    return 0;
  }
  ibv_context* openDevice(const std::string& n) override {
    for (size_t i = 0; i < devices_.size(); ++i) {
      if (devices_[i].name != n) continue;
      auto ctx = std::make_unique<ibv_context>();
      ibv_context* raw = ctx.get();
      contexts_[raw] = {std::move(ctx), i};
      ++open_contexts;
      return raw;
    }
    errno = ENODEV;
    return nullptr;
  }
  int closeDevice(ibv_context* ctx) override {
    --open_contexts;
    contexts_.erase(ctx);
    return 0;
  }
  int queryDevice(ibv_context* ctx, ibv_device_attr_ex* attr) override {
    *attr = ibv_device_attr_ex{};
    attr->orig_attr.phys_port_cnt = static_cast<uint8_t>(dev(ctx).ports.size());
    return 0;
  }
  int queryPort(ibv_context* ctx, uint8_t port, ibv_port_attr* attr) override {
    if (port < 1 || port > dev(ctx).ports.size()) return EINVAL;
    const FakePort& p = dev(ctx).ports[port - 1];
    *attr = ibv_port_attr{};
    attr->state = p.state;
    attr->link_layer = p.link_layer;
    attr->lid = p.lid;
    attr->active_mtu = p.mtu;
    attr->active_speed = p.speed;
    attr->active_width = p.width;
    attr->gid_tbl_len = p.table_len;
    return 0;
  }
  int queryGidEntry(ibv_context* ctx, uint8_t port, uint32_t index, ibv_gid_entry* entry) override {
    const FakePort& p = dev(ctx).ports.at(port - 1);
    if (index >= static_cast<uint32_t>(p.table_len)) return EINVAL;
    for (const auto& g : p.gids) {
      if (g.index != index) continue;
      *entry = ibv_gid_entry{};
      entry->gid = gidOfAddress(g.address);
      entry->gid_index = index;
      entry->port_num = port;
      entry->gid_type = g.type;
      return 0;
    }
    return ENODATA;
  }

  ibv_pd* allocPd(ibv_context*) override { return fail<ibv_pd>(); }
  int deallocPd(ibv_pd*) override { return EOPNOTSUPP; }
  ibv_mr* regMr(ibv_pd*, void*, size_t, int) override { return fail<ibv_mr>(); }
  int deregMr(ibv_mr*) override { return EOPNOTSUPP; }
  ibv_comp_channel* createCompChannel(ibv_context*) override { return fail<ibv_comp_channel>(); }
  int destroyCompChannel(ibv_comp_channel*) override { return EOPNOTSUPP; }
  ibv_cq* createCq(ibv_context*, int, ibv_comp_channel*, bool) override { return fail<ibv_cq>(); }
  int destroyCq(ibv_cq*) override { return EOPNOTSUPP; }
  int pollCq(ibv_cq*, int, ibv_wc*, uint64_t*) override { return -1; }
  int reqNotifyCq(ibv_cq*, int) override { return EOPNOTSUPP; }
  int getCqEvent(ibv_comp_channel*, ibv_cq**) override { return EOPNOTSUPP; }
  void ackCqEvents(ibv_cq*, unsigned int) override {}
  ibv_qp* createQp(ibv_pd*, ibv_qp_init_attr*) override { return fail<ibv_qp>(); }
  int modifyQp(ibv_qp*, ibv_qp_attr*, int) override { return EOPNOTSUPP; }
  int destroyQp(ibv_qp*) override { return EOPNOTSUPP; }
  int postSend(ibv_qp*, ibv_send_wr*, ibv_send_wr**) override { return EOPNOTSUPP; }
  int postRecv(ibv_qp*, ibv_recv_wr*, ibv_recv_wr**) override { return EOPNOTSUPP; }
  ibv_ah* createAh(ibv_pd*, ibv_ah_attr*) override { return fail<ibv_ah>(); }
  int destroyAh(ibv_ah*) override { return EOPNOTSUPP; }
  int readClock(ibv_context*, ClockSample*) override { return ENOTSUP; }

 private:
  template <typename T>
  static T* fail() {
    errno = EOPNOTSUPP;
    return nullptr;
  }
  const FakeDevice& dev(ibv_context* ctx) { return devices_.at(contexts_.at(ctx).second); }

  std::vector<FakeDevice> devices_;
  int list_error_;
  std::map<ibv_context*, std::pair<std::unique_ptr<ibv_context>, size_t>> contexts_;
};

// mlx5_0: one RoCE port carrying 10.0.0.5 as v1 (index 2) and v2 (index 3), plus link-local GIDs.
FakeDevice roceDevice(const std::string& name = "mlx5_0", const std::string& ip = "10.0.0.5") {
  FakePort p;
  p.gids = {{0, "fe80::1", IBV_GID_TYPE_ROCE_V1},
            {1, "fe80::1", IBV_GID_TYPE_ROCE_V2},
            {2, ip, IBV_GID_TYPE_ROCE_V1},
            {3, ip, IBV_GID_TYPE_ROCE_V2}};
  return {name, {p}};
}

FakeDevice ibDevice(const std::string& name, uint16_t lid) {
  FakePort p;
  p.link_layer = IBV_LINK_LAYER_INFINIBAND;
  p.lid = lid;
  p.speed = 128;  // NDR
  p.gids = {{0, "fe80::248a:703:49:abcd", IBV_GID_TYPE_IB}};
  return {name, {p}};
}

TEST(VerbsAddressing, RoceV2ChosenOverV1) {
  TableVerbsApi api({roceDevice()});
  VerbsAddress a = chooseVerbsAddress(api, "10.0.0.5", {});
  EXPECT_EQ(a.device, "mlx5_0");
  EXPECT_EQ(a.port, 1);
  EXPECT_EQ(a.gid_index, 3u);
  EXPECT_EQ(a.gid_text, "::ffff:10.0.0.5");
  EXPECT_EQ(a.gid_type, "RoCE v2");
  EXPECT_EQ(a.link_layer, "roce");
  EXPECT_EQ(a.lid, 0);
  EXPECT_EQ(a.active_mtu, 4096u);
  EXPECT_DOUBLE_EQ(a.speed_gbps, 200.0);
  EXPECT_TRUE(a.warning.empty()) << a.warning;
  EXPECT_EQ(api.open_contexts, 0);
}

TEST(VerbsAddressing, SecondDeviceCarriesTheAddress) {
  TableVerbsApi api({roceDevice("mlx5_0", "10.0.0.4"), roceDevice("mlx5_1", "10.0.1.4")});
  VerbsAddress a = chooseVerbsAddress(api, "10.0.1.4", {});
  EXPECT_EQ(a.device, "mlx5_1");
  EXPECT_EQ(a.gid_index, 3u);
}

TEST(VerbsAddressing, Ipv6AddressMatchedAsIs) {
  FakeDevice d = roceDevice();
  d.ports[0].gids.push_back({5, "fd00::5", IBV_GID_TYPE_ROCE_V1});
  d.ports[0].gids.push_back({6, "fd00::5", IBV_GID_TYPE_ROCE_V2});
  TableVerbsApi api({d});
  VerbsAddress a = chooseVerbsAddress(api, "fd00::5", {});
  EXPECT_EQ(a.gid_index, 6u);
  EXPECT_EQ(a.gid_text, "fd00::5");
}

TEST(VerbsAddressing, DownPortSkipped) {
  FakeDevice down = roceDevice("mlx5_0");
  down.ports[0].state = IBV_PORT_DOWN;
  TableVerbsApi api({down, roceDevice("mlx5_1")});
  EXPECT_EQ(chooseVerbsAddress(api, "10.0.0.5", {}).device, "mlx5_1");
}

TEST(VerbsAddressing, InfinibandPortUsesLidAndGidZero) {
  TableVerbsApi api({ibDevice("mlx5_0", 17)});
  VerbsAddress a = chooseVerbsAddress(api, "192.168.7.1", {});
  EXPECT_EQ(a.link_layer, "ib");
  EXPECT_EQ(a.lid, 17);
  EXPECT_EQ(a.gid_index, 0u);
  EXPECT_EQ(a.gid_type, "IB");
  EXPECT_EQ(a.gid_text, "fe80::248a:703:49:abcd");
  EXPECT_DOUBLE_EQ(a.speed_gbps, 400.0);
}

TEST(VerbsAddressing, SeveralInfinibandPortsNeedADevice) {
  TableVerbsApi api({ibDevice("mlx5_0", 17), ibDevice("mlx5_1", 18)});
  std::string msg = messageOf<ConfigError>([&] { chooseVerbsAddress(api, "192.168.7.1", {}); });
  EXPECT_TRUE(contains(msg, "2 InfiniBand ports are active (mlx5_0 port 1, mlx5_1 port 1)")) << msg;
  EXPECT_TRUE(contains(msg, "pass device")) << msg;
  VerbsOptions o;
  o.device = "mlx5_1";
  EXPECT_EQ(chooseVerbsAddress(api, "192.168.7.1", o).lid, 18);
  EXPECT_EQ(api.open_contexts, 0);
}

TEST(VerbsAddressing, RoceMatchWinsOverInfiniband) {
  TableVerbsApi api({ibDevice("mlx5_0", 17), roceDevice("mlx5_1")});
  EXPECT_EQ(chooseVerbsAddress(api, "10.0.0.5", {}).device, "mlx5_1");
}

TEST(VerbsAddressing, GidIndexOverrideToV1Warns) {
  TableVerbsApi api({roceDevice()});
  VerbsOptions o;
  o.gid_index = 2;
  VerbsAddress a = chooseVerbsAddress(api, "10.0.0.5", o);
  EXPECT_EQ(a.gid_index, 2u);
  EXPECT_EQ(a.gid_type, "RoCE v1");
  EXPECT_TRUE(contains(a.warning, "RoCE v1")) << a.warning;
  EXPECT_TRUE(contains(a.warning, "mlx5_0 port 1 GID index 2")) << a.warning;
}

TEST(VerbsAddressing, GidIndexOverrideNotTheAddressWarns) {
  TableVerbsApi api({roceDevice()});
  VerbsOptions o;
  o.gid_index = 1;
  VerbsAddress a = chooseVerbsAddress(api, "10.0.0.5", o);
  EXPECT_EQ(a.gid_text, "fe80::1");
  EXPECT_TRUE(contains(a.warning, "not the data address 10.0.0.5")) << a.warning;
}

TEST(VerbsAddressing, DeviceAndPortOverrides) {
  FakeDevice two = roceDevice("mlx5_0", "10.0.0.5");
  two.ports.push_back(roceDevice("x", "10.0.0.6").ports[0]);
  TableVerbsApi api({two});
  VerbsOptions o;
  o.device = "mlx5_0";
  o.port = 2;
  o.gid_index = 3;
  VerbsAddress a = chooseVerbsAddress(api, "10.0.0.6", o);
  EXPECT_EQ(a.port, 2);
  EXPECT_EQ(a.gid_text, "::ffff:10.0.0.6");
}

TEST(VerbsAddressing, BadOverridesSayWhatToCheck) {
  TableVerbsApi api({roceDevice()});
  VerbsOptions o;
  o.device = "mlx5_9";
  EXPECT_EQ(messageOf<ConfigError>([&] { chooseVerbsAddress(api, "10.0.0.5", o); }),
            "verbs: device 'mlx5_9' (option device) not found; devices on this host: mlx5_0");
  o.device = "mlx5_0";
  o.port = 2;
  EXPECT_EQ(messageOf<ConfigError>([&] { chooseVerbsAddress(api, "10.0.0.5", o); }),
            "verbs: port 2 (option port) does not exist on mlx5_0 (ports 1..1)");
  o.port.reset();
  o.gid_index = 9;
  std::string msg = messageOf<ConfigError>([&] { chooseVerbsAddress(api, "10.0.0.5", o); });
  EXPECT_TRUE(contains(msg, "gid_index 9 (option gid_index) is empty or out of range on mlx5_0 port 1")) << msg;
  EXPECT_TRUE(contains(msg, "4 GIDs: 0 fe80::1 RoCE v1")) << msg;
  EXPECT_EQ(api.open_contexts, 0);
}

TEST(VerbsAddressing, OverriddenPortMustBeActive) {
  FakeDevice d = roceDevice();
  d.ports[0].state = IBV_PORT_DOWN;
  TableVerbsApi api({d});
  VerbsOptions o;
  o.device = "mlx5_0";
  o.port = 1;
  std::string msg = messageOf<ConfigError>([&] { chooseVerbsAddress(api, "10.0.0.5", o); });
  EXPECT_TRUE(contains(msg, "verbs: mlx5_0 port 1 is DOWN (option port); expected ACTIVE")) << msg;
}

TEST(VerbsAddressing, NoMatchNamesWhatWasLookedAt) {
  TableVerbsApi api({roceDevice("mlx5_0", "10.0.0.4")});
  std::string msg = messageOf<ConfigError>([&] { chooseVerbsAddress(api, "10.0.0.5", {}); });
  EXPECT_EQ(msg.rfind("verbs: no RoCE v2 GID for 10.0.0.5 on any device (looked at mlx5_0 port 1 (RoCE, ACTIVE): "
                      "4 GIDs: 0 fe80::1 RoCE v1, 1 fe80::1 RoCE v2, 2 ::ffff:10.0.0.4 RoCE v1, "
                      "3 ::ffff:10.0.0.4 RoCE v2)",
                      0),
            0u)
      << msg;
  EXPECT_TRUE(contains(msg, "check the address is on the RDMA netdev, or pass gid_index")) << msg;
}

TEST(VerbsAddressing, OnlyV1MatchIsNamedNotChosen) {
  FakeDevice d = roceDevice("mlx5_0", "10.0.0.4");
  d.ports[0].gids.push_back({7, "10.0.0.5", IBV_GID_TYPE_ROCE_V1});
  TableVerbsApi api({d});
  std::string msg = messageOf<ConfigError>([&] { chooseVerbsAddress(api, "10.0.0.5", {}); });
  EXPECT_TRUE(contains(msg, "mlx5_0 port 1 index 7 carries it as RoCE v1 only")) << msg;
}

TEST(VerbsAddressing, NoDeviceIsUnsupported) {
  TableVerbsApi none({}, ENOSYS);
  EXPECT_EQ(messageOf<UnsupportedError>([&] { chooseVerbsAddress(none, "10.0.0.5", {}); }),
            "verbs: no RDMA device on this host (ibv_get_device_list: Function not implemented)");
  TableVerbsApi empty({});
  EXPECT_EQ(messageOf<UnsupportedError>([&] { chooseVerbsAddress(empty, "10.0.0.5", {}); }),
            "verbs: no RDMA device found (ibv_get_device_list returned 0 devices)");
}

TEST(VerbsAddressing, BadAddressText) {
  TableVerbsApi api({roceDevice()});
  std::string msg = messageOf<ConfigError>([&] { chooseVerbsAddress(api, "node7", {}); });
  EXPECT_TRUE(contains(msg, "data address 'node7' is not an IPv4 or IPv6 address")) << msg;
}

TEST(VerbsMtu, BytesAndEnums) {
  EXPECT_EQ(mtuBytes(IBV_MTU_256), 256u);
  EXPECT_EQ(mtuBytes(IBV_MTU_4096), 4096u);
  EXPECT_EQ(mtuBytes(static_cast<ibv_mtu>(0)), 0u);  // not an MTU (the enum starts at 1)
  EXPECT_EQ(mtuEnum(1024), IBV_MTU_1024);
  EXPECT_TRUE(contains(messageOf<ConfigError>([] { mtuEnum(1500); }), "mtu 1500 is not"));
}

TEST(VerbsMtu, PathMtu) {
  EXPECT_EQ(pathMtu(IBV_MTU_4096, IBV_MTU_1024, std::nullopt), IBV_MTU_1024);
  EXPECT_EQ(pathMtu(IBV_MTU_2048, IBV_MTU_4096, std::nullopt), IBV_MTU_2048);
  EXPECT_EQ(pathMtu(IBV_MTU_4096, IBV_MTU_4096, 1024u), IBV_MTU_1024);
  std::string msg = messageOf<ConfigError>([] { pathMtu(IBV_MTU_4096, IBV_MTU_1024, 4096u); });
  EXPECT_TRUE(contains(msg, "exceeds the remote port's active MTU 1024")) << msg;
}

TEST(VerbsPortSpeed, Table) {
  EXPECT_DOUBLE_EQ(portSpeedGbps(32, 2), 100.0);  // EDR 4x / 100GbE
  EXPECT_DOUBLE_EQ(portSpeedGbps(128, 2), 400.0); // NDR 4x
  EXPECT_DOUBLE_EQ(portSpeedGbps(1, 1), 2.5);     // SDR 1x
  EXPECT_DOUBLE_EQ(portSpeedGbps(16, 8), 168.0);  // FDR 12x
  EXPECT_DOUBLE_EQ(portSpeedGbps(3, 2), 0.0);     // unknown speed
  EXPECT_DOUBLE_EQ(portSpeedGbps(32, 3), 0.0);    // unknown width
}

}  // namespace
}  // namespace fabcheck::transport::verbs
