// SnmpCounterSource: the IP/TCP/UDP counters of /proc/net/snmp, the UDP counters of
// /proc/net/snmp6 and the IPv4 ECN counters of /proc/net/netstat. The files are per network
// namespace: a process inside a namespace reads that namespace's counters.
//
// Samples (64-bit, labelled {host}), named "<Group>.<Counter>" as the kernel names them:
//   Udp.  InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors MemErrors
//   Udp6. the same, from snmp6's Udp6InDatagrams ... lines
//   Ip.   InReceives InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmFails FragFails
//   Tcp.  ActiveOpens PassiveOpens AttemptFails EstabResets InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors
//   IpExt. InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts (netstat: IPv4 packets received, by ECN
//         field; IPv6 has no such counters)
// A counter this kernel does not print is left out. Note: the kernel counts a datagram dropped
// for a full receive buffer in both RcvbufErrors and InErrors.
// Unavailable: /proc/net/snmp cannot be opened (snmp6 or netstat missing just leaves Udp6 or
// IpExt out).
// Errors: a header line without its value line, a count mismatch, a value that is not a number
// (names the file, line and value).
#pragma once

#include <string>
#include <vector>

#include "harness/counters/counter_source.h"

namespace fabcheck::counters {

struct SnmpSourceOptions {
  std::string host;  // "host" label; empty: this host's name
  std::string snmp_path = "/proc/net/snmp";
  std::string snmp6_path = "/proc/net/snmp6";
  std::string netstat_path = "/proc/net/netstat";
};

// Parses /proc/net/snmp or /proc/net/netstat text (pairs of "Group: names" / "Group: values"
// lines), keeping only the counters listed above, in file order. `what` names the file in error messages.
struct SnmpValue {
  std::string name;  // "Udp.RcvbufErrors"
  uint64_t value;
};
std::vector<SnmpValue> parseProcNetSnmp(const std::string& text, const std::string& what);
// Parses /proc/net/snmp6 text ("Udp6InDatagrams   123" lines), selected Udp6 counters only.
std::vector<SnmpValue> parseProcNetSnmp6(const std::string& text, const std::string& what);

class SnmpCounterSource : public CounterSource {
 public:
  explicit SnmpCounterSource(SnmpSourceOptions options);

  std::string name() const override { return "snmp"; }
  CounterSnapshot snapshot() override;
  std::string unavailable_reason() const override { return reason_; }

 private:
  SnmpSourceOptions options_;
  std::string reason_;
};

}  // namespace fabcheck::counters
