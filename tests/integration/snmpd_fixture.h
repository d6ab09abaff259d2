// Test support: a real net-snmp `snmpd` (Debian `snmpd`) inside a network namespace, with its own
// config (-C -c), persistent dir and socket under a TempDir, reachable from the root namespace over a
// unix socket (`agentaddress unix:<dir>/snmpd.sock`; the filesystem is shared across
// namespaces, so no management address is needed). It serves the namespace's real interfaces
// through IF-MIB (from /proc/net/dev of that namespace, cached 3 s by snmpd), a v2c community
// and a v3 authPriv user, and CISCO-PFC-EXT-MIB cpfcIfPriorityTable and CISCO-SWITCH-QOS-MIB
// csqIfQosGroupStatsTable from a pass_persist script of the test's own that reads its values
// from <dir>/values on every request (lines "OID counter64 VALUE"), so the test controls them.
// The system snmpd (if any) is never used. The destructor stops snmpd (SIGTERM, then the
// Subprocess kills it).
#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace fabcheck::testing {

inline constexpr const char* kSnmpdBin = "/usr/sbin/snmpd";
inline constexpr const char* kSnmpCommunity = "fabtest-community";
inline constexpr const char* kSnmpV3User = "fabv3";
inline constexpr const char* kSnmpV3Auth = "authpass-123";
inline constexpr const char* kSnmpV3Priv = "privpass-456";

// The pass_persist helper: PING/PONG, get and getnext over the OIDs in the values file, kept
// inside the subtree the asked OID belongs to (PFC-EXT or SWITCH-QOS).
inline const char* kPassPersistScript = R"(#!/usr/bin/python3
import sys
VALUES = sys.argv[0].rsplit('/', 1)[0] + '/values'
ROOTS = [(1,3,6,1,4,1,9,9,813), (1,3,6,1,4,1,9,9,580,1,5,5)]
def oid(s): return tuple(int(x) for x in s.strip().strip('.').split('.') if x)
def load():
    rows = {}
    try:
        for line in open(VALUES):
            p = line.split()
            if len(p) == 3: rows[oid(p[0])] = (p[1], p[2])
    except OSError:
        pass
    return rows
def reply(o, t, v):
    sys.stdout.write('.' + '.'.join(map(str, o)) + '\n' + t + '\n' + v + '\n')
while True:
    cmd = sys.stdin.readline()
    if not cmd: break
    cmd = cmd.strip()
    if cmd == 'PING':
        sys.stdout.write('PONG\n')
    elif cmd in ('get', 'getnext'):
        q = oid(sys.stdin.readline())
        rows = load()
        if cmd == 'get':
            if q in rows: reply(q, *rows[q])
            else: sys.stdout.write('NONE\n')
        else:
            root = next((r for r in ROOTS if q[:len(r)] == r or r[:len(q)] == q), None)
            after = sorted(o for o in rows if o > q and root and o[:len(root)] == root)
            if after: reply(after[0], *rows[after[0]])
            else: sys.stdout.write('NONE\n')
    elif cmd == 'set':
        sys.stdin.readline(); sys.stdin.readline()
        sys.stdout.write('not-writable\n')
    sys.stdout.flush()
)";

class SnmpdInNamespace {
 public:
  // Writes the config and starts snmpd in `ns`; ok() says whether it came up (error() why).
  SnmpdInNamespace(const std::string& ip_bin, const std::string& ns) {
    const std::string d = dir_.path();
    socket_ = d + "/snmpd.sock";
    writeScript(d + "/pp.py", "");
    std::ofstream(d + "/pp.py") << kPassPersistScript;
    std::ofstream(d + "/values") << "";
    std::ofstream(d + "/snmpd.conf") << "agentaddress unix:" << socket_ << "\n"
                                     << "[snmp] persistentDir " << d << "/persist\n"
                                     // v2c over a unix socket: com2secunix (rocommunity maps UDP sources only)
                                     << "com2secunix fabsec default " << kSnmpCommunity << "\n"
                                     << "group fabgrp v2c fabsec\n"
                                     << "view fabview included .1\n"
                                     << "access fabgrp \"\" any noauth exact fabview none none\n"
                                     << "createUser " << kSnmpV3User << " SHA \"" << kSnmpV3Auth << "\" AES \"" << kSnmpV3Priv
                                     << "\"\n"
                                     << "rouser " << kSnmpV3User << " priv .1\n"
                                     << "pass_persist .1.3.6.1.4.1.9.9.813 " << d << "/pp.py\n"
                                     << "pass_persist .1.3.6.1.4.1.9.9.580.1.5.5 " << d << "/pp.py\n";
    proc_ = std::make_unique<Subprocess>(Subprocess::start(
        {ip_bin, "netns", "exec", ns, "/usr/bin/env", "MIBS=", kSnmpdBin, "-f", "-Lo", "-C", "-c", d + "/snmpd.conf", "-p", d + "/snmpd.pid", "-I", "-smux"}));
    if (!proc_->waitForStdout("NET-SNMP version", std::chrono::seconds(15))) {
      error_ = "snmpd did not start within 15 s; stdout: " + proc_->out() + " stderr: " + proc_->err();
    }
  }
  ~SnmpdInNamespace() {
    if (proc_) {
      proc_->signal(SIGTERM);
      proc_->waitExit(std::chrono::seconds(10));
    }
  }
  SnmpdInNamespace(const SnmpdInNamespace&) = delete;
  SnmpdInNamespace& operator=(const SnmpdInNamespace&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_.path(); }
  std::string peer() const { return "unix:" + socket_; }
  // Replaces the values the pass_persist script serves: lines "OID counter64 VALUE".
  void setValues(const std::string& lines) const {
    const std::string tmp = dir_.path() + "/values.tmp";
    std::ofstream(tmp) << lines;
    std::rename(tmp.c_str(), (dir_.path() + "/values").c_str());
  }
  std::string log() { return proc_ ? proc_->out() + proc_->err() : ""; }

 private:
  TempDir dir_{"fabcheck-snmpd"};
  std::string socket_;
  std::unique_ptr<Subprocess> proc_;
  std::string error_;
};

}  // namespace fabcheck::testing
