// `fabcheck gen`'s perftest vocabulary (harness/cli/gen_perftest_options.h) and table
// (harness/pair/perftest_table.h): flags land in TransportOptions.extra under verbs_options.h's
// keys, bad values and wrong transports are refused naming the flag, -a keeps its old meaning
// with a value, and the table's figures come from the run (peak "-" when there is none).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "harness/cli/gen_perftest_options.h"
#include "harness/pair/perftest_table.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::cli {
namespace {

namespace po = boost::program_options;
using fabcheck::testing::errorOf;

po::variables_map parse(std::vector<std::string> args) {
  po::options_description o;
  o.add_options()("dscp", po::value<std::string>()->default_value("0"), "")(
      "ecn", po::value<std::string>()->default_value("0"), "")("sweep", po::value<std::string>(), "");
  addPerftestOptions(o);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(o).run(), vm);
  po::notify(vm);
  return vm;
}

TEST(GenPerftestOptions, FlagsFillTheVerbsKeys) {
  transport::TransportOptions to;
  applyPerftestOptions(parse({"--verb", "write", "-q", "4", "-x", "3", "-d", "mlx5_1", "-i", "2", "--tx-depth", "256",
                              "-l", "8", "-I", "64", "-u", "18", "--cq-mod", "16"}),
                       "verbs", to);
  const std::map<std::string, std::string> want = {
      {"verb", "write"}, {"qps", "4"},       {"gid_index", "3"}, {"device", "mlx5_1"}, {"port", "2"},
      {"tx_depth", "256"}, {"post_list", "8"}, {"inline", "64"},   {"timeout", "18"},    {"cq_mod", "16"}};
  EXPECT_EQ(to.extra, want);
}

TEST(GenPerftestOptions, ABadValueNamesTheFlagAndWhatWasExpected) {
  transport::TransportOptions to;
  EXPECT_EQ(errorOf<ConfigError>([&] { applyPerftestOptions(parse({"-q", "0"}), "verbs", to); }),
            "--qps '0': expected an integer 1..64 (queue pairs per connection)");
  EXPECT_EQ(errorOf<ConfigError>([&] { applyPerftestOptions(parse({"--verb", "put"}), "verbs", to); }),
            "--verb 'put': expected one of send | write | write_imm | read");
}

TEST(GenPerftestOptions, AVerbsFlagWithAnotherTransportIsRefused) {
  transport::TransportOptions to;
  EXPECT_EQ(errorOf<ConfigError>([&] { applyPerftestOptions(parse({"-q", "2"}), "udp", to); }),
            "--qps '2': a verbs option; this run's transport is udp (give --transport verbs)");
}

TEST(GenPerftestOptions, TclassSplitsIntoDscpAndEcn) {
  transport::TransportOptions to;
  applyPerftestOptions(parse({"--tclass", "106"}), "udp", to);  // 106 = 26 << 2 | 2
  EXPECT_EQ(to.dscp, 26);
  EXPECT_EQ(to.ecn, 2);
  EXPECT_EQ(errorOf<ConfigError>([&] { applyPerftestOptions(parse({"--tclass", "256"}), "udp", to); }),
            "--tclass '256': expected a traffic class byte 0..255 (DSCP << 2 | ECN)");
  EXPECT_EQ(errorOf<ConfigError>([&] { applyPerftestOptions(parse({"--tclass", "4", "--dscp", "1"}), "udp", to); }),
            "--tclass sets DSCP and ECN; give --tclass or --dscp/--ecn, not both");
}

TEST(GenPerftestOptions, TheServerTakesOnlyItsOwnDevicePortAndGid) {
  const std::map<std::string, std::string> want = {{"device", "mlx5_0"}, {"gid_index", "3"}};
  EXPECT_EQ(serverVerbsOptions(parse({"-d", "mlx5_0", "-x", "3"})), want);
  EXPECT_EQ(errorOf<ConfigError>([&] { serverVerbsOptions(parse({"-q", "2"})); }),
            "--qps '2': the client chooses it for each test; a server takes only --device, --ib-port, --gid-index");
}

TEST(GenPerftestOptions, DashAWithARangeIsStillTheSweep) {
  const char* argv[] = {"gen", "-a", "64:1024", "-a"};
  const auto args = perftestArgs(4, const_cast<char**>(argv));
  EXPECT_EQ(args, (std::vector<std::string>{"gen", "--sweep", "64:1024", "-a"}));
}

TEST(GenPerftestOptions, DashASweepsPowersOfTwoUpToTheTransportsLargestMessage) {
  const auto udp = perftestSweep("udp");
  ASSERT_FALSE(udp.empty());
  EXPECT_EQ(udp.front(), 32u);         // the smallest power of two holding the 32-byte header
  EXPECT_EQ(udp.back(), 32768u);       // udp carries at most 65507 bytes
  const auto verbs = perftestSweep("verbs");
  EXPECT_EQ(verbs.back(), 1u << 23);   // perftest's top
  EXPECT_EQ(verbs.size(), 19u);        // 2^5 .. 2^23
}

TEST(PerftestTable, AOneSidedRowIsTheInitiatorsFigures) {
  pair::SizeResult s;
  s.params.kind = patterns::PatternKind::kStream;
  s.params.size_bytes = 65536;
  engine::OneSidedResult r;
  r.ops = 10000;
  r.bytes = 10000ull * 65536;
  r.elapsed_ns = 250'000'000;                                        // 2.5 intervals of 100 ms
  r.interval_bytes = {4000ull * 65536, 4200ull * 65536, 1800ull * 65536};  // the last is partial
  s.one_sided = {r};
  const std::string row = pair::perftestRow(s, /*report_gbits=*/true);
  // peak 4200*65536*8/0.1 s = 22.02 Gb/s; average 10000*65536*8/0.25 s = 20.97 Gb/s; 0.04 Mpps
  EXPECT_EQ(row, " 65536      10000          22.02              20.97                0.040000      \n");
  EXPECT_NE(pair::perftestHeader(patterns::PatternKind::kStream, true).find("BW peak[Gb/sec]"), std::string::npos);
  EXPECT_NE(pair::perftestHeader(patterns::PatternKind::kStream, false).find("BW average[MB/sec]"), std::string::npos);
}

TEST(PerftestTable, PeakIsADashWithoutAWholeInterval) {
  pair::SizeResult s;
  s.params.size_bytes = 4096;
  engine::OneSidedResult r;
  r.ops = 100;
  r.bytes = 409600;
  r.elapsed_ns = 50'000'000;
  r.interval_bytes = {409600};
  s.one_sided = {r};
  const std::string row = pair::perftestRow(s, false);
  EXPECT_EQ(row.substr(0, 45), " 4096       100            -                 ") << row;
}

}  // namespace
}  // namespace fabcheck::cli
