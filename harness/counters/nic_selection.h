// Which NIC an agent's counters come from: the interface carrying its data address and the RDMA
// device (and port) on that interface.
//
// selectNic(options):
// - interface: options.interface when given (it must exist under net_root); else the interface
//   that holds options.address in this network namespace (getifaddrs); else the one the routing
//   table sends traffic toward it through (the interface holding the source address the kernel
//   picks for a UDP socket connected to it — nothing is sent).
// - device/port: options.device when given (it must exist under ib_root); else the RDMA device
//   under <net_root>/<if>/device/infiniband/, else the one whose
//   <ib_root>/<dev>/ports/<p>/gid_attrs/ndevs/* names the interface; port: the port whose
//   gid_attrs/ndevs names the interface, else the device's only port.
// - What it could not find stays empty and `reason` says why in one line ("no RDMA device on
//   veth0 (no /sys/class/infiniband)"); it never throws for a host that lacks something.
//   A malformed address or an override that does not exist is a ConfigError naming it.
#pragma once

#include <string>

namespace fabcheck::counters {

struct NicSelectionOptions {
  std::string address;    // IPv4 or IPv6 text; may be empty when interface is given
  std::string interface;  // override
  std::string device;     // override
  std::string net_root = "/sys/class/net";
  std::string ib_root = "/sys/class/infiniband";
};

struct NicSelection {
  std::string interface;
  std::string device;  // RDMA device, empty when none
  std::string port;    // RDMA port, empty when none
  std::string how;     // one line: how the interface and device were found
  std::string reason;  // one line: what could not be found, empty when all was
};

NicSelection selectNic(const NicSelectionOptions& options);

}  // namespace fabcheck::counters
