// The perftest-shaped table of `fabcheck gen` (verbs), so a person who knows ib_write_bw and
// ib_send_lat reads it at a glance:
//
//   bandwidth (stream):  #bytes #iterations BW peak[MB/sec] BW average[MB/sec] MsgRate[Mpps]
//                        (Gb/sec with --report-gbits; MB = 2^20 bytes, as perftest)
//   latency (pingpong):  #bytes #iterations t_min[usec] t_max[usec] t_typical[usec] t_avg[usec]
//                        t_stdev[usec] 99% percentile[usec] 99.9% percentile[usec]
//                        (round trip / 2, as perftest reports by default; t_typical = median)
//
// Built from what the run measured, nothing invented: BW average and MsgRate are the receivers'
// measured-phase figures (a one-sided run: the initiator's, as ib_write_bw); BW peak is the best
// whole interval of the interval series, "-" when there is none (a run shorter than one interval).
// #iterations: messages sent (bandwidth) or round trips measured (latency).
#pragma once

#include <string>

#include "harness/pair/pair_types.h"

namespace fabcheck::pair {

std::string perftestRule();  // the dashed line perftest prints above and below the rows
std::string perftestHeader(patterns::PatternKind kind, bool report_gbits);
std::string perftestRow(const SizeResult& size, bool report_gbits);

}  // namespace fabcheck::pair
