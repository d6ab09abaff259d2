"""The everyday API end to end on the local launcher: load, run, results, reports."""

import json
import threading
import time

import pytest

import fabcheck


def test_a_loaded_suite_runs_and_gives_verdicts_slos_metrics_and_reports(small_suite_file, tmp_path):
    suite = fabcheck.load_suite(small_suite_file)
    assert suite.name == "small"
    assert [t["name"] for t in suite.tests] == ["ping", "stream"]

    result = fabcheck.run(suite, launcher="local", agents=2, reports=[f"json:{tmp_path}/live.json"])

    assert [t.name for t in result.tests] == ["ping", "stream"]
    ping, stream = result.tests
    assert ping.verdict == "pass", ping.record
    assert ping.error is None
    assert [s.verdict for s in ping.slos] == ["pass", "pass"]
    slo = ping.slos[0]
    assert slo.expression == "latency_us.p99 <= 1000000"
    assert slo.threshold == 1000000
    assert slo.observed == ping.metrics["latency_us.p99"]
    assert slo.where == f"{small_suite_file}:9:12"
    # Fairness needs two flows; this stream has one: skipped, never a pass.
    assert stream.slos[1].verdict == "skipped"
    assert "jain_fairness" in stream.slos[1].reason
    assert stream.verdict == "pass"
    assert result.exit_code == 0 and result.passed and result.verdict == "pass"
    assert len(result.agents) == 2

    # metrics: the flat map SLOs read
    assert ping.metrics["loss_ratio"] == 0
    assert stream.metrics["throughput_gbps"] > 0
    # histograms: percentile() agrees with the recorded quantiles
    h = ping.histograms["latency_us"]
    assert h.count == ping.record["metrics"]["latency_us"]["count"] > 0
    assert h.percentile(99) == ping.metrics["latency_us.p99"]
    assert h.percentile(0) == h.min <= h.percentile(50) <= h.percentile(95) <= h.percentile(99) <= h.max
    with pytest.raises(ValueError, match="percentile 101"):
        h.percentile(101)
    # ... computed from the raw buckets the record carries: every recorded quantile agrees, and
    # the buckets hold every sample
    assert ping.record["histograms"]["latency_ns"]["count"] == h.count
    for key, q in (("p50", 50), ("p90", 90), ("p999", 99.9), ("max", 100)):
        assert h.percentile(q) == pytest.approx(ping.record["metrics"]["latency_us"][key], abs=1e-9)
    assert sum(c for _, c in h.counts) == h.count
    assert [b for b, _ in h.counts] == sorted(b for b, _ in h.counts)
    # per-flow results and the interval series
    assert len(stream.flows) == 1
    assert all(f["lost_packets"] == 0 for f in stream.flows)
    series = stream.intervals
    assert series is not None and len(series) >= 1
    assert series.gbps.tolist() == [s["gbps"] for s in stream.record["metrics"]["intervals"]["samples"]]
    m = memoryview(series.gbps)
    assert m.format == "d" and m.readonly and m.shape == (len(series),)
    assert m.tolist() == series.gbps.tolist()

    # reports: the one written live, and any format afterwards
    live = json.loads((tmp_path / "live.json").read_text())
    assert [t["verdict"] for t in live["tests"]] == ["pass", "pass"]
    for fmt in ("json", "junit", "html"):
        result.write_report(fmt, str(tmp_path / f"after.{fmt}"))
    after = json.loads((tmp_path / "after.json").read_text())
    assert after["tests"] == live["tests"]
    assert "<testsuite" in (tmp_path / "after.junit").read_text()
    assert "<html" in (tmp_path / "after.html").read_text().lower()


def test_numpy_wraps_interval_series_without_copying(small_suite_file):
    np = pytest.importorskip("numpy", reason="python3-numpy is not installed; memoryview covers the buffer")
    stream = fabcheck.run(fabcheck.load_suite(small_suite_file), agents=2, tests=["stream"]).tests[0]
    a, b = np.asarray(stream.intervals.gbps), np.asarray(stream.intervals.gbps)
    assert np.shares_memory(a, b)
    assert a.tolist() == stream.intervals.gbps.tolist()


def test_one_test_of_a_suite_runs_alone(small_suite_file):
    result = fabcheck.run(str(small_suite_file), agents=2, tests=["stream"])
    assert [t.name for t in result.tests] == ["stream"]


def test_a_failed_slo_gives_fail_with_observed_and_threshold():
    suite = fabcheck.make_test("strict", "pingpong", iterations=200, size=64,
                               slos=["latency_us.p50 <= 0.001"])
    result = fabcheck.run(suite, agents=2)
    t = result.tests[0]
    assert t.verdict == "fail" and result.exit_code == 1
    s = t.slos[0]
    assert s.verdict == "fail" and s.threshold == 0.001 and s.observed > 0.001
    with pytest.raises(AssertionError, match=r"observed .* us vs threshold 0.001"):
        fabcheck.assert_slo(result, "latency_us.p50 <= 0.001")
    fabcheck.assert_slo(result, "latency_us.p50 <= 10000000")  # any expression, evaluated after the run


def test_suites_and_tests_build_from_dicts_and_keywords():
    d = {
        "name": "from-dict",
        "fabric": {"line_rate_gbps": 10},
        "defaults": {"duration": "200ms"},
        "tests": [
            {"name": "s", "pattern": "stream", "placement": "pairs", "rate": "20Mbit/s", "slos": ["loss_ratio == 0"]},
        ],
    }
    suite = fabcheck.make_suite(d)
    assert suite.name == "from-dict" and suite.file == "<dict>"
    assert "rate: 20Mbit/s" in suite.yaml
    result = fabcheck.run(d, agents=2)  # a dict is accepted directly too
    assert result.tests[0].verdict == "pass"
    kw = fabcheck.make_suite(name="kw", tests=[{"name": "p", "pattern": "pingpong", "iterations": 50}])
    assert [t["name"] for t in kw.tests] == ["p"]
    one = fabcheck.make_test("p", "pingpong", iterations=50, size=64)
    assert one.tests[0]["pattern"] == "pingpong"


def test_a_bad_dict_is_a_config_error_with_its_position():
    with pytest.raises(fabcheck.ConfigError) as e:
        fabcheck.make_test("p", "pingpong", sise=64)
    assert str(e.value).startswith("<dict>:")
    assert "unknown key 'sise'" in str(e.value) and "did you mean 'size'?" in str(e.value)
    assert e.value.diagnostics == [str(e.value)]


def test_the_gil_is_released_while_traffic_runs():
    ticks = []
    running = threading.Event()
    stop = threading.Event()

    def ticker():
        running.set()
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    suite = fabcheck.make_test("s", "stream", rate="10Mbit/s", duration="500ms")
    t = threading.Thread(target=ticker)
    t.start()
    assert running.wait(10)
    try:
        before = len(ticks)
        start = time.monotonic()
        result = fabcheck.run(suite, agents=2)
        end = time.monotonic()
    finally:
        stop.set()
        t.join(10)
    assert result.tests[0].verdict == "pass"
    during = [x for x in ticks[before:] if start < x < end]
    # The run took at least its 500 ms of traffic; a thread holding no GIL ticked during it.
    assert end - start >= 0.5
    assert len(during) >= 5, f"the other thread ticked {len(during)} times during a {end - start:.2f}s run"


def test_a_collective_reports_as_nccl_tests_with_per_size_and_per_rank_detail():
    suite = fabcheck.make_test("ar", "all_reduce", size="64KiB:256KiB:4", agents=4, iterations=3,
                               warmup_iterations=1, slos=["collective.busbw_gbytes_s > 0", "collective.straggler_links >= 0"])
    result = fabcheck.run(suite, agents=4)
    t = result.tests[0]
    assert t.verdict == "pass", (t.error, [s.reason for s in t.slos])
    assert t.pattern == "collective"
    assert t.metrics["collective.busbw_gbytes_s"] > 0 and t.metrics["collective.sizes"] == 2
    sizes = t.collective["sizes"]
    assert [s["size_bytes"] for s in sizes] == [64 * 1024, 256 * 1024]
    last = sizes[-1]
    assert abs(last["busbw_gbytes_s"] - last["algbw_gbytes_s"] * 2 * 3 / 4) < 1e-9  # all-reduce: 2(n-1)/n
    assert t.metrics["collective.busbw_gbytes_s"] == last["busbw_gbytes_s"]
    assert [r["rank"] for r in last["per_rank"]] == [0, 1, 2, 3]
    assert all(r["bytes_sent"] == 4 * 2 * 3 * (256 * 1024 // 4) for r in last["per_rank"])  # (iters+warm-up) x 2(n-1) x S/n


def test_a_deprecated_metric_name_warns_and_reads_the_renamed_metric():
    with pytest.warns(FutureWarning, match=r"<dict>:\d+:\d+: warning: slo 'collective.busbw_gbps > 0': metric "
                      r"'collective.busbw_gbps' is deprecated: use 'collective.busbw_gbytes_s' \(GB/s = 10\^9 bytes/s\)"):
        suite = fabcheck.make_test("ar", "all_reduce", agents=2, slos=["collective.busbw_gbps > 0"])
    assert fabcheck._native.metric_unit("collective.busbw_gbps") == "GB/s"
    assert fabcheck._native.metric_unit("throughput_gbps") == "Gbit/s"
    assert len(suite.warnings) == 1
