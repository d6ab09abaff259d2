// The flow patterns as plug-ins (harness/suite/pattern_plugin.h): pingpong, stream,
// microburst and incast — flows between placed agents (generators/patterns/pattern.h,
// placement.h), read from the flow keys (harness/suite/flow_loader.h), planned by placement
// (harness/plan/test_rounds.h) and summarised from what the flows measured
// (harness/results/measurements.h).
//
// A FlowPattern is one PatternKind, optionally always placed as incast (pattern incast is a
// microburst placed as incast: M senders -> 1 receiver). Its metrics: packets, plus round
// trips (pingpong) or per-flow accounting (the others), plus bursts (burst flows).
#pragma once

#include <string>

#include "generators/patterns/pattern.h"
#include "harness/suite/pattern_registry.h"

namespace fabcheck::pattern_plugins {

struct FlowPatternDef {
  std::string name;
  std::string description;
  patterns::PatternKind kind = patterns::PatternKind::kStream;
  bool incast = false;  // always placed as incast
};

suite::PatternPtr flowPattern(FlowPatternDef def);

}  // namespace fabcheck::pattern_plugins
