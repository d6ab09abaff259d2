// `fabcheck run SUITE` and `fabcheck validate SUITE`: thin layers over the suite loader, the
// Runner, the SLO layer and the reporters.
#include "harness/cli/run_command.h"

#include <unistd.h>

#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "generators/core/clock.h"
#include "generators/core/errors.h"
#include "generators/core/host_info.h"
#include "generators/core/log.h"
#include "generators/core/version.h"
#include "harness/cli/cli.h"
#include "harness/cli/console_summary.h"
#include "harness/cli/progress.h"
#include "harness/cli/signals.h"
#include "harness/launch/launcher.h"
#include "harness/plan/participants.h"
#include "harness/results/test_summary.h"
#include "harness/runner/runner.h"
#include "harness/slo/metric_registry.h"
#include "harness/slo/verdict.h"
#include "harness/suite/suite_loader.h"
#include "harness/suite/units.h"
#include "reports/reporter.h"

namespace fabcheck::cli {
namespace {

namespace po = boost::program_options;
using nlohmann::json;

constexpr const char* kRunUsage =
    "usage: fabcheck run SUITE [--launcher local|ssh|slurm|mpirun] [--hosts FILE] [--agents N]\n"
    "                          [--site FILE]... [--report FORMAT:PATH]... [--launcher-option KEY=VALUE]...\n"
    "                          [--test NAME]... [--stop-on-error] [--controller-address ADDR]\n"
    "exit codes: 0 every SLO passed, 1 an SLO failed, 2 usage or suite error, 3 infrastructure error\n";

std::string isoTime(int64_t wall_ns) {
  const std::time_t t = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// What a suite run needs besides the suite: parsed options.
struct RunArgs {
  std::string suite;
  std::vector<std::string> sites, reports, only_tests;
  RunOptions run;
  std::string hosts_file;
  bool agents_given = false;
};

po::options_description runOptions() {
  po::options_description o("options");
  o.add_options()
      ("help,h", "print this help")
      ("launcher", po::value<std::string>()->default_value("local"), "how agents start: local, ssh, slurm, mpirun")
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
  const int64_t rounds = t.spec.placement == plan::Placement::kMatrix
                             ? static_cast<int64_t>(agents % 2 == 0 ? agents - 1 : agents)
                             : 1;
  return rounds * (p.warmup_ns + p.duration_ns + o.controller.start_delay_ns);
}

std::string title(const suite::SuiteTest& t, size_t agents) {
  return t.spec.name + " (" + std::string(patterns::toString(t.spec.params.kind)) + ", " +
         std::string(plan::toString(t.spec.placement)) + ", " + std::to_string(agents) + " agents)";
}

json sloJson(const slo::SloResult& r) {
  return json{{"expression", r.expression},
              {"verdict", slo::toString(r.verdict)},
              {"metric", r.metric},
              {"unit", r.unit},
              {"observed", r.observed ? json(*r.observed) : json(nullptr)},
              {"threshold", r.threshold},
              {"reason", r.reason},
              {"where", r.pos.str()}};
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
  RunOptions ro;
  std::vector<controller::TestSpec> specs;
  std::vector<const suite::SuiteTest*> tests;
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
    const std::vector<launch::HostEntry>& hosts = ro.hosts;

    std::vector<std::string> only = list("test");
    for (const auto& name : only) {
      bool found = false;
      for (const auto& t : s.tests) found |= t.spec.name == name;
      if (!found) throw ConfigError("--test '" + name + "': the suite has no test of that name");
    }
    const auto agents_of = plan::resolveSuite(s, hosts);  // a test needing more agents than given says so now
    for (size_t i = 0; i < s.tests.size(); ++i) {
      if (!only.empty() && std::find(only.begin(), only.end(), s.tests[i].spec.name) == only.end()) continue;
      controller::TestSpec spec = s.tests[i].spec;
      spec.agents = agents_of[i];
      specs.push_back(spec);
      tests.push_back(&s.tests[i]);
    }
    ro.controller_address = vm.count("controller-address") ? vm["controller-address"].as<std::string>()
                            : ro.launcher == "local"      ? std::string("127.0.0.1")
                                                          : hostName();
    if (vm.count("binary")) ro.binary = vm["binary"].as<std::string>();
    ro.controller.step_timeout_ns = suite::parseDurationNs(vm["step-timeout"].as<std::string>(), "--step-timeout");
    ro.controller.register_timeout_ns = suite::parseDurationNs(vm["register-timeout"].as<std::string>(), "--register-timeout");
    if (vm.count("max-rate")) {
      suite::parseRate(vm["max-rate"].as<std::string>(), "--max-rate");
      ro.agent_args.insert(ro.agent_args.end(), {"--max-rate", vm["max-rate"].as<std::string>()});
    }
    if (vm.count("max-duration")) {
      suite::parseDurationNs(vm["max-duration"].as<std::string>(), "--max-duration");
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

  // ---- the run ----------------------------------------------------------------------------
  const int64_t started_wall = wallNowNs(), started_mono = monoNowNs();
  json context = {{"schema_version", 1},
                  {"fabcheck_version", kVersion},
                  {"suite", {{"name", s.name}, {"description", s.description}, {"file", s.file}, {"site_files", s.site_files}}},
                  {"fabric", {{"transport", s.fabric.transport}, {"dscp", s.fabric.dscp}, {"ecn", s.fabric.ecn},
                              {"line_rate_gbps", s.fabric.line_rate_gbps > 0 ? json(s.fabric.line_rate_gbps) : json(nullptr)},
                              {"mtu", s.fabric.mtu > 0 ? json(s.fabric.mtu) : json(nullptr)}}},
                  {"launcher", ro.launcher},
                  {"controller_host", hostName()},
                  {"started_at", isoTime(started_wall)}};
  ConsoleSummary summary(s.name);
  Progress progress(stderr, ::isatty(STDERR_FILENO) == 1);
  auto forEachReporter = [&](auto f) {
    for (auto& r : reporters) {
      try {
        f(*r);
      } catch (const std::exception& e) {
        progress.message(std::string("fabcheck run: ") + e.what());
      }
    }
  };
  forEachReporter([&](reports::Reporter& r) { r.begin(context); });

  std::vector<controller::AgentInfo> agents;
  ro.on_ready = [&](const std::vector<controller::AgentInfo>& a) {
    agents = a;
    json j = json::array();
    for (const auto& x : a) j.push_back(results::agentJson(x));
    forEachReporter([&](reports::Reporter& r) { r.agents(j); });
    progress.message(std::to_string(a.size()) + " agents ready (" + ro.launcher + " launcher)");
  };
  ro.on_test_start = [&](size_t i, const controller::TestSpec& spec) {
    progress.start(i, specs.size(), title(*tests[i], spec.agents.size()), expectedNs(*tests[i], spec.agents.size(), ro));
  };
  size_t done = 0;
  bool any_fail = false, any_error = false;
  auto on_test = [&](const controller::TestOutcome& outcome) {
    const suite::SuiteTest& t = *tests[done++];
    json record = results::summarizeTest(outcome, agents);
    const auto metrics = slo::flattenMetrics(record);
    const auto constants = slo::constantsFor(s, t);
    std::vector<slo::SloResult> slos;
    for (const auto& x : t.slos) slos.push_back(slo::evaluate(x, metrics, constants, outcome.error));
    const slo::Verdict v = slo::testVerdict(slos, outcome.error);
    any_fail |= v == slo::Verdict::kFail;
    any_error |= v == slo::Verdict::kError;
    record["verdict"] = slo::toString(v);
    record["slos"] = json::array();
    for (const auto& r : slos) record["slos"].push_back(sloJson(r));
    if (!t.description.empty()) record["description"] = t.description;
    forEachReporter([&](reports::Reporter& r) { r.test(record); });
    progress.finish(summary.add(record));
  };

  int code = kExitOk;
  std::string run_error;
  bool interrupted = false, stopped_on_error = false;
  ro.controller.start_delay_ns = 200'000'000;
  try {
    Runner runner(ro);
    RunResult r = runner.run(specs, &installInterruptHandlers(), on_test);
    interrupted = r.interrupted;
    stopped_on_error = r.stopped_on_error;
    if (stopped_on_error) progress.message("fabcheck run: stopped after the first test with an error (--stop-on-error)");
    if (r.interrupted) progress.message("fabcheck run: interrupted; the reports hold the tests that finished");
  } catch (const ConfigError& e) {
    run_error = e.what();
    code = kExitUsage;
  } catch (const std::exception& e) {
    run_error = e.what();
    code = kExitInfrastructure;
  }
  if (!run_error.empty()) progress.message("fabcheck run: " + run_error);
  if (code == kExitOk) code = any_error ? kExitInfrastructure : any_fail ? kExitRuntime : kExitOk;
  if (interrupted && code == kExitOk) code = kExitInfrastructure;

  json end = {{"finished_at", isoTime(wallNowNs())},
              {"duration_s", static_cast<double>(monoNowNs() - started_mono) / 1e9},
              {"interrupted", interrupted},
              {"stopped_on_error", stopped_on_error},
              {"error", run_error.empty() ? json(nullptr) : json(run_error)},
              {"counts", summary.counts()},
              {"exit_code", code}};
  forEachReporter([&](reports::Reporter& r) { r.finish(end); });
  std::fputs(summary.table().c_str(), stdout);
  for (const auto& r : reporters) std::printf("report %s\n", r->describe().c_str());
  std::fflush(stdout);
  return code;
}

}  // namespace fabcheck::cli
