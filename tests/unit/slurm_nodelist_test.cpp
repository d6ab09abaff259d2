#include "harness/launch/slurm_nodelist.h"

#include <gtest/gtest.h>

#include "generators/core/errors.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::launch {
namespace {

using fabcheck::testing::errorOf;

std::vector<std::string> names(const std::string& list) {
  std::vector<std::string> out;
  for (const auto& h : hostsFromSlurmNodelist(list)) {
    EXPECT_EQ(h.slots, 1);
    EXPECT_TRUE(h.labels.empty());
    out.push_back(h.name);
  }
  return out;
}

std::string nodelistError(const std::string& list) {
  return errorOf<ConfigError>([&] { hostsFromSlurmNodelist(list, "SLURM_JOB_NODELIST"); });
}

TEST(SlurmNodelist, PlainNamesInOrder) {
  EXPECT_EQ(names("vm"), (std::vector<std::string>{"vm"}));
  EXPECT_EQ(names("b,a,c.example.org"), (std::vector<std::string>{"b", "a", "c.example.org"}));
}

TEST(SlurmNodelist, RangesAndListsKeepZeroPadding) {
  EXPECT_EQ(names("node[01-04,07],gpu3,rack[1-2]-n[1-2]"),
            (std::vector<std::string>{"node01", "node02", "node03", "node04", "node07", "gpu3", "rack1-n1", "rack1-n2",
                                      "rack2-n1", "rack2-n2"}));
  EXPECT_EQ(names("n[08-10]"), (std::vector<std::string>{"n08", "n09", "n10"}));
  EXPECT_EQ(names("n[8-10]"), (std::vector<std::string>{"n8", "n9", "n10"}));
  EXPECT_EQ(names("n[098-101]"), (std::vector<std::string>{"n098", "n099", "n100", "n101"}));
  EXPECT_EQ(names("n[5]x"), (std::vector<std::string>{"n5x"}));
  EXPECT_EQ(names("[1-2]"), (std::vector<std::string>{"1", "2"}));
}

TEST(SlurmNodelist, LargeRangesExpand) {
  const auto hosts = hostsFromSlurmNodelist("c[0001-2000]");
  ASSERT_EQ(hosts.size(), 2000u);
  EXPECT_EQ(hosts.front().name, "c0001");
  EXPECT_EQ(hosts.back().name, "c2000");
}

TEST(SlurmNodelist, MalformedListsSayWhereAndWhat) {
  EXPECT_EQ(nodelistError(""), "SLURM_JOB_NODELIST '': the list is empty at position 1; expected names like node[01-04,07],gpu3");
  EXPECT_EQ(nodelistError("node[01-04"),
            "SLURM_JOB_NODELIST 'node[01-04': '[' is not closed at position 5; expected names like node[01-04,07],gpu3");
  EXPECT_NE(nodelistError("node01-04]").find("']' without '[' at position 10"), std::string::npos);
  EXPECT_NE(nodelistError("n[1-[2]]").find("nested '[' at position 5"), std::string::npos);
  EXPECT_NE(nodelistError("a,,b").find("empty host name at position 3"), std::string::npos);
  EXPECT_NE(nodelistError("a,").find("empty host name at position 3"), std::string::npos);
  EXPECT_NE(nodelistError(",a").find("empty host name at position 1"), std::string::npos);
  EXPECT_NE(nodelistError("n[]").find("empty range in brackets at position 3"), std::string::npos);
  EXPECT_NE(nodelistError("n[1,]").find("empty range in brackets"), std::string::npos);
  EXPECT_NE(nodelistError("n[4-2]").find("range '4-2' goes down"), std::string::npos);
  EXPECT_NE(nodelistError("n[a-c]").find("range 'a-c' is not N or N-M"), std::string::npos);
  EXPECT_NE(nodelistError("n[1-]").find("range '1-' is not N or N-M"), std::string::npos);
  EXPECT_NE(nodelistError("n[1-2-3]").find("is not N or N-M"), std::string::npos);
  EXPECT_NE(nodelistError("node1 node2").find("character ' ' is not allowed in a host name at position 6"),
            std::string::npos);
  EXPECT_NE(nodelistError("n[1-2],n2").find("host 'n2' is listed twice"), std::string::npos);
  EXPECT_NE(nodelistError("-n1").find("'-n1' is not a host name"), std::string::npos);
  EXPECT_NE(nodelistError("n[0-99999999]").find("more than 100000 hosts"), std::string::npos);
  EXPECT_NE(nodelistError("a[0-999]b[0-999]").find("more than 100000 hosts"), std::string::npos);
}

TEST(SlurmCountsPerNode, ExpandsRepeats) {
  EXPECT_EQ(slurmCountsPerNode("2(x3),1", "SLURM_TASKS_PER_NODE"), (std::vector<int>{2, 2, 2, 1}));
  EXPECT_EQ(slurmCountsPerNode("4", "SLURM_TASKS_PER_NODE"), (std::vector<int>{4}));
  EXPECT_EQ(slurmCountsPerNode("1,2(x2)", "SLURM_TASKS_PER_NODE"), (std::vector<int>{1, 2, 2}));
}

TEST(SlurmCountsPerNode, MalformedCountsNameTheVariable) {
  auto err = [](const std::string& s) { return errorOf<ConfigError>([&] { slurmCountsPerNode(s, "SLURM_TASKS_PER_NODE"); }); };
  EXPECT_EQ(err("2(x3"),
            "SLURM_TASKS_PER_NODE '2(x3': '2(x3' has no closing ')'; expected counts like 2(x3),1 (N or N(xM), comma-separated)");
  EXPECT_NE(err("").find("'' is not a whole number"), std::string::npos);
  EXPECT_NE(err("2,,1").find("'' is not a whole number"), std::string::npos);
  EXPECT_NE(err("0").find("'0' is not at least 1"), std::string::npos);
  EXPECT_NE(err("2(y3)").find("'2(y3)' is not a whole number"), std::string::npos);
  EXPECT_NE(err("2(x0)").find("'0' is not at least 1"), std::string::npos);
}

}  // namespace
}  // namespace fabcheck::launch
