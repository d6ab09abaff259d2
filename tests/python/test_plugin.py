"""The pytest plugin through pytester: SLO assertions, skips, the session cluster, junitxml
properties and the session reports. Each inner session runs in a subprocess (its own agents)."""

import json
import xml.etree.ElementTree as ET

SUITE = """\
name: plug
defaults: {duration: 200ms}
tests:
  - {name: ping, pattern: pingpong, iterations: 200, size: 64, slos: ["loss_ratio == 0"]}
  - {name: stream, pattern: stream, rate: 20Mbit/s}
"""


def run_inner(pytester, *args):
    return pytester.runpytest_subprocess("-p", "fabcheck.pytest_plugin", "-p", "no:cacheprovider", *args,
                                         timeout=240)


def test_passing_and_failing_slos_and_a_missing_metric(pytester):
    pytester.makefile(".yaml", plug=SUITE)
    pytester.makepyfile(test_fabric="""
        import pytest
        import fabcheck

        @pytest.mark.fabcheck(suite="plug.yaml", test="ping")
        def test_latency_ok(fabcheck_result):
            fabcheck.assert_slo(fabcheck_result, "latency_us.p99 <= 1000000")

        @pytest.mark.fabcheck(suite="plug.yaml", test="ping")
        def test_latency_too_strict(fabcheck_result):
            fabcheck.assert_slo(fabcheck_result, "latency_us.p50 <= 0.001")

        def test_fairness_needs_two_flows(fabcheck_runner):
            result = fabcheck_runner.run("plug.yaml", tests=["stream"])
            fabcheck.assert_slo(result, "jain_fairness >= 0.9")
    """)
    r = run_inner(pytester, "-rs", "-v")
    r.assert_outcomes(passed=1, failed=1, skipped=1)
    out = r.stdout.str()
    assert "AssertionError: test 'ping': SLO 'latency_us.p50 <= 0.001' failed: observed " in out
    assert "us vs threshold 0.001 us (latency_us.p50 = " in out  # both figures with their unit
    assert "metric 'jain_fairness' is not available in this test's results" in out  # the skip's reason


def test_the_session_cluster_is_launched_once_and_reused(pytester):
    pytester.makefile(".yaml", plug=SUITE)
    pytester.makepyfile(test_reuse="""
        import pytest
        pids = []

        @pytest.mark.parametrize("i", range(3))
        def test_run(fabcheck_runner, fabcheck_cluster, i):
            result = fabcheck_runner.run("plug.yaml", tests=["ping"])
            assert result.tests[0].verdict == "pass"
            pids.append(sorted(a["pid"] for a in result.agents))
            assert fabcheck_cluster.starts == 1

        def test_same_agents_every_time(fabcheck_cluster):
            assert len(pids) == 3 and pids[0] == pids[1] == pids[2], pids
            assert sorted(a["pid"] for a in fabcheck_cluster.agents) == pids[0]
            assert fabcheck_cluster.starts == 1
    """)
    run_inner(pytester, "-v").assert_outcomes(passed=4)


def test_results_show_in_junitxml_and_the_session_reports(pytester):
    pytester.makefile(".yaml", plug=SUITE)
    pytester.makepyfile(test_props="""
        import pytest

        @pytest.mark.fabcheck(suite="plug.yaml")
        def test_suite(fabcheck_result):
            assert fabcheck_result.verdict == "pass"
    """)
    xml = pytester.path / "junit.xml"
    reports = pytester.path / "reports"
    run_inner(pytester, f"--junitxml={xml}", f"--fabcheck-report-dir={reports}").assert_outcomes(passed=1)
    props = {p.get("name"): p.get("value") for p in ET.parse(xml).getroot().iter("property")}
    assert props["fabcheck.ping.verdict"] == "pass"
    assert props["fabcheck.ping.slo"].startswith("loss_ratio == 0: pass")
    assert props["fabcheck.stream.verdict"] == "pass"
    figure, unit = props["fabcheck.stream.throughput_gbps"].split(" ")
    assert float(figure) > 0 and unit == "Gbit/s"  # the figure with its unit from the registry
    j = json.loads((reports / "fabcheck.json").read_text())
    assert [t["name"] for t in j["tests"]] == ["test_props.py::test_suite::ping", "test_props.py::test_suite::stream"]
    assert j["end"]["counts"]["pass"] == 2
    assert "<html" in (reports / "fabcheck.html").read_text().lower()


def test_options_choose_the_suite_and_the_agents(pytester):
    pytester.makefile(".yaml", plug=SUITE)
    pytester.makepyfile(test_opts="""
        import pytest

        @pytest.mark.fabcheck(test="ping")
        def test_default_suite(fabcheck_result, fabcheck_cluster):
            assert fabcheck_result.tests[0].name == "ping"
            assert len(fabcheck_cluster.agents) == 3
    """)
    run_inner(pytester, f"--fabcheck-suite={pytester.path / 'plug.yaml'}", "--fabcheck-agents=3",
              "--fabcheck-launcher=local").assert_outcomes(passed=1)
