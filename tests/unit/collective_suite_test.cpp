// Collective tests in suite files (docs/suites.md "Collective tests"): every key into
// model::CollectiveSpec, sweeps with units, one refusal per class of bad value with its
// file:line:col, how `defaults:` applies to collective and flow tests, and `outlier_ratio`.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/suite/suite_loader.h"
#include "tests/unit/suite_errors.h"

namespace fabcheck::suite {
namespace {

using patterns::CollectiveAlgorithm;
using patterns::CollectiveKind;

// A suite of one test: `pattern` on line 4, then `lines` (each "    key: value\n") from line 5.
std::string oneTest(const std::string& pattern, const std::string& lines) {
  return "name: c\ntests:\n  - name: t\n    pattern: " + pattern + "\n" + lines;
}

// The single error of a one-test suite (fails the test when there is not exactly one).
std::string errorOf(const std::string& pattern, const std::string& lines) {
  const auto e = testing::suiteErrorsOf(oneTest(pattern, lines));
  EXPECT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  return e.empty() ? "" : e[0];
}

TEST(CollectiveSuite, EveryKeyOfACollectiveTestReachesTheCollectiveSpec) {
  const Suite s = parseSuite(R"(name: c
fabric:
  line_rate_gbps: 100
tests:
  - name: allreduce-8
    description: tree all-reduce
    pattern: all-reduce
    algorithm: tree
    size: 1MiB
    iterations: 30
    warmup_iterations: 0
    chunk: 256KiB
    channels: 2
    ranks_per_node: 2
    payload_check: true
    rate: 10Gbit
    message_size: 4KiB
    window: 512KiB
    straggler_ratio: 0.25
    timeout: 60s
    step_timeout: 5s
    agents: 8
    transport: loop
    dscp: 26
  - {name: bcast, pattern: broadcast, algorithm: pipeline, root: 3, agents: 4, size: 4KiB, chunk: 0}
  - {name: a2a, pattern: all_to_all}
)", "s.yaml");
  ASSERT_EQ(s.tests.size(), 3u);
  const auto& t = s.tests[0];
  ASSERT_TRUE(t.spec.collective.has_value());
  const auto& c = *t.spec.collective;
  EXPECT_EQ(c.params.kind, CollectiveKind::kAllReduce);
  EXPECT_EQ(c.params.algorithm, CollectiveAlgorithm::kTree);
  EXPECT_EQ(c.params.size_bytes, 1u << 20);
  EXPECT_EQ(c.sizes, std::vector<uint64_t>{1u << 20});
  EXPECT_EQ(c.params.iterations, 30u);
  EXPECT_EQ(c.params.warmup_iterations, 0u);
  EXPECT_EQ(c.params.chunk_bytes, 256u * 1024);
  EXPECT_EQ(c.params.channels, 2u);
  EXPECT_EQ(c.params.ranks_per_node, 2u);
  EXPECT_TRUE(c.params.payload_check);
  EXPECT_DOUBLE_EQ(c.link_rate_bps, 10e9);
  EXPECT_EQ(c.message_bytes, 4096u);
  EXPECT_EQ(c.window_bytes, 512u * 1024);
  EXPECT_DOUBLE_EQ(c.straggler_ratio, 0.25);
  EXPECT_EQ(c.timeout_ns, 60'000'000'000);
  EXPECT_EQ(c.step_timeout_ns, 5'000'000'000);
  EXPECT_EQ(t.participants.count, 8);
  EXPECT_EQ(t.spec.transport, "loop");
  EXPECT_EQ(t.spec.transport_options.dscp, 26);
  EXPECT_EQ(t.description, "tree all-reduce");

  const auto& b = *s.tests[1].spec.collective;
  EXPECT_EQ(b.params.kind, CollectiveKind::kBroadcast);
  EXPECT_EQ(b.params.algorithm, CollectiveAlgorithm::kRing);  // pipeline is broadcast's ring
  EXPECT_EQ(b.params.root, 3u);
  EXPECT_EQ(b.params.size_bytes, 4096u);
  EXPECT_EQ(b.params.chunk_bytes, 0u);

  // Every default of CollectiveSpec when nothing is given; all-to-all's default algorithm.
  const auto& a = *s.tests[2].spec.collective;
  const model::CollectiveSpec d;
  EXPECT_EQ(a.params.kind, CollectiveKind::kAllToAll);
  EXPECT_EQ(a.params.algorithm, CollectiveAlgorithm::kPairwise);
  EXPECT_EQ(a.params.size_bytes, d.params.size_bytes);
  EXPECT_EQ(a.sizes, std::vector<uint64_t>{d.params.size_bytes});
  EXPECT_EQ(a.params.iterations, 20u);
  EXPECT_EQ(a.params.warmup_iterations, 5u);
  EXPECT_EQ(a.params.channels, 1u);
  EXPECT_DOUBLE_EQ(a.link_rate_bps, 0);
  EXPECT_EQ(a.message_bytes, 8192u);
  EXPECT_EQ(a.window_bytes, 2u << 20);
  EXPECT_DOUBLE_EQ(a.straggler_ratio, 0.5);
  EXPECT_EQ(a.timeout_ns, d.timeout_ns);
  EXPECT_EQ(a.step_timeout_ns, d.step_timeout_ns);
  EXPECT_FALSE(s.tests[2].spec.probe.has_value());
}

TEST(CollectiveSuite, ASweepWithUnitsBecomesEverySize) {
  const Suite s = parseSuite(oneTest("all_gather", "    size: 64KiB:16MiB:4\n    agents: 4\n    rate: 50%\n") +
                                 "  - {name: u, pattern: reduce-scatter, size: \"1KiB : 10KiB : 2\"}\n",
                             "s.yaml", {{"site.yaml", "fabric: {line_rate_gbps: 10}\n"}});
  const auto& c = *s.tests[0].spec.collective;
  const uint64_t k = 1024;
  EXPECT_EQ(c.sizes, (std::vector<uint64_t>{64 * k, 256 * k, 1024 * k, 4096 * k, 16384 * k}));
  EXPECT_EQ(c.params.size_bytes, 64 * k);
  EXPECT_EQ(c.sweep(), c.sizes);
  EXPECT_DOUBLE_EQ(c.link_rate_bps, 5e9);
  // The progression stops below max when it does not hit it (as nccl-tests).
  EXPECT_EQ(s.tests[1].spec.collective->sizes, (std::vector<uint64_t>{k, 2 * k, 4 * k, 8 * k}));
}

TEST(CollectiveSuite, BadSizesAndSweepsNameThePartAndWhatWasExpected) {
  EXPECT_EQ(errorOf("all_reduce", "    size: 64KiB:16MiB:1.5\n"),
            "s.yaml:5:11: size '64KiB:16MiB:1.5': factor '1.5': expected a whole number of at least 2");
  EXPECT_EQ(errorOf("all_reduce", "    size: 64Kx:1MiB:2\n"),
            "s.yaml:5:11: size '64Kx:1MiB:2': min '64Kx': expected a size in bytes like 1400, 64K, 1MiB, 9000B");
  EXPECT_EQ(errorOf("all_reduce", "    size: 16MiB:64KiB:2\n"),
            "s.yaml:5:11: size '16MiB:64KiB:2': min 16 MiB is above max 64 KiB; expected min <= max");
  EXPECT_EQ(errorOf("all_reduce", "    size: 64KiB:1MiB\n"),
            "s.yaml:5:11: size '64KiB:1MiB': expected one size like 1MiB or a sweep min:max:factor like 64KiB:16MiB:4");
  EXPECT_EQ(errorOf("all_reduce", "    size: 0\n").rfind("s.yaml:5:11: size '0': ", 0), 0u);
}

TEST(CollectiveSuite, AnAlgorithmTheKindDoesNotRunIsRefusedWithTheValidOnes) {
  EXPECT_EQ(errorOf("all_gather", "    algorithm: tree\n"),
            "s.yaml:5:16: algorithm 'tree': pattern all_gather does not run it; expected one of ring");
  EXPECT_EQ(errorOf("all_to_all", "    algorithm: ring\n"),
            "s.yaml:5:16: algorithm 'ring': pattern all_to_all does not run it; expected one of pairwise, all_at_once");
  EXPECT_EQ(errorOf("broadcast", "    algorithm: tree\n"),
            "s.yaml:5:16: algorithm 'tree': pattern broadcast does not run it; expected one of ring, pipeline");
  EXPECT_EQ(errorOf("all_reduce", "    algorithm: rabenseifner\n"),
            "s.yaml:5:16: algorithm 'rabenseifner': expected one of ring, tree, rec_halving_doubling, pairwise, "
            "all_at_once, pipeline");
}

TEST(CollectiveSuite, FlowKeysOnACollectiveTestAreRefusedWithTheReason) {
  EXPECT_EQ(errorOf("all_reduce", "    placement: ring\n"),
            "s.yaml:5:16: placement 'ring': a collective's ranks are its agents in order; placement does not apply");
  EXPECT_EQ(errorOf("all_reduce", "    duration: 5s\n"),
            "s.yaml:5:15: duration '5s': collectives run by iterations (per size); use iterations");
  EXPECT_EQ(errorOf("all_reduce", "    flows: 2\n"),
            "s.yaml:5:12: flows '2': a collective runs one flow per link and channel; use channels");
  EXPECT_EQ(errorOf("all_reduce", "    fan_in: 3\n"),
            "s.yaml:5:13: fan_in '3': only incast tests have a fan-in; a collective's ranks are its agents (use agents)");
  EXPECT_EQ(errorOf("all_reduce", "    rate: 1Mpps\n"),
            "s.yaml:5:11: rate '1Mpps': a collective paces each link in bits per second; expected a rate like "
            "10Gbit/s or N% of the line rate");
}

TEST(CollectiveSuite, CollectiveKeysOnOtherPatternsNameThePattern) {
  EXPECT_EQ(errorOf("stream", "    channels: 2\n"),
            "s.yaml:5:15: channels '2': only collective tests (all_reduce, reduce_scatter, all_gather, all_to_all, "
            "broadcast) take channels; this test's pattern is stream");
  EXPECT_EQ(errorOf("all_reduce", "    root: 1\n"),
            "s.yaml:5:11: root '1': only broadcast has a root; this test's pattern is all_reduce");
}

TEST(CollectiveSuite, BadCollectiveValuesSayWhatWasExpected) {
  EXPECT_EQ(errorOf("all_reduce", "    channels: 65\n"), "s.yaml:5:15: channels '65': expected a whole number from 1 to 64");
  EXPECT_EQ(errorOf("all_reduce", "    message_size: 48\n"),
            "s.yaml:5:19: message_size '48': expected more than 48 bytes (the headers) and at most 65507 bytes "
            "(transport udp)");
  EXPECT_EQ(errorOf("all_reduce", "    message_size: 64KiB\n"),
            "s.yaml:5:19: message_size '64KiB': expected more than 48 bytes (the headers) and at most 65507 bytes "
            "(transport udp)");
  EXPECT_EQ(errorOf("all_reduce", "    message_size: 8KiB\n    window: 8KiB\n"),
            "s.yaml:6:13: window '8KiB': expected at least 2 × message_size (16 KiB)");
  EXPECT_EQ(errorOf("all_reduce", "    transport: verbs\n    message_size: 2000KiB\n"),
            "s.yaml:6:19: message_size '2000KiB': the default window of 2 MiB holds fewer than 2 messages; set "
            "window to at least 4000 KiB");
  // The bound is the transport's largest message (transport::transportKindProperties): loop's is 1 MiB.
  EXPECT_EQ(errorOf("all_reduce", "    transport: loop\n    message_size: 2000KiB\n"),
            "s.yaml:6:19: message_size '2000KiB': expected more than 48 bytes (the headers) and at most 1048576 bytes "
            "(transport loop)");
  EXPECT_EQ(errorOf("all_reduce", "    straggler_ratio: 1\n"),
            "s.yaml:5:22: straggler_ratio '1': expected a number above 0 and below 1");
  EXPECT_EQ(errorOf("all_reduce", "    straggler_ratio: 0\n"), "s.yaml:5:22: straggler_ratio '0': expected a positive number");
  EXPECT_EQ(errorOf("all_reduce", "    timeout: 0s\n"), "s.yaml:5:14: timeout '0s': must be longer than 0");
  EXPECT_EQ(errorOf("all_reduce", "    step_timeout: soon\n").rfind("s.yaml:5:19: step_timeout 'soon': expected", 0), 0u);
  EXPECT_EQ(errorOf("all_reduce", "    warmup_iterations: -1\n"),
            "s.yaml:5:24: warmup_iterations '-1': expected a whole number from 0 to 1099511627776");
  EXPECT_EQ(errorOf("all_reduce", "    straggler: 0.5\n"),
            "s.yaml:5:5: unknown key 'straggler' in tests[0]; did you mean 'straggler_ratio'?");
  EXPECT_EQ(errorOf("allreduce", ""),
            "s.yaml:4:14: pattern 'allreduce': expected one of pingpong, stream, microburst, incast, all_reduce, "
            "reduce_scatter, all_gather, all_to_all, broadcast (did you mean 'all_reduce'?)");
}

TEST(CollectiveSuite, WithAKnownAgentCountTheCollectiveIsValidatedAtTheKey) {
  // S of a split kind is rounded down to a multiple of the ranks (as nccl-tests); below one
  // byte per rank it cannot run.
  EXPECT_EQ(errorOf("all_gather", "    size: 2\n    agents: 3\n"),
            "s.yaml:5:11: size '2' with 3 agents: collective all_gather: size 2 bytes: expected a multiple of "
            "the 3 ranks (S = per-rank count × n, as nccl-tests)");
  EXPECT_TRUE(testing::suiteErrorsOf(oneTest("all_gather", "    size: 1000\n    agents: 3\n")).empty()) << "runs 999 bytes";
  EXPECT_TRUE(testing::suiteErrorsOf(oneTest("reduce_scatter", "    agents: 3\n")).empty()) << "the default 1 MiB, rounded down";
  // A sweep: its sizes are checked in order, the first that does not fit is named.
  EXPECT_EQ(errorOf("all_to_all", "    size: 1:4:2\n    agents: 3\n"),
            "s.yaml:5:11: size '1:4:2' with 3 agents: collective all_to_all: size 1 bytes: expected a "
            "multiple of the 3 ranks (S = per-rank count × n, as nccl-tests)");
  EXPECT_EQ(errorOf("broadcast", "    root: 4\n    agents: 4\n"),
            "s.yaml:5:11: root '4': expected a rank below the test's 4 agents");
  // Unknown agent count: the controller validates at run time.
  EXPECT_TRUE(testing::suiteErrorsOf(oneTest("all_gather", "    size: 1\n")).empty());
}

TEST(CollectiveSuite, AProbeNeedsASingleSize) {
  EXPECT_EQ(errorOf("all_reduce", "    size: 1KiB:4KiB:2\n    probe: {size: 64}\n"),
            "s.yaml:6:12: probe: a sweep runs several rounds (one per size, 3 here); a probe needs a single round "
            "(give one size)");
  const Suite s = parseSuite(oneTest("all_reduce", "    size: 1MiB\n    probe: {size: 128, between: [2, 3]}\n"), "s.yaml");
  ASSERT_TRUE(s.tests[0].spec.probe.has_value());
  EXPECT_EQ(s.tests[0].spec.probe->params.size_bytes, 128u);
  EXPECT_EQ(s.tests[0].spec.probe->from, 2);
}

TEST(CollectiveSuite, DefaultsApplyWhereTheyMeanSomethingAndAreIgnoredElsewhere) {
  const Suite s = parseSuite(R"(name: d
defaults:
  duration: 2s
  warmup: 200ms
  flows: 2
  rate: 1Mpps
  channels: 4
  algorithm: tree
  root: 1
  message_size: 4KiB
  outlier_ratio: 0.8
  outlier_retests: 3
tests:
  - {name: s, pattern: stream}
  - {name: r, pattern: all_reduce}
  - {name: g, pattern: all_gather}
  - {name: b, pattern: broadcast}
  - {name: m, pattern: stream, placement: matrix}
)", "s.yaml");
  const auto& stream = s.tests[0].spec;
  EXPECT_FALSE(stream.collective.has_value());
  EXPECT_EQ(stream.params.duration_ns, 2'000'000'000);
  EXPECT_EQ(stream.params.flows, 2u);
  EXPECT_DOUBLE_EQ(stream.params.rate_pps, 1e6);
  EXPECT_DOUBLE_EQ(stream.outlier_ratio, 0.9);  // not a matrix: the default does not apply
  const auto& r = *s.tests[1].spec.collective;
  EXPECT_EQ(r.params.algorithm, CollectiveAlgorithm::kTree);
  EXPECT_EQ(r.params.channels, 4u);
  EXPECT_EQ(r.params.root, 0u);          // only broadcast has a root
  EXPECT_DOUBLE_EQ(r.link_rate_bps, 0);  // a packet rate does not pace a collective
  EXPECT_EQ(r.message_bytes, 4096u);
  EXPECT_EQ(s.tests[2].spec.collective->params.algorithm, CollectiveAlgorithm::kRing);  // tree is not all-gather's
  EXPECT_EQ(s.tests[3].spec.collective->params.root, 1u);
  EXPECT_DOUBLE_EQ(s.tests[4].spec.outlier_ratio, 0.8);
  EXPECT_EQ(s.tests[4].spec.outlier_retests, 3);
  EXPECT_EQ(stream.outlier_retests, 2);  // not a matrix: the default does not apply
}

TEST(CollectiveSuite, ABadDefaultIsReportedOnceAtItsPlace) {
  const auto e = testing::suiteErrorsOf(R"(name: d
defaults:
  channels: 100
tests:
  - {name: a, pattern: all_reduce}
  - {name: b, pattern: all_gather}
  - {name: c, pattern: stream}
)");
  EXPECT_EQ(e, std::vector<std::string>{"s.yaml:3:13: channels '100': expected a whole number from 1 to 64"});
}

TEST(CollectiveSuite, OutlierRatioBelongsToTheMatrixPlacement) {
  const Suite s = parseSuite(oneTest("stream", "    placement: matrix\n    outlier_ratio: 0.5\n"), "s.yaml");
  EXPECT_DOUBLE_EQ(s.tests[0].spec.outlier_ratio, 0.5);
  EXPECT_DOUBLE_EQ(parseSuite(oneTest("stream", "    placement: matrix\n"), "s.yaml").tests[0].spec.outlier_ratio, 0.9);
  EXPECT_DOUBLE_EQ(
      parseSuite(oneTest("pingpong", "    placement: matrix\n    outlier_ratio: 1\n"), "s.yaml").tests[0].spec.outlier_ratio,
      1.0);
  EXPECT_DOUBLE_EQ(parseSuite(oneTest("pingpong", "    placement: matrix\n"), "s.yaml").tests[0].spec.outlier_ratio, 0.5)
      << "a latency matrix flags a pair above twice the reference round trip by default";
  EXPECT_EQ(errorOf("stream", "    placement: matrix\n    outlier_ratio: 1.5\n"),
            "s.yaml:6:20: outlier_ratio '1.5': expected a number above 0 and at most 1");
  EXPECT_EQ(errorOf("stream", "    placement: matrix\n    outlier_ratio: 0\n"),
            "s.yaml:6:20: outlier_ratio '0': expected a positive number");
  EXPECT_EQ(errorOf("stream", "    outlier_ratio: 0.5\n"),
            "s.yaml:5:20: outlier_ratio '0.5': only placement matrix has outlier pairs; this test's placement is pairs");
  EXPECT_EQ(errorOf("all_reduce", "    outlier_ratio: 0.5\n"),
            "s.yaml:5:20: outlier_ratio '0.5': only placement matrix has outlier pairs; this test's pattern is "
            "all_reduce");
}

TEST(CollectiveSuite, OutlierRetestsBelongToTheMatrixPlacement) {
  EXPECT_EQ(parseSuite(oneTest("stream", "    placement: matrix\n"), "s.yaml").tests[0].spec.outlier_retests, 2);
  EXPECT_EQ(parseSuite(oneTest("stream", "    placement: matrix\n    outlier_retests: 0\n"), "s.yaml").tests[0].spec.outlier_retests,
            0);
  EXPECT_EQ(parseSuite(oneTest("pingpong", "    placement: matrix\n    outlier_retests: 5\n"), "s.yaml")
                .tests[0]
                .spec.outlier_retests,
            5);
  EXPECT_EQ(errorOf("stream", "    placement: matrix\n    outlier_retests: -1\n"),
            "s.yaml:6:22: outlier_retests '-1': expected a whole number from 0 to 10");
  EXPECT_EQ(errorOf("stream", "    placement: matrix\n    outlier_retests: 1.5\n"),
            "s.yaml:6:22: outlier_retests '1.5': expected a whole number from 0 to 10");
  EXPECT_EQ(errorOf("stream", "    outlier_retests: 1\n"),
            "s.yaml:5:22: outlier_retests '1': only placement matrix has outlier pairs; this test's placement is pairs");
  EXPECT_EQ(errorOf("all_reduce", "    outlier_retests: 1\n"),
            "s.yaml:5:22: outlier_retests '1': only placement matrix has outlier pairs; this test's pattern is "
            "all_reduce");
}

}  // namespace
}  // namespace fabcheck::suite
