// readEthtoolStats() (ethtool_ioctl.h).
#include "harness/counters/ethtool_ioctl.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/counters/netns_socket.h"

namespace fabcheck::counters {
namespace {

int ethtoolCall(int fd, const std::string& ifname, void* data) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  ifr.ifr_data = static_cast<char*>(data);
  return ::ioctl(fd, SIOCETHTOOL, &ifr) == 0 ? 0 : errno;
}

EthtoolRead failure(int err, const std::string& what, const std::string& where) {
  EthtoolRead r;
  r.error = err;
  r.reason = what + " of " + where + ": " + std::strerror(err);
  return r;
}

}  // namespace

EthtoolRead readEthtoolStats(const std::string& ifname, const std::string& netns) {
  const std::string where = ifname + (netns.empty() ? "" : " in namespace " + netns);
  bool entered = true;
  const int fd = socketInNamespace(netns, AF_INET, SOCK_DGRAM, 0, &entered);
  if (fd < 0) return failure(-fd, entered ? "socket" : "entering the namespace", where);
  const FdCloser closer(fd);
  // The count: ETHTOOL_GSSET_INFO with the one set asked for; its answer follows the header.
  std::vector<uint8_t> info_mem(sizeof(ethtool_sset_info) + sizeof(uint32_t));
  auto* info = reinterpret_cast<ethtool_sset_info*>(info_mem.data());
  info->cmd = ETHTOOL_GSSET_INFO;
  info->sset_mask = uint64_t{1} << ETH_SS_STATS;
  if (int e = ethtoolCall(fd, ifname, info); e != 0) return failure(e, "ETHTOOL_GSSET_INFO", where);
  const uint32_t n = (info->sset_mask & (uint64_t{1} << ETH_SS_STATS)) ? info->data[0] : 0;
  if (n == 0) return failure(EOPNOTSUPP, "no NIC statistics", where);
  std::vector<uint8_t> names(sizeof(ethtool_gstrings) + size_t{n} * ETH_GSTRING_LEN);
  auto* gs = reinterpret_cast<ethtool_gstrings*>(names.data());
  gs->cmd = ETHTOOL_GSTRINGS;
  gs->string_set = ETH_SS_STATS;
  gs->len = n;
  if (int e = ethtoolCall(fd, ifname, gs); e != 0) return failure(e, "ETHTOOL_GSTRINGS", where);
  std::vector<uint64_t> values_mem(sizeof(ethtool_stats) / sizeof(uint64_t) + 1 + n);
  auto* st = reinterpret_cast<ethtool_stats*>(values_mem.data());
  st->cmd = ETHTOOL_GSTATS;
  st->n_stats = n;
  if (int e = ethtoolCall(fd, ifname, st); e != 0) return failure(e, "ETHTOOL_GSTATS", where);
  EthtoolRead r;
  const uint32_t got = std::min(n, std::min(gs->len, st->n_stats));  // the set may shrink between calls
  for (uint32_t i = 0; i < got; ++i) {
    const char* s = reinterpret_cast<const char*>(gs->data) + size_t{i} * ETH_GSTRING_LEN;
    std::string name(s, strnlen(s, ETH_GSTRING_LEN));
    if (name.empty() || name == "peer_ifindex") continue;
    r.stats.push_back(EthtoolStat{std::move(name), st->data[i]});
  }
  return r;
}

}  // namespace fabcheck::counters
