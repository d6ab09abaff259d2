// `fabcheck run SUITE` and `fabcheck validate SUITE`: thin layers over the suite loader and
// runSuite() (harness/runner/suite_run.h), which the Python bindings share.
#include "harness/cli/run_command.h"

#include <unistd.h>

#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "harness/cli/cli.h"
#include "harness/cli/console_summary.h"
#include "harness/cli/progress.h"
#include "harness/cli/signals.h"
#include "harness/runner/run_settings.h"
#include "harness/runner/suite_run.h"
#include "harness/suite/site_loader.h"
#include "harness/slo/verdict.h"
#include "harness/suite/suite_loader.h"
#include "reports/reporter.h"

namespace fabcheck::cli {
namespace {

namespace po = boost::program_options;
using nlohmann::json;

constexpr const char* kRunUsage =
    "usage: fabcheck run SUITE [--launcher local|emulated|ssh|slurm|mpirun] [--fabric SPEC] [--hosts FILE] [--agents N]\n"
    "                          [--site FILE]... [--report FORMAT:PATH]... [--launcher-option KEY=VALUE]...\n"
    "                          [--test NAME]... [--stop-on-error] [--controller-address ADDR]\n"
    "exit codes: 0 every SLO passed, 1 an SLO failed, 2 usage or suite error, 3 infrastructure error\n";

// The flags; the defaults shown are RunSettings' (harness/runner/run_settings.h).
po::options_description runOptions(const RunSettings& defaults) {
  po::options_description o("options");
  o.add_options()
      ("help,h", "print this help")
      ("launcher", po::value<std::string>(), "how agents start: local (the default), emulated, ssh, slurm, mpirun")
      ("fabric", po::value<std::string>(), "emulated fabric for the run, e.g. hosts=4,topology=switch,rate=1gbit,queue=100 (docs/fabric.md; implies --launcher emulated)")
      ("hosts", po::value<std::string>(), "hosts file: one host per line, optional slots=N and labels (rack=a)")
      ("agents", po::value<int>(), "local launcher: agents on this host (default: what the suite needs, at least 2)")
      ("site", po::value<std::vector<std::string>>(), "site file overriding fabric/defaults values (repeatable)")
      ("report", po::value<std::vector<std::string>>(), "FORMAT:PATH, e.g. json:results.json (repeatable)")
      ("launcher-option", po::value<std::vector<std::string>>(), "KEY=VALUE for the launcher, e.g. ssh_port=2222 (repeatable)")
      ("test", po::value<std::vector<std::string>>(), "run only this test (repeatable)")
      ("stop-on-error", "end the run at the first test with an infrastructure error")
      ("controller-address", po::value<std::string>(), "address agents connect back to (default: 127.0.0.1 for local, the fabric's management address for emulated, else this host's name)")
      ("binary", po::value<std::string>(), "path of fabcheck on the agents' hosts (default: this executable)")
      ("step-timeout", po::value<std::string>()->default_value(defaults.step_timeout), "timeout of every set-up step and reply")
      ("register-timeout", po::value<std::string>()->default_value(defaults.register_timeout), "how long agents may take to start and register")
      ("clock-step-bound", po::value<std::string>()->default_value(defaults.clock_step_bound), "a larger step of an agent's realtime clock during a test (NTP, PTP) makes the test an error")
      ("max-rate", po::value<std::string>(), "agents refuse plans sending faster than this")
      ("max-duration", po::value<std::string>(), "agents refuse tests longer than this")
      ("log-level", po::value<std::string>()->default_value(defaults.log_level), "trace, debug, info, warn, error, off");
  return o;
}

int64_t expectedNs(const suite::SuiteTest& t, size_t agents, const RunOptions& o) {
  const auto& p = t.spec.params;
  if (p.duration_ns <= 0) return 0;
  const int64_t rounds = t.spec.placement == patterns::Placement::kMatrix
                             ? static_cast<int64_t>(agents % 2 == 0 ? agents - 1 : agents)
                             : 1;
  return rounds * (p.warmup_ns + p.duration_ns + o.controller.start_delay_ns);
}

std::string title(const suite::SuiteTest& t, size_t agents) {
  if (t.spec.collective) {
    const auto& c = *t.spec.collective;
    const size_t sizes = c.sweep().size();
    return t.spec.name + " (" + std::string(patterns::toString(c.params.kind)) + " " +
           std::string(patterns::toString(c.params.algorithm)) + ", " + std::to_string(agents) + " ranks" +
           (sizes > 1 ? ", " + std::to_string(sizes) + " sizes" : std::string()) + ")";
  }
  return t.spec.name + " (" + std::string(patterns::toString(t.spec.params.kind)) + ", " +
         std::string(patterns::toString(t.spec.placement)) + ", " + std::to_string(agents) + " agents)";
}

// Warnings about a valid suite (deprecated metric names), one line each on stderr.
void printWarnings(const suite::Suite& s) {
  for (const auto& w : slo::sloWarnings(s)) std::fprintf(stderr, "%s\n", w.str().c_str());
}

}  // namespace

int runValidateCommand(int argc, char** argv) {
  po::options_description o("options");
  o.add_options()("help,h", "print this help")(
      "site", po::value<std::vector<std::string>>(), "site file overriding fabric/defaults values (repeatable)");
  po::positional_options_description pos;
  pos.add("suite", 1);
  po::options_description all;
  all.add(o).add_options()("suite", po::value<std::string>());
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "fabcheck validate: %s (see fabcheck validate --help)\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "usage: fabcheck validate SUITE [--site FILE]...\n" << o << std::endl;
    return kExitOk;
  }
  if (!vm.count("suite")) {
    std::fprintf(stderr, "fabcheck validate: no suite given; usage: fabcheck validate SUITE [--site FILE]...\n");
    return kExitUsage;
  }
  const std::string path = vm["suite"].as<std::string>();
  try {
    const auto sites = vm.count("site") ? vm["site"].as<std::vector<std::string>>() : std::vector<std::string>{};
    const suite::Suite s = suite::loadSuite(path, sites);
    if (auto d = slo::validateSlos(s); !d.empty()) throw suite::SuiteError(d);
    printWarnings(s);
    const auto switches = suite::loadSiteSwitches(sites);
    std::printf("%s: valid, suite '%s', %zu tests%s\n", path.c_str(), s.name.c_str(), s.tests.size(),
                switches.empty() ? "" : (", " + std::to_string(switches.size()) + " switches").c_str());
    return kExitOk;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitUsage;
  }
}

namespace {

// What `fabcheck run` was given: the suite, its site files, the reports and the run's settings.
struct RunArgs {
  std::string suite;
  std::vector<std::string> sites, reports;
  RunSettings settings;
};

// argv → RunArgs; returns an exit code when the command ends here (--help, a bad flag).
std::optional<int> parseRunArgs(int argc, char** argv, RunArgs& args) {
  const RunSettings defaults;
  const po::options_description visible = runOptions(defaults);
  po::options_description all;
  all.add(visible).add_options()("suite", po::value<std::string>());
  po::positional_options_description pos;
  pos.add("suite", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "fabcheck run: %s (see fabcheck run --help)\n", e.what());
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << kRunUsage << visible << std::endl;
    return kExitOk;
  }
  auto list = [&](const char* k) {
    return vm.count(k) ? vm[k].as<std::vector<std::string>>() : std::vector<std::string>{};
  };
  RunSettings& st = args.settings;
  if (vm.count("suite")) args.suite = vm["suite"].as<std::string>();
  args.sites = list("site");
  args.reports = list("report");
  for (const auto& [key, field] : textSettings()) {
    const std::string flag = optionName(OptionStyle::kCommandLine, key).substr(2);
    if (vm.count(flag)) st.*field = vm[flag].as<std::string>();
  }
  if (vm.count("hosts")) st.hosts_file = vm["hosts"].as<std::string>();
  if (vm.count("agents")) st.agents = vm["agents"].as<int>();
  for (const auto& kv : list("launcher-option")) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "fabcheck run: --launcher-option '%s': expected KEY=VALUE\n", kv.c_str());
      return kExitUsage;
    }
    st.launcher_options[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  st.tests = list("test");
  st.stop_on_error = vm.count("stop-on-error") > 0;
  return std::nullopt;
}

// The console follows the run through runSuite()'s hooks.
void followOnConsole(SuiteRunOptions& opts, ConsoleSummary& summary, Progress& progress) {
  const RunOptions& ro = opts.run;
  opts.hooks.on_message = [&progress](const std::string& m) { progress.message(m); };
  opts.hooks.on_ready = [&progress, &ro](const std::vector<model::AgentInfo>& a) {
    progress.message(std::to_string(a.size()) + " agents ready (" + ro.launcher + " launcher)");
  };
  opts.hooks.on_test_start = [&progress, &ro](size_t i, size_t total, const suite::SuiteTest& t,
                                              const model::TestSpec& spec) {
    progress.start(i, total, title(t, spec.agents.size()), expectedNs(t, spec.agents.size(), ro));
  };
  opts.hooks.on_test = [&progress, &summary](const json& record) { progress.finish(summary.add(record)); };
}

}  // namespace

int runRunCommand(int argc, char** argv) {
  RunArgs args;
  if (auto code = parseRunArgs(argc, argv, args)) return *code;

  // ---- everything that can be wrong with the input is found before anything starts -------
  suite::Suite s;
  SuiteRunOptions opts;
  std::vector<std::unique_ptr<reports::Reporter>> reporters;
  try {
    if (args.suite.empty()) throw ConfigError("no suite given; " + std::string(kRunUsage).substr(7, 40) + "...");
    s = suite::loadSuite(args.suite, args.sites);
    if (auto d = slo::validateSlos(s); !d.empty()) throw suite::SuiteError(d);
    printWarnings(s);
    opts = resolveSuiteRun(args.settings, s, OptionStyle::kCommandLine);
    opts.keep_records = false;  // written by the reporters as each test ends; not needed after
    opts.run.switches = suite::loadSiteSwitches(args.sites);
    for (const auto& r : args.reports) reporters.push_back(reports::createReporter(r));
  } catch (const suite::SuiteError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitUsage;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "fabcheck run: %s\n", e.what());
    return kExitUsage;
  }

  // ---- the run (harness/runner/suite_run.h) ------------------------------------------------
  ConsoleSummary summary(s.name);
  Progress progress(stderr, ::isatty(STDERR_FILENO) == 1);
  followOnConsole(opts, summary, progress);
  std::vector<reports::Reporter*> sinks;
  for (auto& r : reporters) sinks.push_back(r.get());
  SuiteRunResult result;
  try {
    result = runSuite(s, opts, sinks, &installInterruptHandlers());
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "fabcheck run: %s\n", e.what());
    return kExitUsage;
  }
  std::fputs(summary.table().c_str(), stdout);
  for (const auto& r : reporters) std::printf("report %s\n", r->describe().c_str());
  std::fflush(stdout);
  return result.exit_code;
}

}  // namespace fabcheck::cli
