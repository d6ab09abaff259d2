// chooseVerbsAddress(): first read the candidate ports and their GID tables through the
// VerbsApi (readPorts), then decide on those facts alone (pick*). See verbs_addressing.h.
#include "generators/transport/verbs/verbs_addressing.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "generators/core/errors.h"

namespace fabcheck::transport::verbs {

namespace {

// One port as read from the device.
struct PortFacts {
  std::string device;
  uint8_t port = 0;
  ibv_port_attr attr{};
  std::vector<ibv_gid_entry> gids;  // the non-empty entries, in index order

  bool active() const { return attr.state == IBV_PORT_ACTIVE; }
  bool roce() const { return attr.link_layer == IBV_LINK_LAYER_ETHERNET; }
  std::string where() const { return device + " port " + std::to_string(port); }
};

const char* stateName(ibv_port_state s) {
  switch (s) {
    case IBV_PORT_DOWN: return "DOWN";
    case IBV_PORT_INIT: return "INIT";
    case IBV_PORT_ARMED: return "ARMED";
    case IBV_PORT_ACTIVE: return "ACTIVE";
    case IBV_PORT_ACTIVE_DEFER: return "ACTIVE_DEFER";
    default: return "NOP";
  }
}

bool sameGid(const ibv_gid& a, const ibv_gid& b) { return std::memcmp(a.raw, b.raw, 16) == 0; }

bool zeroGid(const ibv_gid& g) {
  static const ibv_gid zero{};
  return sameGid(g, zero);
}

// "mlx5_0 port 1 (RoCE, ACTIVE): 4 GIDs: 0 fe80::1 RoCE v1, 1 ..." (at most 8 GIDs listed).
std::string describe(const PortFacts& p) {
  std::string s = p.where() + " (" + (p.roce() ? "RoCE" : "IB") + ", " + stateName(p.attr.state) +
                  "): " + std::to_string(p.gids.size()) + " GIDs";
  constexpr size_t kListed = 8;
  for (size_t i = 0; i < p.gids.size() && i < kListed; ++i) {
    const ibv_gid_entry& e = p.gids[i];
    s += (i == 0 ? ": " : ", ") + std::to_string(e.gid_index) + " " + gidText(e.gid) + " " +
         gidTypeName(e.gid_type);
  }
  if (p.gids.size() > kListed) s += ", +" + std::to_string(p.gids.size() - kListed) + " more";
  return s;
}

std::string describeAll(const std::vector<PortFacts>& ports) {
  std::string s;
  for (const auto& p : ports) s += (s.empty() ? "" : "; ") + describe(p);
  return s.empty() ? "no ports" : s;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// The devices to look at: options.device (checked to exist) or all of them.
std::vector<std::string> candidateDevices(VerbsApi& api, const VerbsOptions& options) {
  std::vector<std::string> names;
  if (int err = api.listDevices(names); err != 0) {
    throw UnsupportedError(std::string("verbs: no RDMA device on this host (ibv_get_device_list: ") +
                           std::strerror(err) + ")");
  }
  if (names.empty()) {
    throw UnsupportedError("verbs: no RDMA device found (ibv_get_device_list returned 0 devices)");
  }
  if (options.device.empty()) return names;
  for (const auto& n : names) {
    if (n == options.device) return {n};
  }
  throw ConfigError("verbs: device '" + options.device + "' (option device) not found; devices on this host: " +
                    joined(names));
}

std::vector<ibv_gid_entry> readGids(VerbsApi& api, ibv_context* ctx, uint8_t port, int table_len) {
  std::vector<ibv_gid_entry> gids;
  for (int i = 0; i < table_len; ++i) {
    ibv_gid_entry e{};
    if (api.queryGidEntry(ctx, port, static_cast<uint32_t>(i), &e) != 0 || zeroGid(e.gid)) continue;
    e.gid_index = static_cast<uint32_t>(i);
    e.port_num = port;
    gids.push_back(e);
  }
  return gids;
}

// The ports of one open device (options.port only, checked to exist).
void readDevicePorts(VerbsApi& api, ibv_context* ctx, const std::string& device,
                     const VerbsOptions& options, std::vector<PortFacts>& out) {
  ibv_device_attr_ex dev{};
  if (int err = api.queryDevice(ctx, &dev); err != 0) {
    throw UnsupportedError("verbs: cannot query device " + device + " (ibv_query_device_ex: " +
                           std::strerror(err) + ")");
  }
  unsigned count = dev.orig_attr.phys_port_cnt;
  if (options.port && (*options.port < 1 || *options.port > count) && !options.device.empty()) {
    throw ConfigError("verbs: port " + std::to_string(*options.port) + " (option port) does not exist on " +
                      device + " (ports 1.." + std::to_string(count) + ")");
  }
  for (unsigned p = 1; p <= count; ++p) {
    if (options.port && *options.port != p) continue;
    PortFacts f;
    f.device = device;
    f.port = static_cast<uint8_t>(p);
    if (int err = api.queryPort(ctx, f.port, &f.attr); err != 0) {
      throw UnsupportedError("verbs: cannot query " + f.where() + " (ibv_query_port: " + std::strerror(err) + ")");
    }
    f.gids = readGids(api, ctx, f.port, f.attr.gid_tbl_len);
    out.push_back(std::move(f));
  }
}

std::vector<PortFacts> readPorts(VerbsApi& api, const VerbsOptions& options) {
  std::vector<PortFacts> ports;
  for (const auto& device : candidateDevices(api, options)) {
    ibv_context* ctx = api.openDevice(device);
    if (ctx == nullptr) {
      throw UnsupportedError("verbs: cannot open device " + device + " (ibv_open_device: " +
                             std::strerror(errno) + "); check permissions on /dev/infiniband");
    }
    try {
      readDevicePorts(api, ctx, device, options, ports);
    } catch (...) {
      api.closeDevice(ctx);
      throw;
    }
    api.closeDevice(ctx);
  }
  return ports;
}

VerbsAddress addressOf(const PortFacts& p, uint32_t gid_index, const ibv_gid& gid, uint32_t gid_type) {
  VerbsAddress a;
  a.device = p.device;
  a.port = p.port;
  a.gid_index = gid_index;
  a.gid = gid;
  a.gid_text = gidText(gid);
  a.link_layer = p.roce() ? "roce" : "ib";
  a.lid = p.roce() ? 0 : p.attr.lid;
  a.active_mtu = mtuBytes(p.attr.active_mtu);
  a.speed_gbps = portSpeedGbps(p.attr.active_speed, p.attr.active_width);
  a.gid_type = gidTypeName(gid_type);
  return a;
}

void requireActive(const PortFacts& p, const char* why) {
  if (p.active()) return;
  throw ConfigError("verbs: " + p.where() + " is " + stateName(p.attr.state) + " (" + why +
                    "); expected ACTIVE: check the link (ibv_devinfo, ibstat) and the subnet manager on InfiniBand");
}

const ibv_gid_entry* entryAt(const PortFacts& p, uint32_t index) {
  for (const auto& e : p.gids) {
    if (e.gid_index == index) return &e;
  }
  return nullptr;
}

// gid_index given: the port is the only candidate, or the one whose entry there is the address.
VerbsAddress pickByIndex(const std::vector<PortFacts>& ports, uint32_t index, const std::string& address,
                         const std::optional<ibv_gid>& want) {
  const std::string opt = "gid_index " + std::to_string(index) + " (option gid_index)";
  const PortFacts* chosen = ports.size() == 1 ? &ports[0] : nullptr;
  for (const auto& p : ports) {
    const ibv_gid_entry* e = entryAt(p, index);
    if (chosen == nullptr && e != nullptr && want && sameGid(e->gid, *want)) chosen = &p;
  }
  if (chosen == nullptr) {
    throw ConfigError("verbs: " + opt + " is ambiguous: no single port to apply it to and none carries " +
                      (address.empty() ? std::string("the data address") : address) + " there (looked at " +
                      describeAll(ports) + "); pass device and port");
  }
  const ibv_gid_entry* e = entryAt(*chosen, index);
  if (e == nullptr) {
    throw ConfigError("verbs: " + opt + " is empty or out of range on " + describe(*chosen) +
                      "; pass one of the indexes listed");
  }
  requireActive(*chosen, "gid_index names it");
  VerbsAddress a = addressOf(*chosen, index, e->gid, e->gid_type);
  if (e->gid_type == IBV_GID_TYPE_ROCE_V1) {
    a.warning = "verbs: " + chosen->where() + " GID index " + std::to_string(index) + " (" + a.gid_text +
                ") is RoCE v1 (chosen by option gid_index): RoCE v1 is not routable across IP subnets";
  }
  if (chosen->roce() && want && !sameGid(e->gid, *want)) {
    std::string w = "verbs: " + chosen->where() + " GID index " + std::to_string(index) + " is " + a.gid_text +
                    ", not the data address " + address;
    a.warning = a.warning.empty() ? w : a.warning + "; " + w;
  }
  return a;
}

// Without gid_index: the first ACTIVE RoCE port whose RoCE v2 entry is the address.
std::optional<VerbsAddress> pickRoceV2(const std::vector<PortFacts>& ports, const ibv_gid& want) {
  for (const auto& p : ports) {
    if (!p.active() || !p.roce()) continue;
    for (const auto& e : p.gids) {
      if (e.gid_type == IBV_GID_TYPE_ROCE_V2 && sameGid(e.gid, want)) return addressOf(p, e.gid_index, e.gid, e.gid_type);
    }
  }
  return std::nullopt;
}

// "; mlx5_0 port 1 index 2 carries it as RoCE v1 (pass gid_index 2 to use RoCE v1)" or "".
std::string roceV1Hint(const std::vector<PortFacts>& ports, const ibv_gid& want) {
  for (const auto& p : ports) {
    for (const auto& e : p.gids) {
      if (e.gid_type != IBV_GID_TYPE_ROCE_V1 || !sameGid(e.gid, want)) continue;
      std::string i = std::to_string(e.gid_index);
      return "; " + p.where() + " index " + i + " carries it as RoCE v1 only (pass device " + p.device +
             ", port " + std::to_string(p.port) + ", gid_index " + i + " to use RoCE v1)";
    }
  }
  return "";
}

// No RoCE v2 match: an ACTIVE InfiniBand port when it is the only one or the device was named.
std::optional<VerbsAddress> pickIb(const std::vector<PortFacts>& ports, const VerbsOptions& options) {
  std::vector<const PortFacts*> ib;
  for (const auto& p : ports) {
    if (p.active() && !p.roce()) ib.push_back(&p);
  }
  if (ib.empty()) return std::nullopt;
  if (ib.size() > 1 && options.device.empty()) {
    std::string names;
    for (const auto* p : ib) names += (names.empty() ? "" : ", ") + p->where();
    throw ConfigError("verbs: no RoCE port carries the data address and " + std::to_string(ib.size()) +
                      " InfiniBand ports are active (" + names + "); pass device (and port) to choose one");
  }
  const PortFacts& p = *ib.front();
  const ibv_gid_entry* e = entryAt(p, 0);
  ibv_gid gid = e != nullptr ? e->gid : ibv_gid{};
  return addressOf(p, 0, gid, IBV_GID_TYPE_IB);
}

}  // namespace

VerbsAddress chooseVerbsAddress(VerbsApi& api, const std::string& data_address, const VerbsOptions& options) {
  std::optional<ibv_gid> want;
  if (!data_address.empty()) want = gidOfAddress(data_address);
  std::vector<PortFacts> ports = readPorts(api, options);
  if (options.port && ports.size() == 1) requireActive(ports.front(), "option port");
  if (options.gid_index) return pickByIndex(ports, *options.gid_index, data_address, want);
  if (want) {
    if (auto a = pickRoceV2(ports, *want)) return *a;
  }
  if (auto a = pickIb(ports, options)) return *a;
  std::string what = want ? data_address : std::string("the data address (none given)");
  throw ConfigError("verbs: no RoCE v2 GID for " + what + " on " +
                    (options.device.empty() ? std::string("any device") : options.device) + " (looked at " +
                    describeAll(ports) + ")" + (want ? roceV1Hint(ports, *want) : std::string()) +
                    "; check the address is on the RDMA netdev, or pass gid_index");
}

}  // namespace fabcheck::transport::verbs
