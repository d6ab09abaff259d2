// Reading counter files of sysfs-like trees (/sys/class/net, /sys/class/infiniband).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fabcheck::counters {

// The names of the entries of `dir`, sorted; empty when it does not exist.
std::vector<std::string> listDir(const std::string& dir);

// The content of a small file with trailing whitespace removed; nullopt when it cannot be
// opened (vanished, no permission) — throws fabcheck::Error when a read of an open file fails
// for another reason than EOPNOTSUPP/EINVAL/ENODATA/EIO (counters a driver cannot read: nullopt).
std::optional<std::string> readSmallFile(const std::string& path);

// Parses a decimal counter value ("12345"); nullopt when `text` is not one.
std::optional<uint64_t> parseCounterValue(const std::string& text);

}  // namespace fabcheck::counters
