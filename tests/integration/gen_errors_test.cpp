// `fabcheck gen` with bad input and misbehaving peers: one clear line, the right exit code,
// and never a hang.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <unistd.h>
#include <sys/socket.h>

#include <string>

#include "tests/integration/gen_server.h"
#include "tests/support/ports.h"
#include "tests/support/subprocess.h"

namespace fabcheck {
namespace {

using namespace std::chrono_literals;
using testing::Subprocess;

const std::string& kGenErrorsBin = testing::kFabcheckBin;

testing::RunResult gen(std::vector<std::string> args) {
  std::vector<std::string> argv{kGenErrorsBin, "gen"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run(argv, 30s);
}

int countLines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

struct UsageCase {
  std::string name;  // the test's name
  std::vector<std::string> args;
  std::string must_mention;
};

void PrintTo(const UsageCase& c, std::ostream* os) { *os << c.name; }

class GenUsageError : public ::testing::TestWithParam<UsageCase> {};

TEST_P(GenUsageError, ExitsTwoWithOneLineNamingTheValue) {
  auto r = gen(GetParam().args);
  EXPECT_EQ(r.status.code, 2) << r.out << r.err;
  EXPECT_EQ(countLines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(GetParam().must_mention), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    BadInput, GenUsageError,
    ::testing::Values(
        UsageCase{"UnknownOption", {"--client", "127.0.0.1", "--bogus"}, "--bogus"},
        UsageCase{"MalformedSize", {"--client", "127.0.0.1", "--size", "10Gx"}, "10Gx"},
        UsageCase{"NegativeSize", {"--client", "127.0.0.1", "--size", "-5"}, "-5"},
        UsageCase{"NegativeRate", {"--client", "127.0.0.1", "--rate", "-5"}, "-5"},
        UsageCase{"MalformedRate", {"--client", "127.0.0.1", "--rate", "10Gx"}, "10Gx"},
        UsageCase{"SizeAboveTransportMaximum", {"--client", "127.0.0.1", "--size", "70000"}, "65507"},
        UsageCase{"SizeBelowHeader", {"--client", "127.0.0.1", "--size", "8"}, "minimum"},
        UsageCase{"UnknownPattern", {"--client", "127.0.0.1", "--pattern", "teleport"}, "teleport"},
        UsageCase{"ZeroFlows", {"--client", "127.0.0.1", "--flows", "0"}, "--flows"},
        UsageCase{"DscpOutOfRange", {"--client", "127.0.0.1", "--dscp", "64"}, "--dscp"},
        UsageCase{"DurationAndIterations", {"--client", "127.0.0.1", "--duration", "1s", "--iterations", "5"}, "--iterations"},
        UsageCase{"MicroburstWithoutSchedule", {"--client", "127.0.0.1", "--pattern", "microburst"}, "--burst"},
        UsageCase{"PortOutOfRange", {"--client", "127.0.0.1", "--port", "99999"}, "99999"},
        UsageCase{"BothRoles", {"--server", "--client", "127.0.0.1"}, "exactly one"},
        UsageCase{"UnknownTransport", {"--client", "127.0.0.1", "--transport", "carrier-pigeon"}, "carrier-pigeon"},
        UsageCase{"VerbsOptionWithUdp", {"--client", "127.0.0.1", "-q", "2"}, "--qps '2': a verbs option"},
        UsageCase{"VerbsQpsOutOfRange", {"--client", "127.0.0.1", "--transport", "verbs", "-q", "0"}, "--qps '0'"},
        UsageCase{"UnknownVerb", {"--client", "127.0.0.1", "--transport", "verbs", "--verb", "put"}, "--verb 'put'"},
        UsageCase{"TclassOutOfRange", {"--client", "127.0.0.1", "--tclass", "300"}, "--tclass '300'"},
        UsageCase{"ServerGivenAClientsVerbsOption", {"--server", "--tx-depth", "64"}, "--tx-depth '64'"},
        UsageCase{"SizeAndAllSizes", {"--client", "127.0.0.1", "--size", "64", "-a"}, "-a/--all-sizes"}),
    [](const ::testing::TestParamInfo<UsageCase>& info) { return info.param.name; });

TEST(GenErrors, RefusingPeerIsARuntimeErrorNamingThePeer) {
  const std::string port = std::to_string(testing::unusedLoopbackPort(SOCK_STREAM));
  auto r = gen({"--client", "127.0.0.1", "--port", port, "--duration", "1s"});
  EXPECT_EQ(r.status.code, 1) << r.err;
  EXPECT_EQ(countLines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:" + port), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
}

// A loopback peer that never completes a TCP handshake: a listener with a full backlog-0
// accept queue drops further SYNs, so a connect to it times out (no traffic leaves the host).
class SilentPeer {
 public:
  SilentPeer() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(listener_, 0);
    socklen_t len = sizeof a;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    filler_ = socket(AF_INET, SOCK_STREAM, 0);  // takes the one place in the queue
    connect(filler_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  ~SilentPeer() {
    close(filler_);
    close(listener_);
  }
  std::string port() const { return std::to_string(port_); }

 private:
  int listener_ = -1, filler_ = -1;
  uint16_t port_ = 0;
};

TEST(GenErrors, UnreachablePeerTimesOutWithinTheTimeout) {
  SilentPeer peer;
  auto r = gen({"--client", "127.0.0.1", "--port", peer.port(), "--timeout", "1s", "--duration", "1s"});
  EXPECT_FALSE(r.status.timed_out);
  EXPECT_EQ(r.status.code, 1) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:" + peer.port()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1.0 s"), std::string::npos) << r.err;
}

TEST(GenErrors, ServerPortInUse) {
  testing::GenServer first;
  auto r = gen({"--server", "--bind", "127.0.0.1", "--port", first.port()});
  EXPECT_EQ(r.status.code, 1) << r.err;
  EXPECT_NE(r.err.find("in use"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(first.port()), std::string::npos) << r.err;
}

TEST(GenErrors, APeerThatStopsAnsweringEndsTheRunWithinTheTimeout) {
  testing::GenServer server;
  server.process().signal(SIGSTOP);  // alive, connected, silent
  auto r = gen({"--client", "127.0.0.1", "--port", server.port(), "--timeout", "2s", "--duration", "1s"});
  server.process().signal(SIGCONT);
  EXPECT_FALSE(r.status.timed_out);
  EXPECT_EQ(r.status.code, 1) << r.err;
  EXPECT_NE(r.err.find("within"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1"), std::string::npos) << r.err;
}

TEST(GenErrors, HelpExitsZero) {
  auto r = gen({"--help"});
  EXPECT_EQ(r.status.code, 0);
  EXPECT_NE(r.out.find("--pattern"), std::string::npos);
}

}  // namespace
}  // namespace fabcheck

namespace fabcheck {
namespace {

using namespace std::chrono_literals;

// The client's run against a server that is killed or frozen once the test is under way.
testing::ExitStatus runAgainstFailingServer(int sig, std::string& err) {
  testing::GenServer server("127.0.0.1", {"--log-level", "info"});
  testing::Subprocess client = testing::Subprocess::start(
      {testing::kFabcheckBin, "gen", "--client", "127.0.0.1", "--port", server.port(), "--pattern", "pingpong",
       "--iterations", "100000000", "--timeout", "2s"});
  EXPECT_TRUE(server.process().waitForStderr("running", 10s)) << server.process().err();
  server.process().signal(sig);
  auto st = client.waitExit(30s);
  err = client.err();
  server.process().signal(SIGCONT);
  return st;
}

TEST(GenErrors, AServerKilledMidRunEndsTheClientWithAnError) {
  std::string err;
  auto st = runAgainstFailingServer(SIGKILL, err);
  EXPECT_FALSE(st.timed_out);
  EXPECT_EQ(st.code, 1) << err;
  EXPECT_NE(err.find("server 127.0.0.1:"), std::string::npos) << err;
}

TEST(GenErrors, AServerFrozenMidRunEndsTheClientWithAnError) {
  std::string err;
  auto st = runAgainstFailingServer(SIGSTOP, err);
  EXPECT_FALSE(st.timed_out);
  EXPECT_EQ(st.code, 1) << err;
  EXPECT_NE(err.find("stopped answering"), std::string::npos) << err;
}

TEST(GenErrors, UnknownInterfaceIsAUsageError) {
  auto r = testing::run({testing::kFabcheckBin, "gen", "--server", "--interface", "nosuch0"}, 30s);
  EXPECT_EQ(r.status.code, 2) << r.err;
  EXPECT_NE(r.err.find("nosuch0"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fabcheck
