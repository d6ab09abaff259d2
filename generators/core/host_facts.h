// Facts about this host that an agent reports when it registers, beside host_info.h's name and
// boot id and interfaces.h's interfaces: what an operator needs to tell nodes apart when one of
// them misbehaves (an odd kernel, an unstable clock source, a missing RDMA device).
//
// Contract: each reads the running system only (no verbs calls, no commands) and never throws;
// a fact that cannot be read is empty.
#pragma once

#include <string>
#include <vector>

namespace fabcheck {

// uname(2) release, e.g. "6.1.0-18-amd64".
std::string kernelRelease();

// The kernel's clock source (/sys/devices/system/clocksource/clocksource0/current_clocksource),
// e.g. "tsc", "kvm-clock", "hpet".
std::string clockSource();

// RDMA device names from /sys/class/infiniband ("mlx5_0", "rxe0"), sorted; empty when the
// directory is absent (no RDMA stack or no device).
std::vector<std::string> rdmaDevices();

}  // namespace fabcheck
