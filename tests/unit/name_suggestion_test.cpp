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

TEST(NameSuggestion, TheFirstOfEquallyNearKeysWins) {
  EXPECT_EQ(nearestKey("rbte", {"rate", "rbtx", "rbte_"}), "rate");  // each one edit away
  EXPECT_EQ(nearestKey("queue", {"queue_bytes", "queue"}), "queue_bytes");  // both prefixes
  // Below 3 characters nothing is a prefix: the key itself (0 edits) beats the 1-edit ones.
  EXPECT_EQ(nearestKey("ab", {"ac", "ab", "ad"}), "ab");
}

TEST(NameSuggestion, AKeyThatStraysEarlyIsRejectedLikeOneThatStraysLate) {
  // The distance stops being measured once a row of the table exceeds the limit; the answer is
  // the full distance's: 12 characters (limit 4), 5 edits at the start or at the end.
  EXPECT_EQ(nearestKey("zzzzzmetrics", {"abcdemetrics"}), "");
  EXPECT_EQ(nearestKey("metricszzzzz", {"metricsabcde"}), "");
  EXPECT_EQ(nearestKey("zzzzmetricsx", {"abcdmetricsx"}), "abcdmetricsx");  // 4 edits: within
  EXPECT_EQ(nearestKey("metricszzzzx", {"metricsabcdx"}), "metricsabcdx");
}

}  // namespace
