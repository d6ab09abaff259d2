"""Results of a run as Python objects: Result → TestResult → SloOutcome, Histogram, IntervalSeries.

Every object keeps the JSON record it came from (``record``): the same data the JSON report holds
(docs/results.md), so nothing is lost by using the objects.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

from . import _native

_QUANTILES = (("min", 0.0), ("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p999", 99.9), ("p9999", 99.99),
              ("max", 100.0))


@dataclass(frozen=True)
class SloOutcome:
    """One SLO of a test: ``verdict`` is "pass", "fail", "error" or "skipped"; ``observed`` is
    None unless it passed or failed; ``reason`` is one line for people."""

    expression: str
    verdict: str
    observed: Optional[float]
    threshold: float
    reason: str
    metric: str
    unit: str
    where: str

    @staticmethod
    def from_json(j: Dict[str, Any]) -> "SloOutcome":
        return SloOutcome(expression=j.get("expression", ""), verdict=j.get("verdict", "error"),
                          observed=j.get("observed"), threshold=j.get("threshold", 0.0), reason=j.get("reason", ""),
                          metric=j.get("metric", ""), unit=j.get("unit", ""), where=j.get("where", ""))

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"


class Histogram:
    """A latency distribution (microseconds). With the test's raw histogram (the record's
    ``histograms``: every bucket, lossless) ``percentile(q)`` is the C++ histogram's own answer
    (``_native.RawHistogram``: nearest rank, within 10^-3 relative) for any q, and ``counts``
    lists ``(upper_bound_us, count)`` per non-empty bucket. Without it (a summary only),
    ``percentile(q)`` is exact at the recorded quantiles (0, 50, 90, 99, 99.9, 99.99, 100) and
    interpolated linearly between them, and ``counts`` is empty."""

    def __init__(self, name: str, summary: Dict[str, Any], raw: Optional[Dict[str, Any]] = None) -> None:
        self.name = name
        self.summary = dict(summary)
        self.count: int = int(summary.get("count", 0))
        self.min: float = float(summary.get("min", 0.0))
        self.max: float = float(summary.get("max", 0.0))
        self.mean: float = float(summary.get("mean", 0.0))
        self.stddev: float = float(summary.get("stddev", 0.0))
        points = [(q, float(summary[k])) for k, q in _QUANTILES if isinstance(summary.get(k), (int, float))]
        self._qs = [q for q, _ in points]
        self._vs = [v for _, v in points]
        self._raw: Optional[Any] = None  # _native.RawHistogram, in ns
        if raw and isinstance(raw.get("buckets"), list) and int(raw.get("count", 0)) == self.count:
            self._raw = _native.RawHistogram(raw)

    @property
    def counts(self) -> List[Tuple[float, int]]:
        """(largest value the bucket holds in µs, samples) per non-empty bucket, ascending."""
        return [(upper / 1000.0, c) for upper, c in self._raw.buckets()] if self._raw is not None else []

    def percentile(self, q: float) -> float:
        """The value at percentile q (0..100)."""
        if not 0.0 <= q <= 100.0 or math.isnan(q):
            raise ValueError(f"percentile {q!r}: expected 0 to 100")
        if self.count == 0 or (not self._qs and self._raw is None):
            raise ValueError(f"histogram {self.name} is empty: no samples")
        if self._raw is not None:
            return self._raw.percentile(q) / 1000.0
        i = bisect.bisect_left(self._qs, q)
        if i < len(self._qs) and self._qs[i] == q:
            return self._vs[i]
        if i == 0:
            return self._vs[0]
        if i == len(self._qs):
            return self._vs[-1]
        q0, q1, v0, v1 = self._qs[i - 1], self._qs[i], self._vs[i - 1], self._vs[i]
        return v0 + (v1 - v0) * (q - q0) / (q1 - q0)

    def __repr__(self) -> str:
        return f"Histogram({self.name}, count={self.count}, p50={self.summary.get('p50')}, p99={self.summary.get('p99')})"


class IntervalSeries:
    """Receivers' throughput over time, summed over flows. Each column is a ``DoubleArray``: a
    float64 buffer (``numpy.asarray(series.gbps)`` wraps it without copying; ``memoryview`` too);
    ``tolist()`` gives a list."""

    def __init__(self, j: Dict[str, Any]) -> None:
        samples = j.get("samples", [])
        self.interval_s: float = j.get("interval_ns", 0) / 1e9
        self.truncated: bool = bool(j.get("truncated", False))
        self.start_s = _native.DoubleArray([float(s.get("start_s", 0.0)) for s in samples])
        self.duration_s = _native.DoubleArray([float(s.get("duration_s", 0.0)) for s in samples])
        self.gbps = _native.DoubleArray([float(s.get("gbps", 0.0)) for s in samples])
        self.mpps = _native.DoubleArray([float(s.get("mpps", 0.0)) for s in samples])
        self.bytes = _native.DoubleArray([float(s.get("bytes", 0)) for s in samples])
        self.packets = _native.DoubleArray([float(s.get("packets", 0)) for s in samples])

    def __len__(self) -> int:
        return len(self.gbps)


class TestResult:
    """One test of a run. ``verdict``: "pass", "fail", "error" or "skipped". ``metrics``: the flat
    metric map SLOs read ("latency_us.p99", "throughput_gbps"...). ``flows``: the per-flow
    objects. ``error``: None, or the infrastructure error that stopped the test."""

    __test__ = False  # not a pytest test class

    def __init__(self, record: Dict[str, Any], constants: Optional[Dict[str, float]] = None) -> None:
        self.record = record
        self.constants: Dict[str, float] = dict(constants or {})
        self.name: str = record.get("name", "")
        self.verdict: str = record.get("verdict", "error")
        self.error: Optional[str] = record.get("error")
        self.pattern: str = record.get("pattern", "")
        self.placement: str = record.get("placement", "")
        self.participants: List[int] = list(record.get("participants", []))
        self.slos: List[SloOutcome] = [SloOutcome.from_json(s) for s in record.get("slos", [])]
        self.metrics: Dict[str, float] = _native.flatten_metrics(record)
        raw = record.get("metrics", {}) or {}
        self.flows: List[Dict[str, Any]] = list(raw.get("per_flow", []))
        buckets = record.get("histograms", {}) or {}  # raw, by "<family>_ns"
        self.histograms: Dict[str, Histogram] = {
            k: Histogram(k, v, buckets.get(k[:-3] + "_ns") if k.endswith("_us") else None)
            for k, v in raw.items() if isinstance(v, dict) and "count" in v and "p50" in v}
        self.intervals: Optional[IntervalSeries] = IntervalSeries(raw["intervals"]) if "intervals" in raw else None
        # A collective test: per size (nccl-tests' time/algbw/busbw), per rank, per link, and the
        # named straggler (docs/results.md); None for other patterns.
        self.collective: Optional[Dict[str, Any]] = record.get("collective")

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def slo(self, expression: str) -> SloOutcome:
        """The outcome of an SLO expression against this test's metrics (the suite's own SLOs keep
        their result; any other expression is evaluated now)."""
        for s in self.slos:
            if s.expression == expression:
                return s
        return SloOutcome.from_json(_native.evaluate_slo(expression, self.metrics, self.constants, self.error or ""))

    def __repr__(self) -> str:
        return f"TestResult({self.name!r}, verdict={self.verdict!r})"


class Result:
    """A run: its tests in run order, the agents, and how it ended. ``interrupted`` is True when
    Ctrl-C (or an interrupt) ended it; ``error`` holds a run-level failure (agents that never
    came). ``exit_code`` is what ``fabcheck run`` would exit with (0 pass, 1 SLO failed, 2 config
    error, 3 infrastructure error)."""

    def __init__(self, native: Any) -> None:
        self._native = native
        self.tests: List[TestResult] = [TestResult(r, c) for r, c in zip(native.records, native.constants)]
        self.context: Dict[str, Any] = native.context
        self.agents: List[Dict[str, Any]] = native.agents
        self.end: Dict[str, Any] = native.end
        self.interrupted: bool = native.interrupted
        self.error: Optional[str] = native.error or None
        self.exit_code: int = native.exit_code

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and bool(self.tests)

    @property
    def verdict(self) -> str:
        """The worst verdict of the tests: error > fail > pass > skipped ("error" when none ran)."""
        if self.error or not self.tests:
            return "error"
        vs = {t.verdict for t in self.tests}
        for v in ("error", "fail", "pass"):
            if v in vs:
                return v
        return "skipped"

    def test(self, name: str) -> TestResult:
        for t in self.tests:
            if t.name == name:
                return t
        raise KeyError(f"test {name!r}: not in this result; it has {[t.name for t in self.tests]}")

    def __iter__(self) -> Iterator[TestResult]:
        return iter(self.tests)

    def __len__(self) -> int:
        return len(self.tests)

    def write_report(self, format: str, path: str) -> None:  # noqa: A002 - the natural name
        """Writes this run as a report: format "json", "junit" or "html" (reports/)."""
        _native.Result.write_report(self._native, f"{format}:{path}")

    def __repr__(self) -> str:
        return f"Result({len(self.tests)} tests, verdict={self.verdict!r}, interrupted={self.interrupted})"
