#include "harness/counters/nic_selection.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <optional>

#include "generators/core/errors.h"
#include "harness/counters/sysfs_reader.h"

namespace fabcheck::counters {

namespace fs = std::filesystem;

namespace {

struct Address {
  sockaddr_storage ss{};
  socklen_t len = 0;
};

Address parseAddress(const std::string& text) {
  Address a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    a.len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    a.len = sizeof(sockaddr_in6);
  } else {
    throw ConfigError("data address '" + text + "' is not an IPv4 or IPv6 address");
  }
  return a;
}

bool sameAddress(const sockaddr* x, const sockaddr_storage& y) {
  if (!x || x->sa_family != y.ss_family) return false;
  if (x->sa_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(x)->sin_addr.s_addr == reinterpret_cast<const sockaddr_in*>(&y)->sin_addr.s_addr;
  }
  return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(x)->sin6_addr, &reinterpret_cast<const sockaddr_in6*>(&y)->sin6_addr,
                     sizeof(in6_addr)) == 0;
}

// The interface holding `a` in this namespace; empty when none does.
std::string interfaceHolding(const sockaddr_storage& a) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* i = list; i && found.empty(); i = i->ifa_next) {
    if (sameAddress(i->ifa_addr, a)) found = i->ifa_name;
  }
  freeifaddrs(list);
  return found;
}

// The source address the kernel picks toward `a` (a connected UDP socket; nothing is sent).
std::optional<sockaddr_storage> routeSource(Address a) {
  const int fd = ::socket(a.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  reinterpret_cast<sockaddr_in*>(&a.ss)->sin_port = htons(9);  // same offset in sockaddr_in6
  std::optional<sockaddr_storage> out;
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a.ss), a.len) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
    out = local;
  }
  ::close(fd);
  return out;
}

void findInterface(const NicSelectionOptions& o, NicSelection& s) {
  if (!o.interface.empty()) {
    if (!fs::exists(o.net_root + "/" + o.interface)) throw ConfigError("--interface " + o.interface + ": no such interface under " + o.net_root);
    s.interface = o.interface;
    s.how = "interface " + o.interface + " (given)";
    return;
  }
  if (o.address.empty()) {
    s.reason = "no data address and no interface given";
    return;
  }
  const Address a = parseAddress(o.address);
  s.interface = interfaceHolding(a.ss);
  if (!s.interface.empty()) {
    s.how = "interface " + s.interface + " holds " + o.address;
    return;
  }
  const auto src = routeSource(a);
  if (src) s.interface = interfaceHolding(*src);
  if (s.interface.empty()) {
    s.reason = "no interface holds " + o.address + " and no route toward it";
  } else {
    s.how = "interface " + s.interface + " routes toward " + o.address;
  }
}

// The port of `dev` whose gid_attrs/ndevs names `ifname`; "" when none.
std::string portNaming(const std::string& ib_root, const std::string& dev, const std::string& ifname) {
  for (const std::string& port : listDir(ib_root + "/" + dev + "/ports")) {
    const std::string dir = ib_root + "/" + dev + "/ports/" + port + "/gid_attrs/ndevs";
    for (const std::string& f : listDir(dir)) {
      const auto v = readSmallFile(dir + "/" + f);
      if (v && *v == ifname) return port;
    }
  }
  return "";
}

void findDevice(const NicSelectionOptions& o, NicSelection& s) {
  if (!o.device.empty()) {
    if (!fs::exists(o.ib_root + "/" + o.device)) throw ConfigError("--device " + o.device + ": no such RDMA device under " + o.ib_root);
    s.device = o.device;
  } else if (!s.interface.empty()) {
    const auto under = listDir(o.net_root + "/" + s.interface + "/device/infiniband");
    if (!under.empty()) s.device = under.front();
    for (const std::string& dev : listDir(o.ib_root)) {
      if (s.device.empty() && !portNaming(o.ib_root, dev, s.interface).empty()) s.device = dev;
    }
  }
  if (s.device.empty()) {
    const std::string why = fs::is_directory(o.ib_root) ? "none of " + o.ib_root + " is on it" : "no " + o.ib_root;
    const std::string line = "no RDMA device on " + (s.interface.empty() ? std::string("the interface") : s.interface) + " (" + why + ")";
    s.reason += (s.reason.empty() ? "" : "; ") + line;
    return;
  }
  s.port = s.interface.empty() ? "" : portNaming(o.ib_root, s.device, s.interface);
  const auto ports = listDir(o.ib_root + "/" + s.device + "/ports");
  if (s.port.empty() && ports.size() == 1) s.port = ports.front();
  s.how += (s.how.empty() ? "" : ", ") + std::string("RDMA device ") + s.device + (s.port.empty() ? "" : " port " + s.port) +
           (o.device.empty() ? "" : " (given)");
}

}  // namespace

NicSelection selectNic(const NicSelectionOptions& options) {
  NicSelection s;
  findInterface(options, s);
  findDevice(options, s);
  return s;
}

}  // namespace fabcheck::counters
