// EthtoolCounterSource: NIC driver statistics — what `ethtool -S <if>` prints, where the
// per-priority PFC counters live (rx_prio{p}_pause, rx_prio{p}_pause_duration..., see
// pfc_counter_names.h) — read through the kernel's ethtool interface (ethtool_ioctl.h), or,
// when a `runner` is given, by running `ethtool -S` through it (captured output in tests).
//
// Samples: one per "name: value" line with an integer value, named as the driver names it,
// labelled {host, dev, netns (when given)}; 64-bit, non-saturating (ethtool stats are u64). Names differ by driver
// and per-priority counters exist only for PFC-enabled priorities: compare by name (deltas
// report appeared/vanished ones). `peer_ifindex` (veth; an index, not a count) is skipped.
// Through the kernel interface (no runner) each interface also gets the standard pause
// statistics (ethtool_pause_netlink.h: ETHTOOL_MSG_PAUSE_GET with stats), as samples
// `pause_stat.tx_frames` and `pause_stat.rx_frames` (u64, same labels) when its driver reports
// them; when it does not (veth, loopback: no pause operations; a driver without
// get_pause_stats; no ethtool netlink family), one note "pause statistics: <why>; ..." says so.
// Interfaces: the named ones, or every non-loopback interface under /sys/class/net.
// Unavailable (empty snapshot + reason): no interface; the namespace cannot be entered; every
// interface has no statistics (loopback, bridges: EOPNOTSUPP) or is gone (ENODEV); with a
// runner, also `ethtool` not installed. When only
// some are, they are named in the snapshot's notes.
// Errors: ethtool fails otherwise or times out; a line that is not "name: value"; a malformed
// or refused pause-statistics answer, or none within 2 s.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/counters/counter_source.h"
#include "harness/counters/ethtool_pause_netlink.h"
#include "harness/process/command_runner.h"

namespace fabcheck::counters {

struct EthtoolSourceOptions {
  std::string host;                        // "host" label; empty: this host's name
  std::vector<std::string> interfaces;     // empty: all but loopback, from sysfs_root
  std::string sysfs_root = "/sys/class/net";
  std::string netns;                       // named namespace (/run/netns/NS)
                                           // (name the interfaces then; sysfs_root is this namespace's)
  std::string ethtool = "ethtool";                 // with a runner: the tool it runs
  int64_t timeout_ns = 5'000'000'000;             // each run of the tool
  std::shared_ptr<process::CommandRunner> runner;  // null: the kernel interface, no tool at all
  // The kernel path's pause-statistics reader (ifname, netns); null: readPauseStats. A seam for tests.
  std::function<PauseRead(const std::string&, const std::string&)> pause_reader;
};

struct EthtoolStat {
  std::string name;
  uint64_t value;
};

// Parses `ethtool -S` output ("NIC statistics:" then "     name: value" lines). Lines whose value
// is not an integer are skipped into `notes`; `what` names the command in messages.
std::vector<EthtoolStat> parseEthtoolStats(const std::string& text, const std::string& what, std::vector<std::string>& notes);

class EthtoolCounterSource : public CounterSource {
 public:
  explicit EthtoolCounterSource(EthtoolSourceOptions options);

  std::string name() const override { return "ethtool"; }
  CounterSnapshot snapshot() override;
  std::string unavailable_reason() const override { return reason_; }

 private:
  bool readByCommand(const std::string& dev, std::vector<EthtoolStat>& stats, std::vector<std::string>& without,
                     CounterSnapshot& snap);
  bool readByKernel(const std::string& dev, std::vector<EthtoolStat>& stats, std::vector<std::string>& without);
  bool readPause(const std::string& dev, std::vector<EthtoolStat>& stats, std::vector<std::string>& missing);

  EthtoolSourceOptions options_;
  std::string reason_;
};

}  // namespace fabcheck::counters
