// This host's network interfaces as agents report them at registration: name, index, state,
// MTU and IP addresses with their prefix lengths (what `ip -br addr` shows).
//
// Contract:
// - listInterfaces() reads getifaddrs() (the calling thread's network namespace), so it also
//   lists interfaces without addresses; the MTU comes from the SIOCGIFMTU ioctl, else
//   /sys/class/net/<name>/mtu, else 0 (unknown). Sorted by index; addresses in getifaddrs order,
//   IPv6 link-local addresses included (shown without a scope suffix).
// - Throws fabcheck::Error naming the call and errno when getifaddrs() fails; an interface whose
//   MTU cannot be read is still listed.
// - JSON: {"name", "index", "up", "loopback", "mtu", "addresses": [{"family": 4|6, "address",
//   "prefix"}]}; from_json throws ProtocolError naming the malformed field.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace fabcheck {

struct InterfaceAddress {
  int family = 4;          // 4 or 6
  std::string address;     // numeric, e.g. "127.0.0.1", "fe80::1"
  int prefix = 0;          // prefix length: 8 for 127.0.0.1/8
  bool operator==(const InterfaceAddress&) const = default;
};

struct NetInterface {
  std::string name;        // "lo", "eth0"
  int index = 0;           // if_nametoindex
  bool up = false;         // IFF_UP
  bool loopback = false;   // IFF_LOOPBACK
  int mtu = 0;             // bytes; 0 = unknown
  std::vector<InterfaceAddress> addresses;
  bool operator==(const NetInterface&) const = default;
};

std::vector<NetInterface> listInterfaces();

void to_json(nlohmann::json& j, const InterfaceAddress& a);
void from_json(const nlohmann::json& j, InterfaceAddress& a);
void to_json(nlohmann::json& j, const NetInterface& i);
void from_json(const nlohmann::json& j, NetInterface& i);

}  // namespace fabcheck
