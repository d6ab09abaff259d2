// Collective kinds, parameters, size sweeps and the nccl-tests bus-bandwidth factors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "generators/core/errors.h"
#include "generators/patterns/collective_params.h"

namespace fabcheck::patterns {
namespace {

std::string errorOf(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(CollectiveKind, BusbwFactorsAreNcclTestsDefinitions) {
  for (int n = 2; n <= 64; ++n) {
    const double d = n;
    EXPECT_DOUBLE_EQ(busbwFactor(CollectiveKind::kAllReduce, n), 2 * (d - 1) / d);
    EXPECT_DOUBLE_EQ(busbwFactor(CollectiveKind::kReduceScatter, n), (d - 1) / d);
    EXPECT_DOUBLE_EQ(busbwFactor(CollectiveKind::kAllGather, n), (d - 1) / d);
    EXPECT_DOUBLE_EQ(busbwFactor(CollectiveKind::kAllToAll, n), (d - 1) / d);
    EXPECT_DOUBLE_EQ(busbwFactor(CollectiveKind::kBroadcast, n), 1.0);
  }
}

TEST(CollectiveKind, ParsesNamesAndAliases) {
  EXPECT_EQ(parseCollectiveKind("all-reduce", "test"), CollectiveKind::kAllReduce);
  EXPECT_EQ(parseCollectiveKind("ALL_TO_ALL", "test"), CollectiveKind::kAllToAll);
  EXPECT_EQ(parseCollectiveAlgorithm("pipeline", "test"), CollectiveAlgorithm::kRing);
  EXPECT_EQ(parseCollectiveAlgorithm("rec_halving_doubling", "test"), CollectiveAlgorithm::kRecHalvingDoubling);
  const std::string e = errorOf([] { parseCollectiveKind("allreduce2", "suite.yaml:3:9"); });
  EXPECT_NE(e.find("'allreduce2' (from suite.yaml:3:9): expected one of all_reduce"), std::string::npos) << e;
  EXPECT_EQ(defaultAlgorithm(CollectiveKind::kAllToAll), CollectiveAlgorithm::kPairwise);
  EXPECT_FALSE(supports(CollectiveKind::kAllToAll, CollectiveAlgorithm::kRing));
  EXPECT_TRUE(supports(CollectiveKind::kAllReduce, CollectiveAlgorithm::kTree));
}

TEST(CollectiveParams, ValidateNamesTheBadValue) {
  CollectiveParams p;
  p.kind = CollectiveKind::kAllToAll;
  p.algorithm = CollectiveAlgorithm::kTree;
  EXPECT_NE(errorOf([&] { validate(p, 4); }).find("algorithm 'tree' is not one of pairwise, all_at_once"),
            std::string::npos);
  p.algorithm = CollectiveAlgorithm::kPairwise;
  p.size_bytes = 1001;
  EXPECT_NE(errorOf([&] { validate(p, 4); }).find("size 1001 bytes: expected a multiple of the 4 ranks"),
            std::string::npos);
  p.size_bytes = 1000;
  p.channels = 0;
  EXPECT_NE(errorOf([&] { validate(p, 4); }).find("channels 0: expected 1..64"), std::string::npos);
  p.channels = 1;
  EXPECT_NO_THROW(validate(p, 4));
  EXPECT_NE(errorOf([&] { validate(p, 1); }).find("ranks 1: expected at least 2"), std::string::npos);
}

TEST(CollectiveParams, JsonRoundTrip) {
  CollectiveParams p;
  p.kind = CollectiveKind::kBroadcast;
  p.size_bytes = 12345;
  p.chunk_bytes = 100;
  p.channels = 3;
  p.root = 2;
  p.payload_check = true;
  const CollectiveParams q = nlohmann::json(p).get<CollectiveParams>();
  EXPECT_EQ(nlohmann::json(q), nlohmann::json(p));
  EXPECT_THROW(nlohmann::json({{"kind", "bogus"}}).get<CollectiveParams>(), ProtocolError);
}

TEST(CollectiveParams, SizeSweepLikeNcclTests) {
  EXPECT_EQ(parseSizeSweep("8:128:2", "--sizes"), (std::vector<uint64_t>{8, 16, 32, 64, 128}));
  EXPECT_EQ(parseSizeSweep("1000:5000:4", "--sizes"), (std::vector<uint64_t>{1000, 4000}));
  EXPECT_EQ(parseSizeSweep("4096", "--sizes"), (std::vector<uint64_t>{4096}));
  EXPECT_NE(errorOf([] { parseSizeSweep("8:4:2", "--sizes"); }).find("min 8 is above max 4"), std::string::npos);
  EXPECT_NE(errorOf([] { parseSizeSweep("8:64:1", "--sizes"); }).find("factor 1: expected an integer >= 2"),
            std::string::npos);
  EXPECT_NE(errorOf([] { parseSizeSweep("8:1M:2", "suite.yaml:4:10"); }).find("(from suite.yaml:4:10): max '1M'"),
            std::string::npos);
  EXPECT_NE(errorOf([] { parseSizeSweep("8:64", "--sizes"); }).find("three parts"), std::string::npos);
  EXPECT_EQ(parseSizeSweep("1:18446744073709551615:2", "--sizes").size(), 64u);  // no overflow past 2^63
}

}  // namespace
}  // namespace fabcheck::patterns

namespace fabcheck::patterns {
namespace {

TEST(CollectiveFitSize, SplitKindsRoundDownToAMultipleOfTheRanksAsNcclTests) {
  CollectiveParams p;
  p.size_bytes = 1 << 20;
  for (auto kind : {CollectiveKind::kAllGather, CollectiveKind::kReduceScatter, CollectiveKind::kAllToAll}) {
    p.kind = kind;
    EXPECT_EQ(fitSizeToRanks(p, 3), (1u << 20) - (1u << 20) % 3);
    EXPECT_EQ(fitSizeToRanks(p, 4), 1u << 20);
    EXPECT_NO_THROW(validate({.kind = kind, .algorithm = defaultAlgorithm(kind), .size_bytes = fitSizeToRanks(p, 6)}, 6));
  }
  p.kind = CollectiveKind::kAllReduce;
  EXPECT_EQ(fitSizeToRanks(p, 3), 1u << 20) << "all-reduce runs any S";
  p.kind = CollectiveKind::kAllToAll;
  p.size_bytes = 2;
  EXPECT_EQ(fitSizeToRanks(p, 3), 2u) << "below one byte per rank: unchanged, validate() refuses it";
}

}  // namespace
}  // namespace fabcheck::patterns
