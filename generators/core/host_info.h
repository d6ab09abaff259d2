// Facts about this host that peers compare.
//
// bootId(): the kernel's boot id (/proc/sys/kernel/random/boot_id). Two processes with the
// same boot id run on one kernel and so share CLOCK_REALTIME: one-way latency between them
// is exact. Empty when unreadable (then clocks are never assumed shared).
#pragma once

#include <string>

namespace fabcheck {

std::string hostName();
std::string bootId();

}  // namespace fabcheck
