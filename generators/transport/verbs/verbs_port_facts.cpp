// The small translations of verbs_addressing.h: MTU encodings, port speed, GID type names and
// GID <-> address text. No libibverbs call (this file is compiled in every build).
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

#include "generators/core/errors.h"
#include "generators/transport/verbs/verbs_addressing.h"

namespace fabcheck::transport::verbs {

uint32_t mtuBytes(ibv_mtu mtu) noexcept {
  switch (mtu) {
    case IBV_MTU_256: return 256;
    case IBV_MTU_512: return 512;
    case IBV_MTU_1024: return 1024;
    case IBV_MTU_2048: return 2048;
    case IBV_MTU_4096: return 4096;
  }
  return 0;
}

ibv_mtu mtuEnum(uint32_t bytes) {
  switch (bytes) {
    case 256: return IBV_MTU_256;
    case 512: return IBV_MTU_512;
    case 1024: return IBV_MTU_1024;
    case 2048: return IBV_MTU_2048;
    case 4096: return IBV_MTU_4096;
    default: break;
  }
  throw ConfigError("verbs: mtu " + std::to_string(bytes) +
                    " is not an InfiniBand/RoCE path MTU; expected 256, 512, 1024, 2048 or 4096");
}

ibv_mtu pathMtu(ibv_mtu local_active, ibv_mtu remote_active, std::optional<uint32_t> override_bytes) {
  ibv_mtu smaller = mtuBytes(local_active) <= mtuBytes(remote_active) ? local_active : remote_active;
  if (!override_bytes) return smaller;
  ibv_mtu wanted = mtuEnum(*override_bytes);
  auto check = [&](ibv_mtu active, const char* end) {
    if (mtuBytes(wanted) > mtuBytes(active)) {
      throw ConfigError("verbs: mtu " + std::to_string(*override_bytes) + " (option mtu) exceeds the " +
                        end + " port's active MTU " + std::to_string(mtuBytes(active)) +
                        "; pass mtu <= " + std::to_string(mtuBytes(smaller)) +
                        " or raise the port MTU (RoCE: the netdev MTU)");
    }
  };
  check(local_active, "local");
  check(remote_active, "remote");
  return wanted;
}

double portSpeedGbps(uint8_t active_speed, uint8_t active_width) noexcept {
  double lane = 0;
  switch (active_speed) {
    case 1: lane = 2.5; break;    // SDR
    case 2: lane = 5.0; break;    // DDR
    case 4: lane = 10.0; break;   // QDR
    case 8: lane = 10.0; break;   // FDR10
    case 16: lane = 14.0; break;  // FDR
    case 32: lane = 25.0; break;  // EDR
    case 64: lane = 50.0; break;  // HDR
    case 128: lane = 100.0; break;  // NDR
    default: return 0;
  }
  switch (active_width) {
    case 1: return lane;        // 1x
    case 2: return lane * 4;    // 4x
    case 4: return lane * 8;    // 8x
    case 8: return lane * 12;   // 12x
    case 16: return lane * 2;   // 2x
    default: return 0;
  }
}

std::string gidTypeName(uint32_t gid_type) {
  switch (gid_type) {
    case IBV_GID_TYPE_IB: return "IB";
    case IBV_GID_TYPE_ROCE_V1: return "RoCE v1";
    case IBV_GID_TYPE_ROCE_V2: return "RoCE v2";
    default: return "type " + std::to_string(gid_type);
  }
}

ibv_gid gidOfAddress(const std::string& address) {
  ibv_gid gid{};
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    gid.raw[10] = 0xff;
    gid.raw[11] = 0xff;
    std::memcpy(&gid.raw[12], &v4, 4);
    return gid;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    std::memcpy(gid.raw, &v6, 16);
    return gid;
  }
  throw ConfigError("verbs: data address '" + address +
                    "' is not an IPv4 or IPv6 address; expected the IP address of the RDMA netdev");
}

std::string gidText(const ibv_gid& gid) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET6, gid.raw, buf, sizeof buf) == nullptr) return "?";
  return buf;
}

}  // namespace fabcheck::transport::verbs
