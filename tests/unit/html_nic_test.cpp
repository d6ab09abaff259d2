// The NIC verdicts and pause charts in the HTML report (reports/html_nic.h).
#include <gtest/gtest.h>

#include "reports/html_nic.h"

namespace fabcheck::reports {
namespace {

using nlohmann::json;

json recordWithStorm() {
  return json::parse(R"j({"nic": {
    "lossless": {"known": true, "ok": false, "violations": ["h1: PFC storm on dev=eth0 priority 3: pause duty up to 0.95 for 400 ms from +0.1 s", "h2: nic.discards rose by 12 (rx_discards_phy{dev=eth0}: 12)"], "checked": [], "not_checked": []},
    "pfc_storms": [{"host": "h1", "nic": "eth0", "priority": 3, "start_s": 0.1, "duration_ms": 400, "max_duty": 0.95}],
    "pause": [{"host": "h1", "nic": "eth0", "priority": 3, "max_duty": 0.95, "rx_frames": 30, "tx_frames": 0,
               "t_s": [0.1, 0.2, 0.3, 0.4], "duty": [0, 0.95, null, 0.95], "rx_frames_per_s": [0, 10, 10, 10], "tx_frames_per_s": [null, null, null, null]}],
    "ecn": {"marked": 1000, "cnp_sent": 0, "cnp_handled": 0, "consistent": false, "problems": ["1000 CE-marked packets received but no CNP sent"]}}})j");
}

TEST(HtmlNic, ABrokenVerdictListsEveryViolation) {
  const std::string h = nicVerdictHtml(recordWithStorm());
  EXPECT_NE(h.find("lossless: broken"), std::string::npos) << h;
  EXPECT_NE(h.find("h2: nic.discards rose by 12 (rx_discards_phy{dev=eth0}: 12)"), std::string::npos) << h;
  EXPECT_NE(h.find("ECN: inconsistent"), std::string::npos) << h;
  EXPECT_NE(h.find("no CNP sent"), std::string::npos) << h;
}

TEST(HtmlNic, UnknownAndHoldingVerdicts) {
  auto r = json::parse(R"({"nic": {"lossless": {"known": false, "ok": false, "why_unknown": "no NIC discard or sequence-error counter on h2 <veth>"}}})");
  std::string h = nicVerdictHtml(r);
  EXPECT_NE(h.find("lossless: unknown"), std::string::npos);
  EXPECT_NE(h.find("h2 &lt;veth&gt;"), std::string::npos) << "escaped: " << h;
  r = json::parse(R"({"nic": {"lossless": {"known": true, "ok": true, "checked": ["a", "b"]}}})");
  EXPECT_NE(nicVerdictHtml(r).find("lossless: holds"), std::string::npos);
  EXPECT_EQ(nicVerdictHtml(json::object()), "");
  EXPECT_EQ(nicVerdictHtml(json::parse(R"({"nic": 5})")), "");
}

TEST(HtmlNic, PauseChartsShadeTheStormAndBreakAtUnknownIntervals) {
  const std::string h = nicChartsHtml(recordWithStorm());
  EXPECT_NE(h.find("data-chart=\"pause\""), std::string::npos) << h;
  EXPECT_NE(h.find("PFC pause duty"), std::string::npos);
  EXPECT_NE(h.find("PFC pause frames received"), std::string::npos);
  EXPECT_NE(h.find("class=\"storm\""), std::string::npos) << "the storm is shaded";
  EXPECT_NE(h.find("storm h1 eth0 prio 3"), std::string::npos);
  EXPECT_NE(h.find(" M"), std::string::npos) << "the duty line restarts after the unknown interval";
  EXPECT_EQ(nicChartsHtml(json::parse(R"({"nic": {"pause": []}})")), "");
}

}  // namespace
}  // namespace fabcheck::reports
