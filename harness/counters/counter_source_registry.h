// The counter-source registry: every CounterSource kind (counter_source.h) by name, with a
// description and a factory that builds it with the defaults for the host it runs on.
//
// Contract:
// - name is the source's name() (what flat_metrics.h selects by); names are unique.
// - `host` marks the sources an agent reads about its own host around every test
//   (hostCounterSet(), test_counters.h), in registry order; the others (qdisc: the emulated
//   fabric's switch ports) are built by whoever knows their options (a launcher).
// - create() never reads anything: a source whose host lacks what it reads (no ethtool, no RDMA
//   device) is still created, and its snapshot() is then empty and valid with a reason, never zeros.
// Adding a source: its own files (a CounterSource) and one row in counter_source_registry.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/counters/counter_source.h"

namespace fabcheck::counters {

struct CounterSourceInfo {
  std::string name;         // "netdev"
  std::string description;  // one line: what it reads
  bool host = false;        // part of hostCounterSet()
  std::function<std::unique_ptr<CounterSource>()> create;  // with this host's defaults
};

// Every source kind, in the order hostCounterSet() reads them.
const std::vector<CounterSourceInfo>& counterSourceRegistry();

// The registry's source `name` with its defaults; throws ConfigError naming the known ones.
std::unique_ptr<CounterSource> createCounterSource(std::string_view name);

}  // namespace fabcheck::counters
