// The site file's switches (docs/switches.md "Switch counters over SNMP"): which switches
// fabcheck reads over SNMP, how to reach them, with which credentials and which ports.
// Loaded by harness/suite/site_loader.h; read by harness/counters/switch_snmp_counter_source.h.
//
// Contract: a loaded SwitchSpec is complete and valid — secrets are already read from their key
// files (trailing newline stripped), v3 passphrases have at least 8 characters, names are unique.
// Secrets are never printed: describe the spec with its `source` and key-file paths instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fabcheck::model {

enum class SnmpVersion : uint8_t { kV2c, kV3 };
enum class SnmpAuth : uint8_t { kNone, kMd5, kSha, kSha256, kSha512 };
enum class SnmpPriv : uint8_t { kNone, kAes, kDes };

struct SnmpSpec {
  SnmpVersion version = SnmpVersion::kV2c;
  std::string community;       // v2c, from community_file
  std::string community_file;  // as resolved (for messages; never the secret)
  std::string user;            // v3 security name
  SnmpAuth auth = SnmpAuth::kNone;
  std::string auth_key;  // v3 auth passphrase, from auth_key_file
  std::string auth_key_file;
  SnmpPriv priv = SnmpPriv::kNone;
  std::string priv_key;  // v3 priv passphrase, from priv_key_file
  std::string priv_key_file;
};

struct SwitchSpec {
  std::string name;     // "leaf1"
  std::string address;  // "192.0.2.10", "192.0.2.10:1161", "[2001:db8::1]:161", "unix:/path"
  SnmpSpec snmp;
  std::vector<std::string> ports;  // ifName or SONiC EthernetN; empty: every oper-up port
  int64_t timeout_ns = 1'000'000'000;  // per request
  int retries = 1;
  std::string source;  // "site.yaml:3:5", where the switch was defined
};

struct Site {
  std::string file;
  std::vector<SwitchSpec> switches;
};

// "sha", "aes"... as written in site files ("none" for kNone).
inline const char* toString(SnmpAuth a) {
  switch (a) {
    case SnmpAuth::kMd5: return "md5";
    case SnmpAuth::kSha: return "sha";
    case SnmpAuth::kSha256: return "sha256";
    case SnmpAuth::kSha512: return "sha512";
    case SnmpAuth::kNone: break;
  }
  return "none";
}
inline const char* toString(SnmpPriv p) {
  switch (p) {
    case SnmpPriv::kAes: return "aes";
    case SnmpPriv::kDes: return "des";
    case SnmpPriv::kNone: break;
  }
  return "none";
}

}  // namespace fabcheck::model
