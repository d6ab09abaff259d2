// Capture directories: a host's NIC counters as plain files, taken by `fabcheck counters --save`
// or by hand on a customer's host, read back as snapshots (`fabcheck counters --capture`).
//
// Layout (docs/counters.md):
//   meta.json                                   {"host": ..., "time_ns": ..., "interface": ..., "device": ...}
//   ethtool/<ifname>.txt                        `ethtool -S <ifname>` as printed
//   sys/class/net/<ifname>/statistics/<name>    as sysfs lays them out
//   sys/class/infiniband/<dev>/ports/<port>/{counters,hw_counters}/<name>  (and <dev>/hw_counters/<name>)
//
// Contract:
// - readCapture(dir): the netdev, infiniband and ethtool snapshots, in that order, read by the
//   sources themselves (netdev and infiniband with the capture's sysfs roots, ethtool by parsing
//   the text files) — so labels, widths and saturation are exactly those of live counters and
//   deltas between two captures (counter_delta.h) handle wrap, saturation and reset the same way.
//   Every snapshot's taken_mono_ns is meta.json's time_ns (wall clock, ns): intervals between
//   captures come from their times. A part the capture lacks is an unavailable source with the
//   reason ("no sys/class/infiniband in capture DIR"). "interface" and "device" may be empty.
// - Errors (fabcheck::ConfigError, one line naming the file): no such directory, no or malformed
//   meta.json, time_ns not a positive integer, a counter file that is not a number (netdev), an
//   ethtool line that is not "name: value".
// - saveCapture(dir, meta, sources): writes the layout from netdev, infiniband and ethtool
//   snapshots (other sources are not part of a capture; derived samples such as port_xmit_bytes
//   are not written, the raw port_xmit_data is). `dir` must not exist or be empty (ConfigError
//   otherwise); files are written as sysfs shows them (a decimal value and a newline).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/counters/counter_set.h"

namespace fabcheck::counters {

struct CaptureMeta {
  std::string host;
  int64_t time_ns = 0;  // CLOCK_REALTIME when taken
  std::string interface;
  std::string device;
};

struct Capture {
  std::string dir;
  CaptureMeta meta;
  std::vector<SourceSnapshot> sources;  // netdev, infiniband, ethtool
};

Capture readCapture(const std::string& dir);
void saveCapture(const std::string& dir, const CaptureMeta& meta, const std::vector<SourceSnapshot>& sources);

}  // namespace fabcheck::counters
