// model::nearestKey: the "did you mean" of every loader. Since fuzzing (issue 19) it skips the
// known names whose length alone puts them out of reach; these pin that the answers stay the same.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/model/name_suggestion.h"

namespace {

using fabcheck::model::nearestKey;

const std::vector<std::string> kKnown = {"rate", "hosts", "queue", "queue_bytes", "throughput_gbps", "abcdef"};

TEST(NameSuggestion, SuggestsTheNearestTypo) {
  EXPECT_EQ(nearestKey("rats", kKnown), "rate");
  EXPECT_EQ(nearestKey("hots", kKnown), "hosts");
  EXPECT_EQ(nearestKey("throughput_gbpss", kKnown), "throughput_gbps");
}

TEST(NameSuggestion, APrefixEitherWayCountsAsOneEdit) {
  EXPECT_EQ(nearestKey("throughput", kKnown), "throughput_gbps");  // 5 characters shorter
  EXPECT_EQ(nearestKey("hosts_per_rack", kKnown), "hosts");           // 9 characters longer
}

TEST(NameSuggestion, ANameAsFarInLengthAsTheLimitIsStillSuggested) {
  // 9 characters: limit 3; "abcdef" is 3 shorter and 3 insertions away (not a prefix).
  EXPECT_EQ(nearestKey("xabcdefyz", kKnown), "abcdef");
  // One more character: 4 away, beyond the limit of 3 (10 / 3).
  EXPECT_EQ(nearestKey("xabcdefwyz", {"abcdef"}), "");
  EXPECT_EQ(nearestKey("abcdefwxyz", {"abcdef"}), "abcdef");  // a prefix: one edit
}

TEST(NameSuggestion, ALongUnknownNameHasNoSuggestion) {
  EXPECT_EQ(nearestKey(std::string(100'000, 'x'), kKnown), "");
  EXPECT_EQ(nearestKey("", kKnown), "");
}

}  // namespace
