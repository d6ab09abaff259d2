// Runs from Python: run() over runSuite() (harness/runner/suite_run.h), Cluster over
// AgentCluster (agents kept between runs), Result, report writing and SLO evaluation.
//
// Threads and signals: run() starts runSuite() on a worker thread and waits with the GIL
// released (other Python threads keep running). Every 100 ms it takes the GIL and runs
// Python's signal handlers (PyErr_CheckSignals, which only acts on the main thread); when one
// raises (Ctrl-C → KeyboardInterrupt) the run's interrupt flag is set, the worker ends the
// running test within ~100 ms, the reporters still get finish(), and the exception is raised
// again with the partial Result attached as its `result` attribute.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "bindings/python/src/convert.h"
#include "bindings/python/src/native_suite.h"
#include "generators/core/errors.h"
#include "harness/launch/hosts.h"
#include "harness/results/test_summary.h"
#include "harness/runner/agent_cluster.h"
#include "harness/runner/run_settings.h"
#include "harness/runner/suite_run.h"
#include "harness/slo/metric_registry.h"
#include "harness/slo/verdict.h"
#include "reports/reporter.h"

namespace fabcheck::python {
namespace py = pybind11;
using nlohmann::json;

std::string errorClass(const std::exception_ptr& p);  // errors.cpp

namespace {

// Python's run/cluster options (fabcheck/__init__.py checks the names) as RunSettings
// (harness/runner/run_settings.h: the defaults and checks `fabcheck run` has too). hosts: a str
// is a hosts file, a list holds hosts-file lines ("node01 slots=2 rack=a").
RunSettings runSettings(const py::dict& d) {
  RunSettings s;
  for (const auto& [key, field] : textSettings()) {
    if (d.contains(key) && !d[key].is_none()) s.*field = py::str(d[key]).cast<std::string>();
  }
  if (d.contains("agents") && !d["agents"].is_none()) s.agents = d["agents"].cast<int>();
  if (d.contains("stop_on_error")) s.stop_on_error = d["stop_on_error"].cast<bool>();
  if (d.contains("launcher_options") && !d["launcher_options"].is_none()) {
    for (auto kv : d["launcher_options"].cast<py::dict>()) {
      s.launcher_options[py::str(kv.first).cast<std::string>()] = py::str(kv.second).cast<std::string>();
    }
  }
  if (d.contains("hosts") && !d["hosts"].is_none()) {
    if (py::isinstance<py::str>(d["hosts"])) {
      s.hosts_file = d["hosts"].cast<std::string>();
    } else {
      for (auto h : d["hosts"]) s.host_lines.push_back(py::str(h).cast<std::string>());
    }
  }
  // This process is Python, not fabcheck: the agents' executable must be named.
  if (s.binary.empty()) throw ConfigError("binary: no fabcheck executable given for the agents");
  return s;
}

// Runs f on a worker thread, waiting with the GIL released and running Python's signal handlers
// every 100 ms; a handler that raises sets `interrupt`. Returns the pending Python error, if any.
template <class F>
std::optional<py::error_already_set> runInterruptible(F&& f, std::atomic<bool>& interrupt) {
  std::optional<py::error_already_set> signal_error;
  std::exception_ptr failure;
  {
    py::gil_scoped_release released;
    std::promise<void> done;
    std::future<void> finished = done.get_future();
    std::thread worker([&] {
      try {
        f();
      } catch (...) {
        failure = std::current_exception();
      }
      done.set_value();
    });
    while (finished.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      py::gil_scoped_acquire gil;
      if (!signal_error && PyErr_CheckSignals() != 0) {
        signal_error.emplace();  // fetches (and clears) the pending exception
        interrupt.store(true);
      }
    }
    worker.join();
  }
  if (failure) std::rethrow_exception(failure);  // a pending signal error is dropped: the failure explains more
  return signal_error;
}

struct Cluster {
  explicit Cluster(RunOptions ro) : cluster(std::move(ro)) {}
  AgentCluster cluster;
  std::mutex busy;  // one run at a time
  int starts = 0;
};

struct NativeResult {
  SuiteRunResult r;
  std::vector<std::string> report_specs;
};

json toJsonArray(const std::vector<json>& v) {
  json a = json::array();
  for (const auto& x : v) a.push_back(x);
  return a;
}

// Replays a run into a new reporter: begin, agents, every test, finish.
void writeReport(const std::string& spec, const json& context, const json& agents, const json& tests, const json& end) {
  auto r = reports::createReporter(spec);
  r->begin(context);
  r->agents(agents);
  for (const auto& t : tests) r->test(t);
  r->finish(end);
}

py::dict constantsDict(const std::map<std::string, double>& c) {
  py::dict d;
  for (const auto& [k, v] : c) d[py::str(k)] = v;
  return d;
}

}  // namespace

namespace {

// fabcheck._native.Cluster: agents launched once and kept across runs.
void bindCluster(py::module_& m) {
  py::class_<Cluster, std::shared_ptr<Cluster>>(m, "Cluster")
      .def(py::init([](const py::dict& options) {
             return std::make_shared<Cluster>(resolveRunOptions(runSettings(options), 2, OptionStyle::kPython));
           }),
           py::arg("options"))
      .def("start",
           [](Cluster& c) {
             std::unique_lock<std::mutex> lock;
             {
               py::gil_scoped_release released;  // a run holding the lock needs the GIL now and then
               lock = std::unique_lock<std::mutex>(c.busy);
             }
             std::atomic<bool> interrupt{false};
             if (auto err = runInterruptible([&] { c.cluster.start(&interrupt); }, interrupt)) throw *err;
             ++c.starts;
           })
      .def("stop",
           [](Cluster& c) {
             py::gil_scoped_release released;
             std::lock_guard<std::mutex> lock(c.busy);
             c.cluster.stop();
           })
      .def_property_readonly("running", [](const Cluster& c) { return c.cluster.running(); })
      .def_property_readonly("starts", [](const Cluster& c) { return c.starts; })
      .def_property_readonly("launcher", [](const Cluster& c) { return c.cluster.options().launcher; })
      .def_property_readonly("size", [](const Cluster& c) { return launch::totalSlots(c.cluster.hosts()); })
      .def_property_readonly("agents", [](const Cluster& c) {
        py::list l;
        for (const auto& a : c.cluster.agents()) l.append(toPython(results::agentJson(a)));
        return l;
      });
}

// fabcheck._native.Result: what one run returned, and its reports written again on demand.
void bindResult(py::module_& m) {
  py::class_<NativeResult, std::shared_ptr<NativeResult>>(m, "Result")
      .def_property_readonly("context", [](const NativeResult& n) { return toPython(n.r.context); })
      .def_property_readonly("agents", [](const NativeResult& n) { return toPython(n.r.agents); })
      .def_property_readonly("records", [](const NativeResult& n) { return toPython(toJsonArray(n.r.tests)); })
      .def_property_readonly("constants", [](const NativeResult& n) {
        py::list l;
        for (const auto& c : n.r.constants) l.append(constantsDict(c));
        return l;
      })
      .def_property_readonly("end", [](const NativeResult& n) { return toPython(n.r.end); })
      .def_property_readonly("interrupted", [](const NativeResult& n) { return n.r.interrupted; })
      .def_property_readonly("stopped_on_error", [](const NativeResult& n) { return n.r.stopped_on_error; })
      .def_property_readonly("error", [](const NativeResult& n) { return n.r.run_error; })
      .def_property_readonly("error_class", [](const NativeResult& n) { return errorClass(n.r.run_exception); })
      .def_property_readonly("exit_code", [](const NativeResult& n) { return n.r.exit_code; })
      .def_property_readonly("reports", [](const NativeResult& n) { return n.report_specs; })
      .def("write_report", [](const NativeResult& n, const std::string& spec) {
        writeReport(spec, n.r.context, n.r.agents, toJsonArray(n.r.tests), n.r.end);
      });
}

// Record helpers and SLOs outside a run: flatten_metrics, assert_slo's evaluation, metric_names.
void bindRecordHelpers(py::module_& m) {
  m.def(
      "flatten_metrics",
      [](const py::dict& record) {
        py::dict d;
        for (const auto& [k, v] : slo::flattenMetrics(fromPython(record, "record"))) d[py::str(k)] = v;
        return d;
      },
      py::arg("record"));

  m.def(
      "evaluate_slo",
      [](const std::string& expression, const py::dict& metrics, const py::dict& constants, const std::string& error) {
        std::map<std::string, double> mm, cc;
        for (auto kv : metrics) mm[py::str(kv.first).cast<std::string>()] = kv.second.cast<double>();
        for (auto kv : constants) cc[py::str(kv.first).cast<std::string>()] = kv.second.cast<double>();
        const slo::SloResult r = slo::evaluate(suite::Slo{expression, suite::SourcePos{"<assert_slo>", 0, 0}}, mm, cc, error);
        return toPython(sloJson(r));
      },
      py::arg("expression"), py::arg("metrics"), py::arg("constants"), py::arg("error") = "");

  m.def("metric_names", [] {
    py::list l;
    for (const auto& x : slo::metricRegistry()) l.append(x.name);
    return l;
  });

  // The registry's unit of a metric (also of a deprecated name): "GB/s", "us"; "" dimensionless.
  m.def(
      "metric_unit",
      [](const std::string& name) {
        const slo::MetricInfo* x = slo::findMetric(name);
        return x ? x->unit : std::string();
      },
      py::arg("name"));
}

}  // namespace

void bindRun(py::module_& m) {
  bindCluster(m);
  bindResult(m);
  m.def(
      "run",
      [](const std::shared_ptr<NativeSuite>& s, const py::dict& options, const std::vector<std::string>& tests,
         const std::vector<std::string>& reports, const std::shared_ptr<Cluster>& cluster) {
        // Every error in the input is found before anything starts (resolveSuiteRun, planSuite).
        SuiteRunOptions opts;
        if (cluster) {
          opts.only_tests = tests;
          planSuite(s->suite, cluster->cluster.hosts(), tests);
        } else {
          RunSettings settings = runSettings(options);
          settings.tests = tests;
          opts = resolveSuiteRun(settings, s->suite, OptionStyle::kPython);
        }
        std::vector<std::unique_ptr<reports::Reporter>> owned;
        std::vector<reports::Reporter*> sinks;
        for (const auto& spec : reports) {
          owned.push_back(reports::createReporter(spec));
          sinks.push_back(owned.back().get());
        }
        auto out = std::make_shared<NativeResult>();
        out->report_specs = reports;
        std::atomic<bool> interrupt{false};
        std::unique_lock<std::mutex> lock;
        if (cluster) {
          py::gil_scoped_release released;  // a run holding the lock needs the GIL now and then
          lock = std::unique_lock<std::mutex>(cluster->busy);
        }
        const bool was_running = cluster && cluster->cluster.running();
        auto err = runInterruptible(
            [&] { out->r = runSuite(s->suite, opts, sinks, &interrupt, cluster ? &cluster->cluster : nullptr); }, interrupt);
        if (cluster && !was_running && cluster->cluster.running()) ++cluster->starts;
        owned.clear();  // reporters flush and close their files
        if (err) {
          try {
            err->value().attr("result") = py::cast(out);
          } catch (const py::error_already_set&) {
          }
          throw *err;
        }
        return out;
      },
      py::arg("suite"), py::arg("options"), py::arg("tests") = std::vector<std::string>{},
      py::arg("reports") = std::vector<std::string>{}, py::arg("cluster") = nullptr);

  m.def(
      "write_report",
      [](const std::string& spec, const py::dict& context, const py::list& agents, const py::list& tests,
         const py::dict& end) {
        writeReport(spec, fromPython(context, "context"), fromPython(agents, "agents"), fromPython(tests, "tests"),
                    fromPython(end, "end"));
      },
      py::arg("spec"), py::arg("context"), py::arg("agents"), py::arg("tests"), py::arg("end"));

  bindRecordHelpers(m);
}

}  // namespace fabcheck::python
