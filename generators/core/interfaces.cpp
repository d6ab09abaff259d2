#include "generators/core/interfaces.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "generators/core/errors.h"

namespace fabcheck {
namespace {

int prefixLength(const unsigned char* mask, size_t bytes) {
  int n = 0;
  for (size_t i = 0; i < bytes; ++i) n += std::popcount(static_cast<unsigned>(mask[i]));
  return n;
}

int mtuOf(int sock, const std::string& name) {
  if (sock >= 0 && name.size() < IFNAMSIZ) {
    ifreq req{};
    std::memcpy(req.ifr_name, name.c_str(), name.size() + 1);
    if (::ioctl(sock, SIOCGIFMTU, &req) == 0) return req.ifr_mtu;
  }
  std::ifstream in("/sys/class/net/" + name + "/mtu");
  int mtu = 0;
  if (in >> mtu) return mtu;
  return 0;
}

}  // namespace

std::vector<NetInterface> listInterfaces() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    throw Error(std::string("cannot list this host's network interfaces: getifaddrs failed: ") + std::strerror(errno));
  }
  std::map<std::string, NetInterface> by_name;
  std::vector<std::string> order;
  for (const ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_name) continue;
    auto [it, fresh] = by_name.try_emplace(a->ifa_name);
    NetInterface& i = it->second;
    if (fresh) {
      order.push_back(a->ifa_name);
      i.name = a->ifa_name;
      i.index = static_cast<int>(::if_nametoindex(a->ifa_name));
    }
    i.up = i.up || (a->ifa_flags & IFF_UP) != 0;
    i.loopback = i.loopback || (a->ifa_flags & IFF_LOOPBACK) != 0;
    if (!a->ifa_addr) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
      if (!::inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text)) continue;
      int prefix = 32;
      if (a->ifa_netmask) {
        const auto* m = reinterpret_cast<const sockaddr_in*>(a->ifa_netmask);
        prefix = prefixLength(reinterpret_cast<const unsigned char*>(&m->sin_addr), sizeof m->sin_addr);
      }
      i.addresses.push_back({4, text, prefix});
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
      if (!::inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text)) continue;
      int prefix = 128;
      if (a->ifa_netmask) {
        const auto* m = reinterpret_cast<const sockaddr_in6*>(a->ifa_netmask);
        prefix = prefixLength(reinterpret_cast<const unsigned char*>(&m->sin6_addr), sizeof m->sin6_addr);
      }
      i.addresses.push_back({6, text, prefix});
    }
  }
  ::freeifaddrs(list);

  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  std::vector<NetInterface> out;
  out.reserve(order.size());
  for (const auto& name : order) {
    NetInterface& i = by_name.at(name);
    i.mtu = mtuOf(sock, name);
    out.push_back(std::move(i));
  }
  if (sock >= 0) ::close(sock);
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.index < y.index; });
  return out;
}

void to_json(nlohmann::json& j, const InterfaceAddress& a) {
  j = nlohmann::json{{"family", a.family}, {"address", a.address}, {"prefix", a.prefix}};
}

void from_json(const nlohmann::json& j, InterfaceAddress& a) {
  try {
    j.at("family").get_to(a.family);
    j.at("address").get_to(a.address);
    j.at("prefix").get_to(a.prefix);
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(std::string("malformed interface address: ") + e.what());
  }
  if (a.family != 4 && a.family != 6) {
    throw ProtocolError("malformed interface address '" + a.address + "': family " + std::to_string(a.family) +
                        "; expected 4 or 6");
  }
}

void to_json(nlohmann::json& j, const NetInterface& i) {
  j = nlohmann::json{{"name", i.name},       {"index", i.index}, {"up", i.up},
                     {"loopback", i.loopback}, {"mtu", i.mtu},     {"addresses", i.addresses}};
}

void from_json(const nlohmann::json& j, NetInterface& i) {
  try {
    j.at("name").get_to(i.name);
    j.at("index").get_to(i.index);
    j.at("up").get_to(i.up);
    j.at("loopback").get_to(i.loopback);
    j.at("mtu").get_to(i.mtu);
    j.at("addresses").get_to(i.addresses);
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError("malformed network interface '" + i.name + "': " + e.what());
  }
}

}  // namespace fabcheck
