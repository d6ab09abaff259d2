// The site file's `switches:` section (model/site.h; syntax in docs/switches.md):
//
//   switches:
//     - name: leaf1
//       address: 192.0.2.10              # host, host:port (default 161), [v6]:port, unix:/path
//       snmp: {version: 2c, community_file: leaf1.community}
//       # v3: {version: 3, user: fabcheck, auth: sha, auth_key_file: F, priv: aes, priv_key_file: F}
//       ports: [Ethernet0, Ethernet4]    # optional; default every oper-up port
//       timeout: 1s                      # optional, per request (default 1s); retries: 1 (default)
//
// Contract:
// - The same site file may hold the suite's `fabric:` and `defaults:` (suite_loader.h); they are
//   not read here. Any other top-level key is an error.
// - Key files are relative to the site file's directory; their content with the trailing
//   newline stripped is the secret. v3: auth md5|sha|sha256|sha512, priv aes|des (priv needs
//   auth); the security level follows from what is given (user only: noAuthNoPriv).
// - Every problem is one Diagnostic "file:line:col: <key> '<value>': <what was expected>" (a key
//   file that cannot be read, a v3 passphrase under 8 characters, an unknown key with the
//   nearest known one, a duplicate switch name); all of them are thrown at once as SuiteError.
//   Messages never contain a secret.
#pragma once

#include <string>
#include <vector>

#include "harness/model/site.h"
#include "harness/suite/suite_loader.h"

namespace fabcheck::suite {

// Reads `path`; a file that cannot be read is a ConfigError "<path>: cannot read the site file:
// <OS reason>"; problems inside it are a SuiteError.
model::Site loadSite(const std::string& path);

// The same from text; `file` names it in positions; key files are read relative to `base_dir`.
model::Site parseSite(const std::string& text, const std::string& file, const std::string& base_dir);

// Every switch of these site files, in order; a name in two files is a ConfigError naming both.
std::vector<model::SwitchSpec> loadSiteSwitches(const std::vector<std::string>& paths);

// The switch named `name`; ConfigError naming the site file and the switches it has.
const model::SwitchSpec& findSwitch(const model::Site& site, const std::string& name);

}  // namespace fabcheck::suite
