// NetdevCounterSource: the kernel's per-interface statistics, /sys/class/net/<if>/statistics/*
// (rx_bytes, tx_bytes, rx_packets, tx_packets, rx_dropped, tx_dropped, rx_errors, tx_errors...).
//
// Samples: one per statistics file that holds a decimal number, named as the file, labelled
// {host, dev}; 64-bit (rtnl_link_stats64). Files the driver cannot read are skipped.
// Interfaces: the ones named in the options (a named interface that does not exist is skipped:
// it shows as "vanished"/"appeared" in deltas), or every interface except loopback
// (type 772, or "lo" when the type file is missing).
// Unavailable: no interface to read (reason names the root or the missing interfaces).
// Errors: a statistics file whose content is not a decimal number (names file and content).
// Note: /sys/class/net shows the reading process's network namespace (as mounted).
#pragma once

#include <string>
#include <vector>

#include "harness/counters/counter_source.h"

namespace fabcheck::counters {

struct NetdevSourceOptions {
  std::string host;                        // "host" label; empty: this host's name
  std::string sysfs_root = "/sys/class/net";
  std::vector<std::string> interfaces;     // empty: all but loopback
};

class NetdevCounterSource : public CounterSource {
 public:
  explicit NetdevCounterSource(NetdevSourceOptions options);

  std::string name() const override { return "netdev"; }
  CounterSnapshot snapshot() override;
  std::string unavailable_reason() const override { return reason_; }

 private:
  NetdevSourceOptions options_;
  std::string reason_;
};

}  // namespace fabcheck::counters
