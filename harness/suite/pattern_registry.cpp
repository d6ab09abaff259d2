#include "harness/suite/pattern_registry.h"

#include <algorithm>
#include <mutex>

#include "generators/core/errors.h"

namespace fabcheck::suite {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<PatternPtr> patterns;
  uint64_t generation = 1;
};

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;  // never destroyed: patterns may be looked up during static destruction
    reg->patterns = builtinPatterns();
    return reg;
  }();
  return *r;
}

}  // namespace

std::vector<PatternPtr> patternRegistry() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.patterns;
}

PatternPtr findPattern(std::string_view name) {
  for (const auto& p : patternRegistry()) {
    if (p->name() == name) return p;
  }
  return nullptr;
}

std::string patternNameList() {
  std::string list;
  for (const auto& p : patternRegistry()) list += (list.empty() ? "" : ", ") + p->name();
  return list;
}

PatternPtr patternFor(const model::TestSpec& spec) {
  const auto all = patternRegistry();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if ((*it)->describes(spec)) return *it;
  }
  throw ConfigError("test '" + spec.name + "': no registered pattern describes it (pattern '" + spec.pattern +
                    "'); expected one of " + patternNameList());
}

std::string metricFamilyOf(std::string_view pattern, std::string_view placement) {
  const auto all = patternRegistry();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if ((*it)->summarizedAs(pattern, placement)) return (*it)->metricFamily();
  }
  return std::string(pattern);
}

std::vector<std::string> patternsTaking(const std::string& key) {
  std::vector<std::string> out;
  for (const auto& p : patternRegistry()) {
    const auto keys = p->keys();
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) out.push_back(p->name());
  }
  return out;
}

uint64_t patternRegistryGeneration() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.generation;
}

void addPattern(PatternPtr pattern) {
  if (!pattern || pattern->name().empty()) throw ConfigError("addPattern: a pattern needs a name");
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (const auto& p : r.patterns) {
    if (p->name() == pattern->name()) throw ConfigError("pattern '" + p->name() + "' is registered already");
  }
  r.patterns.push_back(std::move(pattern));
  ++r.generation;
}

bool removePattern(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  const auto it = std::find_if(r.patterns.begin(), r.patterns.end(), [&](const PatternPtr& p) { return p->name() == name; });
  if (it == r.patterns.end()) return false;
  r.patterns.erase(it);
  ++r.generation;
  return true;
}

ScopedPattern::ScopedPattern(PatternPtr pattern) : name_(pattern ? pattern->name() : "") { addPattern(std::move(pattern)); }

ScopedPattern::~ScopedPattern() { removePattern(name_); }

}  // namespace fabcheck::suite
