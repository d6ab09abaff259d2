// Which switch port an interface is cabled to, as the host's lldpd learned it over LLDP
// (docs/switches.md "Topology from LLDP").
//
// Contract:
// - parseLldpNeighbours(text) is pure: it reads `lldpcli -f json0 show neighbors` (json0 keeps
//   every level an array whatever the count of interfaces or neighbours, unlike `-f json`):
//     {"lldp": [{"interface": [{"name": IF, "chassis": [{"name": [{"value": SWITCH}], ...}],
//                               "port": [{"id": [{"type": T, "value": V}],
//                                         "descr": [{"value": D}]}]}, ...]}]}
//   The port is V when T is "ifname" or "local" (lldpd with portidsubtype ifname, SONiC's
//   alias), else D (lldpd's default: the id is a MAC and the description the port's name).
//   A neighbour without a system name or without a port name is left out with a note; text that
//   is not this shape is `error`, naming what was expected. No neighbours is an empty list.
// - neighbourOn(parse, interface) picks that interface's neighbour; when there is none,
//   `reason` says why in one line (never a made-up neighbour).
// - readLldpNeighbour(options, runner) runs `lldpcli [-u SOCKET] -f json0 show neighbors` with
//   a timeout through the CommandRunner and picks options.interface's neighbour. lldpcli not
//   installed, lldpd not running (the socket cannot be reached) and a timeout are reasons, not
//   throws.
// - lldpSocketFromEnvironment(): FABCHECK_LLDP_SOCKET, with "{netns}" replaced by the name of
//   this process's network namespace (currentNetnsName()); empty when unset: lldpcli's default
//   socket (/run/lldpd.socket). One lldpd per namespace needs one socket per namespace.
// - currentNetnsName(): the /run/netns entry that is this process's network namespace (same
//   device and inode as /proc/self/ns/net); empty when none is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/process/command_runner.h"

namespace fabcheck::counters {

struct LldpNeighbour {
  std::string interface;    // the local interface it was seen on
  std::string switch_name;  // the neighbour's system name
  std::string port;         // the neighbour's port, by the rule above
};

struct LldpParse {
  std::vector<LldpNeighbour> neighbours;
  std::vector<std::string> notes;  // neighbours left out, and why
  std::string error;               // not json0 neighbours output; empty when it was
};

LldpParse parseLldpNeighbours(std::string_view json0);

struct LldpLookup {
  std::optional<LldpNeighbour> neighbour;
  std::string reason;  // one line when there is no neighbour
};

LldpLookup neighbourOn(const LldpParse& parse, const std::string& interface);

struct LldpOptions {
  std::string interface;                  // the data interface (nic_selection.h)
  std::string socket;                     // lldpd's control socket; empty: lldpcli's default
  int64_t timeout_ns = 3'000'000'000;
  std::string program = "lldpcli";
};

LldpLookup readLldpNeighbour(const LldpOptions& options, process::CommandRunner& runner);

std::string lldpSocketFromEnvironment();
std::string currentNetnsName();

}  // namespace fabcheck::counters
