// Which counters are sampled through a test (counter_sampler.h): the ones the verdicts and the
// report's charts read — every counter of the NIC vocabulary (nic_vocabulary.h), per-priority PFC pause frames and durations, per-priority traffic
// (a storm is pausing while the priority sends nothing: pfc_storm.h), pause-storm events,
// discards, ECN/CNP and RDMA sequence counters, and every switch port counter read over SNMP
// (switch_metrics.h). Everything else a host has is read before and
// after the test only (its delta is in the results either way).
#pragma once

#include <string>

#include "harness/counters/counter_sample.h"

namespace fabcheck::counters {

// `source` is the CounterSource name() the sample came from.
bool sampledCounter(const std::string& source, const CounterSample& sample);

}  // namespace fabcheck::counters
