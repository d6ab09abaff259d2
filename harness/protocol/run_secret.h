// The per-run secret that authenticates every controller<->agent message (authenticated_channel.h).
//
// Contract:
// - A RunSecret is 32 random bytes (RAND_bytes), written as 64 lower-case hex digits. The launcher
//   generates one per run and hands it to agents out of band: in the environment (FABCHECK_RUN_SECRET)
//   or in a file only the user can read (FABCHECK_RUN_SECRET_FILE, mode 0600 or stricter), never on a
//   command line, where `ps` would show it to every user of the host.
// - Errors are ConfigError with one line naming where the secret came from and what was expected.
//   No message ever contains the secret or any part of it.
// - loadRunSecret() reads the environment with getenv(): call it before starting threads that may
//   change the environment.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace fabcheck::protocol {

constexpr const char* kSecretEnv = "FABCHECK_RUN_SECRET";           // 64 hex digits
constexpr const char* kSecretFileEnv = "FABCHECK_RUN_SECRET_FILE";  // path of a 0600 file holding them
constexpr size_t kRunSecretBytes = 32;

struct RunSecret {
  std::array<uint8_t, kRunSecretBytes> bytes{};

  // 64 lower-case hex digits.
  std::string hex() const;

  // Parses 64 hex digits (either case), ignoring leading and trailing whitespace (a file's final
  // newline). `where` names the source for errors, e.g. "FABCHECK_RUN_SECRET" or "file '/run/s'":
  // ConfigError "run secret from FABCHECK_RUN_SECRET has 12 characters; expected 64 hex digits",
  // "run secret from file '/run/s' has a non-hex character at position 7; expected 64 hex digits".
  static RunSecret fromHex(std::string_view text, std::string_view where);

  bool operator==(const RunSecret&) const = default;
};

// 32 bytes from OpenSSL's CSPRNG. Throws fabcheck::Error if RAND_bytes fails.
RunSecret generateRunSecret();

// The secret this process was given, from the first source that is set:
//   1. FABCHECK_RUN_SECRET (hex);
//   2. the file named by FABCHECK_RUN_SECRET_FILE;
//   3. `explicit_file`, when non-empty.
// A secret file must be a regular file owned by the effective user with mode 0600 or stricter (no
// group/other bits), else ConfigError naming the path and its mode ("... has mode 0644; expected 0600
// or stricter"). ConfigError "no run secret: set FABCHECK_RUN_SECRET or FABCHECK_RUN_SECRET_FILE ..."
// when no source is set.
RunSecret loadRunSecret(const std::string& explicit_file = "");

// Reads a secret file under the rules above (regular file, owned by us, 0600 or stricter, 64 hex
// digits). `via` says how the path was given ("--secret-file", "FABCHECK_RUN_SECRET_FILE") and is
// named in the ConfigError.
RunSecret readSecretFile(const std::string& path, std::string_view via);

// Creates `path` (which must not exist: O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) holding the hex secret
// and a newline. ConfigError naming the path and the reason on any failure; a partly written file is
// removed.
void writeSecretFile(const std::string& path, const RunSecret& secret);

}  // namespace fabcheck::protocol
