// `fabcheck run SUITE` and `fabcheck validate SUITE`: thin layers over the suite loader and
// runSuite() (harness/runner/suite_run.h), which the Python bindings share.
#include "harness/cli/run_command.h"

#include <unistd.h>

#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "generators/core/log.h"
#include "harness/cli/cli.h"
#include "harness/cli/console_summary.h"
#include "harness/cli/progress.h"
#include "harness/cli/signals.h"
#include "harness/launch/emulated_launcher.h"
#include "harness/launch/launcher.h"
#include "harness/runner/runner.h"
#include "harness/runner/suite_run.h"
#include "harness/slo/verdict.h"
#include "harness/suite/suite_loader.h"
#include "harness/model/units.h"
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

po::options_description runOptions() {
  po::options_description o("options");
  o.add_options()
      ("help,h", "print this help")
      ("launcher", po::value<std::string>()->default_value("local"), "how agents start: local, emulated, ssh, slurm, mpirun")
      ("fabric", po::value<std::string>(), "emulated fabric for the run, e.g. hosts=4,topology=switch,rate=1gbit,queue=100 (docs/fabric.md; implies --launcher emulated)")
      ("hosts", po::value<std::string>(), "hosts file: one host per line, optional slots=N and labels (rack=a)")
      ("agents", po::value<int>(), "local launcher: agents on this host (default: what the suite needs, at least 2)")
      ("site", po::value<std::vector<std::string>>(), "site file overriding fabric/defaults values (repeatable)")
      ("report", po::value<std::vector<std::string>>(), "FORMAT:PATH, e.g. json:results.json (repeatable)")
      ("launcher-option", po::value<std::vector<std::string>>(), "KEY=VALUE for the launcher, e.g. ssh_port=2222 (repeatable)")
      ("test", po::value<std::vector<std::string>>(), "run only this test (repeatable)")
      ("stop-on-error", "end the run at the first test with an infrastructure error")
      ("controller-address", po::value<std::string>(), "address agents connect back to (default: 127.0.0.1 for local, else this host's name)")
      ("binary", po::value<std::string>(), "path of fabcheck on the agents' hosts (default: this executable)")
      ("step-timeout", po::value<std::string>()->default_value("30s"), "timeout of every set-up step and reply")
      ("register-timeout", po::value<std::string>()->default_value("60s"), "how long agents may take to start and register")
      ("max-rate", po::value<std::string>(), "agents refuse plans sending faster than this")
      ("max-duration", po::value<std::string>(), "agents refuse tests longer than this")
      ("log-level", po::value<std::string>()->default_value("warn"), "trace, debug, info, warn, error, off");
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
    std::printf("%s: valid, suite '%s', %zu tests\n", path.c_str(), s.name.c_str(), s.tests.size());
    return kExitOk;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitUsage;
  }
}

int runRunCommand(int argc, char** argv) {
  const po::options_description visible = runOptions();
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

  // ---- everything that can be wrong with the input is found before anything starts -------
  suite::Suite s;
  SuiteRunOptions opts;
  RunOptions& ro = opts.run;
  std::vector<std::unique_ptr<reports::Reporter>> reporters;
  try {
    log::configure("fabcheck", vm["log-level"].as<std::string>());
    if (!vm.count("suite")) throw ConfigError("no suite given; " + std::string(kRunUsage).substr(7, 40) + "...");
    s = suite::loadSuite(vm["suite"].as<std::string>(), list("site"));
    if (auto d = slo::validateSlos(s); !d.empty()) throw suite::SuiteError(d);

    ro.launcher = vm["launcher"].as<std::string>();
    for (const auto& kv : list("launcher-option")) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) throw ConfigError("--launcher-option '" + kv + "': expected KEY=VALUE");
      ro.launcher_options[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (vm.count("fabric")) {
      if (!vm["launcher"].defaulted() && ro.launcher != "emulated") {
        throw ConfigError("--fabric: an emulated fabric runs with --launcher emulated, not --launcher " + ro.launcher);
      }
      ro.launcher = "emulated";
      ro.launcher_options["fabric"] = vm["fabric"].as<std::string>();
    }
    launch::createLauncher(ro.launcher, ro.launcher_options);  // checks the name and options now
    if (vm.count("hosts")) {
      if (vm.count("agents")) throw ConfigError("--agents: give either --hosts FILE (slots per host) or --agents N");
      ro.hosts = launch::parseHostsFile(vm["hosts"].as<std::string>());
    } else {
      ro.agents = vm.count("agents") ? vm["agents"].as<int>() : s.agentsWanted();
      if (ro.agents < 1 || ro.agents > 4096) {
        throw ConfigError("--agents " + std::to_string(ro.agents) + ": expected 1 to 4096");
      }
      ro.hosts = launch::defaultHosts(ro.launcher, ro.launcher_options, ro.agents);  // slurm: the allocation
      if (ro.hosts.empty()) throw ConfigError("--hosts FILE is required with the " + ro.launcher + " launcher");
    }
    opts.only_tests = list("test");
    planSuite(s, ro.hosts, opts.only_tests);  // unknown --test names, too few agents: said now
    // Emulated: the fabric's management network (agents in namespaces cannot reach loopback).
    ro.controller_address = vm.count("controller-address") ? vm["controller-address"].as<std::string>()
                            : ro.launcher == "local"      ? std::string("127.0.0.1")
                            : ro.launcher == "emulated"   ? launch::emulatedControllerAddress(ro.launcher_options)
                                                          : hostName();
    if (vm.count("binary")) ro.binary = vm["binary"].as<std::string>();
    ro.controller.step_timeout_ns = model::parseDurationNs(vm["step-timeout"].as<std::string>(), "--step-timeout");
    ro.controller.register_timeout_ns = model::parseDurationNs(vm["register-timeout"].as<std::string>(), "--register-timeout");
    if (vm.count("max-rate")) {
      model::parseRate(vm["max-rate"].as<std::string>(), "--max-rate");
      ro.agent_args.insert(ro.agent_args.end(), {"--max-rate", vm["max-rate"].as<std::string>()});
    }
    if (vm.count("max-duration")) {
      model::parseDurationNs(vm["max-duration"].as<std::string>(), "--max-duration");
      ro.agent_args.insert(ro.agent_args.end(), {"--max-duration", vm["max-duration"].as<std::string>()});
    }
    ro.agent_args.insert(ro.agent_args.end(), {"--log-level", vm["log-level"].as<std::string>()});
    ro.stop_on_error = vm.count("stop-on-error") > 0;
    for (const auto& r : list("report")) reporters.push_back(reports::createReporter(r));
  } catch (const suite::SuiteError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitUsage;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "fabcheck run: %s\n", e.what());
    return kExitUsage;
  }

  // ---- the run (harness/runner/suite_run.h); the console follows it through the hooks ------
  ConsoleSummary summary(s.name);
  Progress progress(stderr, ::isatty(STDERR_FILENO) == 1);
  opts.hooks.on_message = [&](const std::string& m) { progress.message(m); };
  opts.hooks.on_ready = [&](const std::vector<model::AgentInfo>& a) {
    progress.message(std::to_string(a.size()) + " agents ready (" + ro.launcher + " launcher)");
  };
  opts.hooks.on_test_start = [&](size_t i, size_t total, const suite::SuiteTest& t, const model::TestSpec& spec) {
    progress.start(i, total, title(t, spec.agents.size()), expectedNs(t, spec.agents.size(), ro));
  };
  opts.hooks.on_test = [&](const json& record) { progress.finish(summary.add(record)); };
  ro.controller.start_delay_ns = 200'000'000;

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
