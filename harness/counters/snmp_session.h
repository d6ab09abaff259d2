// SnmpSession: one SNMP v2c or v3 (USM) session to one switch, over net-snmp's single-session
// API (libsnmp-dev), for GETBULK walks of table columns. Used by switch_snmp_counter_source.h.
//
// Contract:
// - The library is initialised once per process on first use: no MIB files (MIBS=""), no
//   snmp.conf, no persistent state written, library logging off (its errors come back as
//   exceptions instead). net-snmp's v3 code is not thread-safe, so every library call of every
//   session is made under one process-wide mutex: sessions may be used from several threads,
//   but their requests run one at a time.
// - open() throws SnmpError when the session cannot be opened (a v3 switch that does not answer
//   the engine-ID probe within timeout × (retries + 1) blocks that long, then throws). The
//   message names the switch, its address and net-snmp's reason; never a secret.
// - v3: net-snmp keeps one USM user (and its keys) per engine ID and user name per process. A
//   user is forgotten when the last session using it closes, so a later session with other keys
//   uses its own (also after a session whose key was refused); two open sessions to one engine
//   with one user but different keys: the second one's walk() throws SnmpError saying so.
// - walk() returns every instance under each root, in OID order, as the agent returns them
//   (GETBULK, several columns per request). A column ends at the first name outside its root,
//   at endOfMibView / noSuchObject / noSuchInstance, or when a name does not increase. A column
//   the agent does not serve comes back empty. No answer within the timeout, an authentication
//   failure or an error status throws SnmpError (switch, address, reason).
// - Counter64 is decoded as high << 32 | low (32 bits used per half); Counter32, Gauge32 and
//   TimeTicks are masked to 32 bits; INTEGER is its value (negative values wrap to uint64).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "harness/model/site.h"

namespace fabcheck::counters {

class SnmpError : public Error {
 public:
  using Error::Error;
};

using Oid = std::vector<uint32_t>;

// ".1.3.6.1.2.1.31.1.1.1.1" -> Oid; throws Error on anything else.
Oid parseOid(const std::string& text);
std::string oidText(const Oid& oid);  // ".1.3.6..."
bool oidStartsWith(const Oid& oid, const Oid& prefix);

enum class SnmpType : uint8_t { kCounter64, kCounter32, kGauge32, kTimeTicks, kInteger, kString, kOther };

struct SnmpVar {
  Oid oid;      // full instance OID
  Oid index;    // the part after the walked root
  SnmpType type = SnmpType::kOther;
  uint64_t value = 0;  // numbers (see the contract for widths)
  std::string text;    // octet strings, raw bytes
};

// The net-snmp peer name for a site-file address: "udp:host[:port]", "udp6:[v6]:port", or
// the address as given when it names a transport ("unix:/path", "udp:", "tcp:", "udp6:").
std::string snmpPeerName(const std::string& address);

class SnmpSession {
 public:
  // Opens a session to `sw` (model/site.h): address, v2c community or v3 USM, timeout, retries.
  explicit SnmpSession(const model::SwitchSpec& sw);
  ~SnmpSession();
  SnmpSession(const SnmpSession&) = delete;
  SnmpSession& operator=(const SnmpSession&) = delete;

  // One vector per root, in the order given.
  std::vector<std::vector<SnmpVar>> walk(const std::vector<Oid>& roots);

  const std::string& switchName() const { return name_; }
  const std::string& address() const { return address_; }

 private:
  std::string name_, address_;
  void* handle_ = nullptr;  // net-snmp single-session handle
  std::string usm_key_;     // v3: engine ID + user, once counted (see shareUsmUser)
  std::string user_;        // v3 user
  size_t keys_ = 0;         // v3: fingerprint of the keys
  void shareUsmUser();
  std::string describeTries() const;
  std::vector<size_t> bulkStep(const std::vector<Oid>& roots, std::vector<Oid>& pos, const std::vector<size_t>& active, long& reps,
                               std::vector<std::vector<SnmpVar>>& out);
  int64_t timeout_ns_ = 0;
  int retries_ = 0;
};

}  // namespace fabcheck::counters
