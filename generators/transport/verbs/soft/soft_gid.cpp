#include "generators/transport/verbs/soft/soft_gid.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>

#include "generators/core/errors.h"

namespace fabcheck::transport::verbs::soft {

namespace {

struct HostAddress {
  ibv_gid gid{};
  uint32_t ifindex = 0;
};

ibv_gid mappedV4(const in_addr& a) {
  ibv_gid g{};
  g.raw[10] = 0xff;
  g.raw[11] = 0xff;
  std::memcpy(&g.raw[12], &a, 4);
  return g;
}

std::vector<HostAddress> hostAddresses() {
  std::vector<HostAddress> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    HostAddress h;
    h.ifindex = ::if_nametoindex(i->ifa_name);
    if (i->ifa_addr->sa_family == AF_INET) {
      h.gid = mappedV4(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      std::memcpy(h.gid.raw, &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    out.push_back(h);
  }
  ::freeifaddrs(list);
  return out;
}

HostAddress parseAddress(const std::string& text, const std::vector<HostAddress>& host) {
  HostAddress h;
  in_addr v4;
  in6_addr v6;
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    h.gid = mappedV4(v4);
  } else if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::memcpy(h.gid.raw, &v6, 16);
  } else {
    throw ConfigError("soft verbs device: address '" + text +
                      "' in SoftDeviceConfig.addresses is not an IPv4 or IPv6 address");
  }
  h.ifindex = ::if_nametoindex("lo");
  for (const auto& a : host)
    if (std::memcmp(a.gid.raw, h.gid.raw, 16) == 0) h.ifindex = a.ifindex;
  return h;
}

void addPair(std::vector<ibv_gid_entry>& table, const ibv_gid& gid, uint32_t ifindex) {
  for (uint32_t type : {IBV_GID_TYPE_ROCE_V1, IBV_GID_TYPE_ROCE_V2}) {
    ibv_gid_entry e{};
    e.gid = gid;
    e.gid_index = static_cast<uint32_t>(table.size());
    e.port_num = 1;
    e.gid_type = type;
    e.ndev_ifindex = ifindex;
    table.push_back(e);
  }
}

}  // namespace

std::vector<ibv_gid_entry> buildGidTable(const std::vector<std::string>& addresses, uint64_t mac_seed) {
  std::vector<HostAddress> host = hostAddresses();
  std::vector<HostAddress> chosen;
  if (addresses.empty()) {
    chosen = host;
  } else {
    for (const auto& a : addresses) chosen.push_back(parseAddress(a, host));
  }
  // Link-local GID from a made-up, locally administered MAC (EUI-64: flip U/L, insert ff:fe).
  uint8_t mac[6] = {0x02, 0x50, static_cast<uint8_t>(mac_seed >> 24), static_cast<uint8_t>(mac_seed >> 16),
                    static_cast<uint8_t>(mac_seed >> 8), static_cast<uint8_t>(mac_seed)};
  ibv_gid ll{};
  ll.raw[0] = 0xfe;
  ll.raw[1] = 0x80;
  uint8_t eui[8] = {static_cast<uint8_t>(mac[0] ^ 0x02), mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]};
  std::memcpy(&ll.raw[8], eui, 8);
  std::vector<ibv_gid_entry> table;
  uint32_t lo = ::if_nametoindex("lo");
  addPair(table, ll, chosen.empty() ? lo : chosen.front().ifindex);
  for (const auto& c : chosen) addPair(table, c.gid, c.ifindex);
  return table;
}

std::string gidHex(const ibv_gid& gid) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : gid.raw) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

}  // namespace fabcheck::transport::verbs::soft
