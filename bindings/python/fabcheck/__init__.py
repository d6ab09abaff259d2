"""fabcheck from Python: load or build a suite, run it on a cluster, assert on the results.

    import fabcheck
    suite = fabcheck.load_suite("suites/smoke.yaml")      # ConfigError with file:line:col
    result = fabcheck.run(suite, launcher="local", agents=2)
    for t in result.tests:
        print(t.name, t.verdict, t.metrics.get("latency_us.p99"))
    fabcheck.assert_slo(result, "loss_ratio == 0")
    result.write_report("html", "report.html")

The GIL is released while traffic runs; Ctrl-C stops a run cleanly: the KeyboardInterrupt
carries the partial Result as ``exc.result`` and the requested reports are still written.
See docs/python.md.
"""

from __future__ import annotations

import os
import shutil
import warnings
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from . import _native
from .exceptions import (ConfigError, Error, LaunchError, ProtocolError, TimeoutError, TransportError,
                         UnsupportedError)
from .results import Histogram, IntervalSeries, Result, SloOutcome, TestResult

Suite = _native.Suite

__all__ = ["load_suite", "parse_suite", "make_suite", "make_test", "run", "Cluster", "assert_slo", "find_binary",
           "Suite", "Result", "TestResult", "SloOutcome", "Histogram", "IntervalSeries", "Error", "ConfigError",
           "UnsupportedError", "TransportError", "TimeoutError", "LaunchError", "ProtocolError"]

# Options run() and Cluster() accept besides launcher/hosts/agents (docs/python.md).
_RUN_OPTIONS = ("binary", "controller_address", "step_timeout", "register_timeout", "clock_step_bound", "max_rate",
                "max_duration", "log_level", "stop_on_error", "launcher_options")

SuiteLike = Union["_native.Suite", Dict[str, Any], str, "os.PathLike[str]"]


def find_binary() -> str:
    """The fabcheck executable agents run: $FABCHECK_BIN, else one installed in the package
    (pip install), else the one of the build this module came from, else `fabcheck` on PATH."""
    env = os.environ.get("FABCHECK_BIN")
    if env:
        if not os.access(env, os.X_OK):
            raise LaunchError(f"FABCHECK_BIN={env!r}: not an executable file; expected the fabcheck binary")
        return env
    tried = []
    for candidate in (os.path.join(os.path.dirname(__file__), "bin", "fabcheck"), _native.BUILD_BINARY):
        if candidate:
            tried.append(candidate)
            if os.access(candidate, os.X_OK):
                return candidate
    on_path = shutil.which("fabcheck")
    if on_path:
        return on_path
    raise LaunchError("cannot find the fabcheck executable for the agents: set FABCHECK_BIN or pass binary=...; "
                      f"tried {', '.join(tried) or 'nothing'} and `fabcheck` on PATH")


def _warn(suite: Suite) -> Suite:
    """Each of the suite's warnings (an SLO on a deprecated metric name, docs/metrics.md "Naming")
    as a FutureWarning, shown by default, the same line `fabcheck validate` prints."""
    for w in suite.warnings:
        warnings.warn(w, FutureWarning, stacklevel=3)
    return suite


def load_suite(path: Union[str, "os.PathLike[str]"], sites: Optional[Sequence[str]] = None) -> Suite:
    """Loads and validates a suite file (and site files overriding its fabric/defaults). Raises
    ConfigError listing every problem, each "file:line:col: ..." (also in ``exc.diagnostics``)."""
    return _warn(_native.load_suite(os.fspath(path), [os.fspath(s) for s in (sites or [])]))


def parse_suite(text: str, file: str = "<string>") -> Suite:
    """A suite from YAML text; ``file`` names it in messages."""
    return _warn(_native.parse_suite(text, file))


def make_suite(suite: Optional[Dict[str, Any]] = None, **fields: Any) -> Suite:
    """A suite from a dict and/or keyword arguments, with the keys of a suite file
    (name, fabric, defaults, tests: [...]; docs/suites.md). Validated like a file; messages name
    "<dict>:line:col" in the YAML the dict becomes (``suite.yaml``)."""
    d = dict(suite or {})
    d.update(fields)
    d.setdefault("name", "python")
    return _warn(_native.suite_from_dict(d, "<dict>"))


def make_test(name: str, pattern: str, *, fabric: Optional[Dict[str, Any]] = None, **params: Any) -> Suite:
    """A suite of one test: ``make_test("ping", "pingpong", iterations=500, slos=["loss_ratio == 0"])``.
    Keyword arguments are the test's keys in a suite file."""
    test = {"name": name, "pattern": pattern}
    test.update(params)
    d: Dict[str, Any] = {"name": name, "tests": [test]}
    if fabric:
        d["fabric"] = fabric
    return _warn(_native.suite_from_dict(d, "<dict>"))


def _as_suite(suite: SuiteLike) -> Suite:
    if isinstance(suite, _native.Suite):
        return suite
    if isinstance(suite, dict):
        return make_suite(suite)
    if isinstance(suite, (str, os.PathLike)):
        return load_suite(suite)
    raise ConfigError(f"suite {suite!r}: expected a fabcheck.Suite, a dict or a suite file path")


def _options(launcher: str, hosts: Union[None, str, Iterable[str]], agents: Optional[int],
             options: Dict[str, Any]) -> Dict[str, Any]:
    unknown = sorted(set(options) - set(_RUN_OPTIONS))
    if unknown:
        raise ConfigError(f"option {unknown[0]!r}: unknown; expected one of {', '.join(_RUN_OPTIONS)}")
    o: Dict[str, Any] = dict(options)
    o["launcher"] = launcher
    if hosts is not None:
        o["hosts"] = os.fspath(hosts) if isinstance(hosts, (str, os.PathLike)) else [str(h) for h in hosts]
    o["agents"] = agents
    if not o.get("binary"):
        o["binary"] = find_binary()
    return o


class Cluster:
    """Agents launched once and reused by several runs (the pytest fixture ``fabcheck_cluster``).
    ``run(suite)`` runs on these agents; ``close()`` (or the with-block's end) stops them.
    ``starts`` counts how often agents were launched (1 after any number of runs)."""

    def __init__(self, launcher: str = "local", hosts: Union[None, str, Iterable[str]] = None,
                 agents: Optional[int] = 2, **options: Any) -> None:
        self._native = _native.Cluster(_options(launcher, hosts, agents, options))

    def start(self) -> "Cluster":
        if not self._native.running:
            self._native.start()
        return self

    def close(self) -> None:
        self._native.stop()

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return bool(self._native.running)

    @property
    def starts(self) -> int:
        return int(self._native.starts)

    @property
    def agents(self) -> List[Dict[str, Any]]:
        return list(self._native.agents)

    @property
    def size(self) -> int:
        return int(self._native.size)

    def run(self, suite: SuiteLike, tests: Optional[Sequence[str]] = None,
            reports: Optional[Sequence[str]] = None) -> Result:
        return _run(_as_suite(suite), {}, tests, reports, self._native)


def _run(suite: Suite, options: Dict[str, Any], tests: Optional[Sequence[str]], reports: Optional[Sequence[str]],
         cluster: Any) -> Result:
    try:
        native = _native.run(suite, options, list(tests or []), list(reports or []), cluster)
    except KeyboardInterrupt as e:
        partial = getattr(e, "result", None)
        if partial is not None and not isinstance(partial, Result):
            e.result = Result(partial)  # type: ignore[attr-defined]
        raise
    result = Result(native)
    if native.error_class:  # the run itself failed (agents never came...): its typed error, with the result
        from . import exceptions
        exc = getattr(exceptions, native.error_class, Error)(native.error)
        exc.result = result  # type: ignore[attr-defined]
        raise exc
    return result


def run(suite: SuiteLike, launcher: str = "local", hosts: Union[None, str, Iterable[str]] = None,
        agents: Optional[int] = None, tests: Optional[Sequence[str]] = None,
        reports: Optional[Sequence[str]] = None, cluster: Optional[Cluster] = None, **options: Any) -> Result:
    """Runs a suite (or only ``tests`` of it) and returns its Result.

    A test that fails or errors is in the Result (its verdict); when the run itself fails (agents
    cannot be launched or never register) the typed error (LaunchError, TimeoutError,
    TransportError...) is raised with the partial Result as ``exc.result``; the reports are
    written either way.

    launcher: "local", "ssh", "slurm" or "mpirun"; hosts: a hosts file path or hosts-file lines
    ("node01 slots=2 rack=a"); agents: local launcher agent count (default: what the suite needs).
    reports: "FORMAT:PATH" specs written as the run goes (also after an interrupt).
    cluster: run on an already running Cluster's agents instead of launching new ones.
    options: binary, controller_address, step_timeout ("30s"), register_timeout, clock_step_bound
    ("1ms"), max_rate, max_duration, log_level, stop_on_error, launcher_options (dict).
    """
    s = _as_suite(suite)
    if cluster is not None:
        return _run(s, {}, tests, reports, cluster._native)
    return _run(s, _options(launcher, hosts, agents, options), tests, reports, None)


def assert_slo(result: Union[Result, TestResult], expression: str, test: Optional[str] = None) -> None:
    """Asserts an SLO expression ("latency_us.p99 <= 25") on a result: on every test of a Result
    (or the one named ``test``), or on one TestResult. A failed SLO raises AssertionError with the
    observed value and the threshold; a metric this fabric or pattern does not produce skips the
    pytest test with the reason (pytest.skip) — a missing metric is never a pass; a test that did
    not complete raises AssertionError with its error; a bad expression raises ConfigError."""
    if isinstance(result, Result):
        targets = [result.test(test)] if test is not None else list(result.tests)
        if not targets:
            raise AssertionError(f"{expression}: the run has no test results"
                                 + (f" (run error: {result.error})" if result.error else ""))
    else:
        targets = [result]
    skipped = []
    for t in targets:
        o = t.slo(expression)
        if o.verdict == "pass":
            continue
        if o.verdict == "fail":
            raise AssertionError(f"test {t.name!r}: SLO {expression!r} failed: observed {o.observed:g}"
                                 f"{(' ' + o.unit) if o.unit else ''} vs threshold {o.threshold:g}{(' ' + o.unit) if o.unit else ''} ({o.reason})")
        if o.verdict == "skipped":
            skipped.append(f"test {t.name!r}: {o.reason}")
            continue
        if t.error:
            raise AssertionError(f"test {t.name!r} did not complete: {t.error}")
        raise ConfigError(o.reason)
    if skipped and len(skipped) == len(targets):
        _skip(f"SLO {expression!r} not checked: " + "; ".join(skipped))


def _skip(reason: str) -> None:
    try:
        import pytest
    except ImportError:  # outside pytest: the host or fabric cannot check it
        raise UnsupportedError(reason) from None
    pytest.skip(reason)
