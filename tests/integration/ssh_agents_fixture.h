// The fixture the ssh launcher's tests share: a real sshd of their own (sshd_fixture.h), a work
// directory for fake agents (launcher_test_helpers.h) and a run secret. Skips, saying why, when
// the host cannot run an sshd; prints the sshd's log when a test failed.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "tests/integration/launcher_test_helpers.h"
#include "tests/integration/sshd_fixture.h"

namespace fabcheck::testing {

class SshAgentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = sshdUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
    sshd_ = std::make_unique<Sshd>();
    ASSERT_TRUE(sshd_->ok());
    work_ = sshd_->dir() + "/work";
    std::filesystem::create_directories(work_);
  }
  void TearDown() override {
    if (HasFailure() && sshd_) std::cerr << "sshd log:\n" << sshd_->log();
  }

  // An agent stand-in (writeFakeAgent) with $id its last argument (the value of --agent-id).
  std::string agentScript(const std::string& body) {
    return writeFakeAgent(work_, "for a in \"$@\"; do id=$a; done", body);
  }
  pid_t agentPid(int id) { return fakeAgentPid(work_, id); }

  std::unique_ptr<Sshd> sshd_;
  std::string work_;
  std::string secret_ = randomSecret();
};

}  // namespace fabcheck::testing
