#include "harness/runner/run_settings.h"

#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "generators/core/log.h"
#include "harness/launch/emulated_launcher.h"
#include "harness/launch/launcher.h"
#include "harness/model/units.h"
#include "harness/suite/suite.h"

namespace fabcheck {
namespace {

constexpr int kMaxAgents = 4096;
constexpr int64_t kStartDelayNs = 200'000'000;

std::string defaultLauncher(const RunSettings& s, OptionStyle style) {
  if (s.fabric.empty()) return s.launcher.empty() ? "local" : s.launcher;
  if (!s.launcher.empty() && s.launcher != "emulated") {
    throw ConfigError(optionName(style, "fabric") + ": an emulated fabric runs with " +
                      optionWithValue(style, "launcher", "emulated", true) + ", not " +
                      optionWithValue(style, "launcher", s.launcher, true));
  }
  return "emulated";
}

// The hosts of the run: the given ones, else the launcher's (defaultHosts) for `agents` slots.
void resolveHosts(const RunSettings& s, int agents_wanted, OptionStyle style, RunOptions& ro) {
  const bool given = !s.hosts_file.empty() || !s.host_lines.empty();
  if (given && s.agents) {
    throw ConfigError(optionWithValue(style, "agents", std::to_string(*s.agents)) + ": give either " +
                      optionName(style, "hosts") + " (slots per host) or " + optionName(style, "agents") + ", not both");
  }
  if (!s.hosts_file.empty()) {
    ro.hosts = launch::parseHostsFile(s.hosts_file);
    return;
  }
  if (!s.host_lines.empty()) {
    std::string text;
    for (const auto& line : s.host_lines) text += line + "\n";
    ro.hosts = launch::parseHosts(text, optionName(style, "hosts"));
    return;
  }
  ro.agents = s.agents.value_or(agents_wanted);
  if (ro.agents < 1 || ro.agents > kMaxAgents) {
    throw ConfigError(optionWithValue(style, "agents", std::to_string(ro.agents)) + ": expected 1 to " +
                      std::to_string(kMaxAgents));
  }
  ro.hosts = launch::defaultHosts(ro.launcher, ro.launcher_options, ro.agents);  // slurm: the allocation
  if (ro.hosts.empty()) {
    throw ConfigError(optionName(style, "hosts") + " is required with the " + ro.launcher + " launcher");
  }
}

// Emulated: the fabric's management network (agents in namespaces cannot reach loopback).
std::string controllerAddress(const RunSettings& s, const RunOptions& ro) {
  if (!s.controller_address.empty()) return s.controller_address;
  if (ro.launcher == "local") return "127.0.0.1";
  if (ro.launcher == "emulated") return launch::emulatedControllerAddress(ro.launcher_options);
  return hostName();
}

// Timeouts, agent limits and the log level; each limit is checked here and passed to the agents.
void resolveLimits(const RunSettings& s, OptionStyle style, RunOptions& ro) {
  ro.controller.step_timeout_ns = model::parseDurationNs(s.step_timeout, optionName(style, "step_timeout"));
  ro.controller.register_timeout_ns = model::parseDurationNs(s.register_timeout, optionName(style, "register_timeout"));
  ro.controller.clock_step_bound_ns = model::parseDurationNs(s.clock_step_bound, optionName(style, "clock_step_bound"));
  ro.controller.start_delay_ns = kStartDelayNs;
  if (!s.max_rate.empty()) {
    model::parseRate(s.max_rate, optionName(style, "max_rate"));
    ro.agent_args.insert(ro.agent_args.end(), {"--max-rate", s.max_rate});
  }
  if (!s.max_duration.empty()) {
    model::parseDurationNs(s.max_duration, optionName(style, "max_duration"));
    ro.agent_args.insert(ro.agent_args.end(), {"--max-duration", s.max_duration});
  }
  try {
    log::configure("fabcheck", s.log_level);
  } catch (const ConfigError&) {
    throw ConfigError(optionWithValue(style, "log_level", s.log_level, true) +
                      ": expected one of trace, debug, info, warn, error, off");
  }
  ro.agent_args.insert(ro.agent_args.end(), {"--log-level", s.log_level});
}

}  // namespace

const std::vector<TextSetting>& textSettings() {
  static const std::vector<TextSetting> kText = {
      {"launcher", &RunSettings::launcher},
      {"fabric", &RunSettings::fabric},
      {"controller_address", &RunSettings::controller_address},
      {"binary", &RunSettings::binary},
      {"step_timeout", &RunSettings::step_timeout},
      {"register_timeout", &RunSettings::register_timeout},
      {"clock_step_bound", &RunSettings::clock_step_bound},
      {"max_rate", &RunSettings::max_rate},
      {"max_duration", &RunSettings::max_duration},
      {"log_level", &RunSettings::log_level},
  };
  return kText;
}

std::string optionName(OptionStyle style, std::string_view key) {
  std::string name(key);
  if (style == OptionStyle::kPython) return name;
  for (char& c : name) c = c == '_' ? '-' : c;
  return "--" + name;
}

std::string optionWithValue(OptionStyle style, std::string_view key, const std::string& value, bool quote) {
  if (style == OptionStyle::kCommandLine) return optionName(style, key) + " " + value;
  return optionName(style, key) + "=" + (quote ? "'" + value + "'" : value);
}

RunOptions resolveRunOptions(const RunSettings& s, int agents_wanted, OptionStyle style) {
  RunOptions ro;
  ro.launcher = defaultLauncher(s, style);
  ro.launcher_options = s.launcher_options;
  if (!s.fabric.empty()) ro.launcher_options["fabric"] = s.fabric;
  launch::createLauncher(ro.launcher, ro.launcher_options);  // checks the name and options now
  resolveHosts(s, agents_wanted, style, ro);
  ro.controller_address = controllerAddress(s, ro);
  ro.binary = s.binary;
  resolveLimits(s, style, ro);
  ro.stop_on_error = s.stop_on_error;
  return ro;
}

SuiteRunOptions resolveSuiteRun(const RunSettings& s, const suite::Suite& suite, OptionStyle style) {
  SuiteRunOptions out;
  out.run = resolveRunOptions(s, suite.agentsWanted(), style);
  out.run.min_agents = suite.min_agents;
  const int slots = launch::totalSlots(hostsOf(out.run));
  if (suite.min_agents > slots) {
    throw ConfigError(suite.min_agents_pos.str() + ": min_agents " + std::to_string(suite.min_agents) +
                      " is more than the run's " + std::to_string(slots) + " agents; expected at most " +
                      std::to_string(slots));
  }
  out.only_tests = s.tests;
  planSuite(suite, hostsOf(out.run), out.only_tests);  // unknown test names, too few agents: said now
  return out;
}

}  // namespace fabcheck
