#include "harness/protocol/run_secret.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::protocol {
namespace {
using fabcheck::testing::errorOf;


// Sets (or unsets, with nullopt) an environment variable for the scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A fresh temporary directory, removed with its files.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "fabcheck_secret_XXXXXX";
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    for (const auto& f : files_) ::unlink(f.c_str());
    ::rmdir(path_.c_str());
  }
  std::string file(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    return files_.back();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

mode_t modeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Neither environment variable is set for the scope.
struct CleanEnv {
  ScopedEnv hex{kSecretEnv, std::nullopt};
  ScopedEnv file{kSecretFileEnv, std::nullopt};
};

const std::string kHex = "00112233445566778899aabbccddeeff0123456789abcdef0f1e2d3c4b5a6978";

TEST(RunSecret, HexRoundTripsAndGeneratedSecretsDiffer) {
  const RunSecret a = generateRunSecret();
  const RunSecret b = generateRunSecret();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.hex().size(), 64u);
  EXPECT_EQ(RunSecret::fromHex(a.hex(), "test"), a);
  const RunSecret fixed = RunSecret::fromHex(kHex, "test");
  EXPECT_EQ(fixed.bytes[0], 0x00);
  EXPECT_EQ(fixed.bytes[1], 0x11);
  EXPECT_EQ(fixed.bytes[31], 0x78);
  EXPECT_EQ(fixed.hex(), kHex);
}

TEST(RunSecret, FromHexAcceptsUpperCaseAndSurroundingWhitespace) {
  std::string upper = kHex;
  for (char& c : upper) c = static_cast<char>(::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(RunSecret::fromHex("  " + upper + "\n", "test").hex(), kHex);
}

TEST(RunSecret, FromHexWrongLengthNamesSourceAndLength) {
  EXPECT_EQ(errorOf<ConfigError>([] { RunSecret::fromHex("abcdef", kSecretEnv); }),
            "run secret from FABCHECK_RUN_SECRET has 6 characters; expected 64 hex digits");
  EXPECT_NE(errorOf<ConfigError>([] { RunSecret::fromHex(kHex + "00", kSecretEnv); }).find("has 66 characters"),
            std::string::npos);
}

TEST(RunSecret, FromHexNonHexNamesThePositionButNotTheSecret) {
  std::string bad = kHex;
  bad[7] = 'g';
  const std::string what = errorOf<ConfigError>([&] { RunSecret::fromHex(bad, "file '/x'"); });
  EXPECT_EQ(what, "run secret from file '/x' has a non-hex character at position 7; expected 64 hex digits");
  EXPECT_EQ(what.find(bad.substr(0, 7)), std::string::npos);
}

TEST(RunSecret, LoadsFromTheEnvironmentHex) {
  CleanEnv clean;
  ScopedEnv env(kSecretEnv, kHex);
  EXPECT_EQ(loadRunSecret().hex(), kHex);
}

TEST(RunSecret, LoadsFromA0600FileNamedInTheEnvironment) {
  CleanEnv clean;
  TempDir dir;
  const std::string path = dir.file("secret");
  const RunSecret secret = generateRunSecret();
  writeSecretFile(path, secret);
  ScopedEnv env(kSecretFileEnv, path);
  EXPECT_EQ(loadRunSecret(), secret);
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);  // stricter is fine too
  EXPECT_EQ(loadRunSecret(), secret);
}

TEST(RunSecret, EnvironmentHexWinsOverFileAndFileOverExplicitPath) {
  CleanEnv clean;
  TempDir dir;
  const RunSecret in_env_file = generateRunSecret();
  const RunSecret in_explicit = generateRunSecret();
  writeSecretFile(dir.file("env"), in_env_file);
  writeSecretFile(dir.file("explicit"), in_explicit);
  const std::string explicit_path = dir.path() + "/explicit";
  EXPECT_EQ(loadRunSecret(explicit_path), in_explicit);
  {
    ScopedEnv file(kSecretFileEnv, dir.path() + "/env");
    EXPECT_EQ(loadRunSecret(explicit_path), in_env_file);
    ScopedEnv hex(kSecretEnv, kHex);
    EXPECT_EQ(loadRunSecret(explicit_path).hex(), kHex);
  }
}

TEST(RunSecret, RefusesAFileReadableByOthersNamingPathAndMode) {
  CleanEnv clean;
  TempDir dir;
  const std::string path = dir.file("secret");
  writeSecretFile(path, generateRunSecret());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ScopedEnv env(kSecretFileEnv, path);
  const std::string what = errorOf<ConfigError>([] { loadRunSecret(); });
  EXPECT_NE(what.find("'" + path + "'"), std::string::npos) << what;
  EXPECT_NE(what.find("mode 0644"), std::string::npos) << what;
  EXPECT_NE(what.find("expected 0600 or stricter"), std::string::npos) << what;
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);  // group-readable is refused too
  EXPECT_NE(errorOf<ConfigError>([] { loadRunSecret(); }).find("mode 0640"), std::string::npos);
}

TEST(RunSecret, RefusesAFileOwnedBySomeoneElse) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  CleanEnv clean;
  TempDir dir;
  const std::string path = dir.file("secret");
  writeSecretFile(path, generateRunSecret());
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  const std::string what = errorOf<ConfigError>([&] { loadRunSecret(path); });
  EXPECT_NE(what.find("is owned by uid 65534"), std::string::npos) << what;
  EXPECT_NE(what.find(path), std::string::npos) << what;
}

TEST(RunSecret, RefusesADirectory) {
  CleanEnv clean;
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
  EXPECT_NE(errorOf<ConfigError>([&] { loadRunSecret(dir.path()); }).find("is not a regular file"), std::string::npos);
}

TEST(RunSecret, MissingEverywhereIsAConfigError) {
  CleanEnv clean;
  const std::string what = errorOf<ConfigError>([] { loadRunSecret(); });
  EXPECT_EQ(what.rfind("no run secret: set FABCHECK_RUN_SECRET", 0), 0u) << what;
  EXPECT_NE(what.find("FABCHECK_RUN_SECRET_FILE"), std::string::npos) << what;
}

TEST(RunSecret, MissingFileNamesThePath) {
  CleanEnv clean;
  ScopedEnv env(kSecretFileEnv, "/nonexistent/fabcheck-secret");
  const std::string what = errorOf<ConfigError>([] { loadRunSecret(); });
  EXPECT_NE(what.find("'/nonexistent/fabcheck-secret' (from FABCHECK_RUN_SECRET_FILE)"), std::string::npos) << what;
  EXPECT_NE(what.find("No such file"), std::string::npos) << what;
}

TEST(RunSecret, BadHexInEnvOrFileNamesTheProblem) {
  CleanEnv clean;
  {
    ScopedEnv env(kSecretEnv, "not-a-secret");
    EXPECT_EQ(errorOf<ConfigError>([] { loadRunSecret(); }),
              "run secret from FABCHECK_RUN_SECRET has 12 characters; expected 64 hex digits");
  }
  TempDir dir;
  const std::string path = dir.file("secret");
  {
    std::ofstream(path) << std::string(64, 'z') << "\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_EQ(errorOf<ConfigError>([&] { loadRunSecret(path); }),
            "run secret from file '" + path + "' has a non-hex character at position 0; expected 64 hex digits");
}

TEST(RunSecret, WriteSecretFileCreatesMode0600WhateverTheUmask) {
  TempDir dir;
  const std::string path = dir.file("secret");
  const mode_t old_umask = ::umask(0);
  const RunSecret secret = generateRunSecret();
  writeSecretFile(path, secret);
  ::umask(old_umask);
  EXPECT_EQ(modeOf(path), 0600u);
  std::string text;
  std::ifstream(path) >> text;
  EXPECT_EQ(text, secret.hex());
}

TEST(RunSecret, WriteSecretFileRefusesAnExistingFile) {
  TempDir dir;
  const std::string path = dir.file("secret");
  {
    std::ofstream(path) << "keep me\n";
  }
  const std::string what = errorOf<ConfigError>([&] { writeSecretFile(path, generateRunSecret()); });
  EXPECT_EQ(what, "cannot create run secret file '" + path + "': File exists");
  std::string line;
  std::getline(std::ifstream(path), line);
  EXPECT_EQ(line, "keep me");
}

}  // namespace
}  // namespace fabcheck::protocol
