// Turns a pair run into what people and programs read: flat metrics per message size (the
// `--json` object), and a perftest-like table.
//
// Metric definitions: harness/results/measurements.h. Per flow, `direction` is client-to-server
// or server-to-client.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/pair/pair_types.h"

namespace fabcheck::pair {

nlohmann::json summarizeSize(const SizeResult& size, const PairRun& run);
// One object for a single size; {"pattern", "transport", ..., "sweep": [per-size objects]} for several.
nlohmann::json summarizeRun(const PairRun& run);

std::string tableHeader(const PairRun& run, patterns::PatternKind kind);
std::string tableRow(const SizeResult& size);

}  // namespace fabcheck::pair
