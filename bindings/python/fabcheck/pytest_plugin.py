"""The fabcheck pytest plugin: run traffic from pytest tests and assert on SLOs.

Enabled by the package's ``pytest11`` entry point once installed, or with
``pytest -p fabcheck.pytest_plugin``.

Options: --fabcheck-launcher (local), --fabcheck-hosts FILE, --fabcheck-agents N (local launcher,
default 2), --fabcheck-suite FILE (default suite of the marker), --fabcheck-report-dir DIR (the
session's fabcheck.json and fabcheck.html are written there).

Fixtures:
  fabcheck_cluster  session scope: the agents, launched once and reused by every test.
  fabcheck_runner   runs suites on the cluster: ``fabcheck_runner.run(suite, tests=None)``;
                    with no suite, the one of the ``fabcheck`` marker (or --fabcheck-suite).
                    Each result is attached to the pytest report (junitxml properties).
  fabcheck_result   the Result of the marked test's suite/test: ``@pytest.mark.fabcheck(suite=..., test=...)``.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Optional, Sequence

import pytest

import fabcheck
from fabcheck import _native
from fabcheck.results import Result

_KEY_METRICS = ("throughput_gbps", "loss_ratio", "latency_us.p50", "latency_us.p99", "collective.busbw_gbytes_s",
                "collective.jct_ratio")


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("fabcheck", "fabcheck fabric load tests")
    g.addoption("--fabcheck-launcher", default="local", help="how agents start: local, ssh, slurm, mpirun (default local)")
    g.addoption("--fabcheck-hosts", default=None, help="hosts file (one host per line, slots=N, labels)")
    g.addoption("--fabcheck-agents", type=int, default=None,
                help="agents on this host with the local launcher (default 2)")
    g.addoption("--fabcheck-suite", default=None, help="suite file used by @pytest.mark.fabcheck without suite=")
    g.addoption("--fabcheck-report-dir", default=None, help="write the session's fabcheck.json and fabcheck.html here")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fabcheck(suite=None, test=None): the fabcheck suite file (or dict) and "
                            "test(s) this test runs; the fabcheck_result fixture gives its Result")
    config.stash[_SESSION] = _Session()


class _Session:
    """Every run of the pytest session, for the session reports."""

    def __init__(self) -> None:
        self.runs: List[tuple] = []  # (pytest node id, Result)


_SESSION = pytest.StashKey[_Session]()


class Runner:
    """Runs suites on the session's cluster and attaches each result to the current test."""

    def __init__(self, cluster: fabcheck.Cluster, request: pytest.FixtureRequest) -> None:
        self.cluster = cluster
        self._request = request
        self.results: List[Result] = []

    @property
    def result(self) -> Optional[Result]:
        """The last result of this test, or None."""
        return self.results[-1] if self.results else None

    def run(self, suite: Any = None, tests: Optional[Sequence[str]] = None) -> Result:
        marker = self._request.node.get_closest_marker("fabcheck")
        if suite is None:
            suite = (marker.kwargs.get("suite") if marker else None) or self._request.config.getoption("fabcheck_suite")
            if suite is None:
                raise fabcheck.ConfigError("fabcheck_runner.run(): no suite given, no @pytest.mark.fabcheck(suite=...) "
                                           "and no --fabcheck-suite")
            if tests is None and marker and marker.kwargs.get("test"):
                t = marker.kwargs["test"]
                tests = [t] if isinstance(t, str) else list(t)
        if isinstance(suite, (str, os.PathLike)) and not os.path.isabs(suite):
            base = os.path.dirname(str(self._request.node.fspath))
            if os.path.exists(os.path.join(base, suite)):
                suite = os.path.join(base, suite)
        result = self.cluster.run(suite, tests=tests)
        self.results.append(result)
        _attach(self._request.node, result)
        self._request.config.stash[_SESSION].runs.append((self._request.node.nodeid, result))
        return result


def _attach(item: pytest.Item, result: Result) -> None:
    """junitxml properties: fabcheck.<test>.verdict, .slo (one per SLO), a few key metrics."""
    props = item.user_properties
    if result.error:
        props.append(("fabcheck.error", result.error))
    for t in result.tests:
        props.append((f"fabcheck.{t.name}.verdict", t.verdict))
        if t.error:
            props.append((f"fabcheck.{t.name}.error", t.error))
        for s in t.slos:
            props.append((f"fabcheck.{t.name}.slo", f"{s.expression}: {s.verdict} ({s.reason})"))
        for m in _KEY_METRICS:
            if m in t.metrics:
                unit = _native.metric_unit(m)  # the registry's unit, printed beside the figure
                props.append((f"fabcheck.{t.name}.{m}", f"{t.metrics[m]:g}" + (f" {unit}" if unit else "")))


@pytest.fixture(scope="session")
def fabcheck_cluster(request: pytest.FixtureRequest) -> Iterator[fabcheck.Cluster]:
    """The session's agents: launched on first use, reused by every test, stopped at the end."""
    c = request.config
    hosts = c.getoption("fabcheck_hosts")
    agents = c.getoption("fabcheck_agents")
    cluster = fabcheck.Cluster(launcher=c.getoption("fabcheck_launcher"), hosts=hosts,
                               agents=None if hosts else (agents or 2))
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def fabcheck_runner(fabcheck_cluster: fabcheck.Cluster, request: pytest.FixtureRequest) -> Runner:
    return Runner(fabcheck_cluster, request)


@pytest.fixture
def fabcheck_result(fabcheck_runner: Runner) -> Result:
    """The Result of the suite/test named by the test's @pytest.mark.fabcheck marker."""
    return fabcheck_runner.run()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if call.when != "call":
        return
    lines = [f"{k} = {v}" for k, v in item.user_properties if str(k).startswith("fabcheck.")]
    if lines:
        report.sections.append(("fabcheck", "\n".join(lines)))


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = session.config.getoption("fabcheck_report_dir", None)
    state = session.config.stash.get(_SESSION, None)
    if not out or state is None or not state.runs:
        return
    os.makedirs(out, exist_ok=True)
    context: Dict[str, Any] = dict(state.runs[0][1].context)
    context["suite"] = {"name": "pytest session", "description": f"{len(state.runs)} fabcheck runs from pytest",
                        "file": "", "site_files": []}
    records: List[Dict[str, Any]] = []
    counts = {"pass": 0, "fail": 0, "error": 0, "skipped": 0}
    agents: List[Dict[str, Any]] = []
    interrupted, errors = False, []
    for nodeid, r in state.runs:
        agents = agents or r.agents
        interrupted |= r.interrupted
        if r.error:
            errors.append(f"{nodeid}: {r.error}")
        for t in r.tests:
            rec = dict(t.record)
            rec["name"] = f"{nodeid}::{t.name}"
            records.append(rec)
            counts[t.verdict] = counts.get(t.verdict, 0) + 1
    last = state.runs[-1][1].end
    code = 3 if (errors or counts["error"] or interrupted) else 1 if counts["fail"] else 0
    end = {"finished_at": last.get("finished_at"),
           "duration_s": sum(r.end.get("duration_s", 0.0) for _, r in state.runs),
           "interrupted": interrupted, "stopped_on_error": False, "error": "; ".join(errors) or None,
           "counts": counts, "exit_code": code}
    for fmt, name in (("json", "fabcheck.json"), ("html", "fabcheck.html")):
        _native.write_report(f"{fmt}:{os.path.join(out, name)}", context, agents, records, end)
