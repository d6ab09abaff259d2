#include "harness/counters/verdict_metrics.h"

namespace fabcheck::counters {

const std::vector<VerdictMetricInfo>& verdictMetricInfos() {
  static const std::vector<VerdictMetricInfo> kInfos = {
      {"lossless.ok", "", "1 when the lossless verdict holds: no traffic loss, no NIC discard or sequence-error counter rose, no PFC storm (0 otherwise)",
       "every participant's NIC has a discard or sequence-error counter"},
      {"lossless.violations", "findings", "how many findings broke the lossless verdict (each named in the report)",
       "every participant's NIC has a discard or sequence-error counter"},
      {"nic.pfc.storms", "storms", "PFC storms on the participants' NICs (pause duty >= counters.storm_duty for >= storm_min_duration while the priority sent almost nothing)",
       "every participant's NIC has per-priority pause counters, sampled through the test"},
      {"nic.pfc.max_pause_duty", "", "the largest fraction of a sampling interval a priority was kept paused, over the participants' NICs",
       "every participant's NIC has per-priority pause counters and one has a pause-duration counter"},
      {"ecn.cnp_per_mark", "", "CNPs sent per CE-marked packet received (<= 1: NICs coalesce CNPs)",
       "the NICs count ECN marks and CNPs, and some packet was marked"},
      {"ecn.handled_per_cnp", "", "CNPs the senders handled per CNP the receivers sent (about 1)",
       "the NICs count ECN marks and CNPs, and some CNP was sent"},
      {"ecn.consistent", "", "1 when marks, CNPs sent and CNPs handled agree (marks >= CNPs sent > 0 when marked, handled within 10% of sent)",
       "the NICs count ECN marks and CNPs"},
      {"kpi.packet_drop_rate_ppm", "ppm", "BMWG Packet Drop Rate: lost_packets / sent_packets × 10^6",
       "the pattern counts sent and lost messages"},
      {"kpi.ecn_marking_ratio_pct", "%", "BMWG ECN Marking Ratio: CE-marked / ECN-capable packets received, in percent (RDMA NIC counters, else the kernel's IpExt)",
       "ECN-capable packets were counted"},
      {"kpi.pfc_pause_rate_per_s", "frames/s", "BMWG PFC Pause Count: the highest rate of PFC pause frames a participant's NIC received on one priority",
       "every participant's NIC has per-priority pause counters, sampled through the test"},
  };
  return kInfos;
}

}  // namespace fabcheck::counters
