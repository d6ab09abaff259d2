"""Example: fabric tests in pytest. The agents start once per session (fabcheck_cluster)."""

import pytest

import fabcheck


@pytest.mark.fabcheck(suite="fabric.yaml", test="latency")
def test_latency(fabcheck_result):
    fabcheck.assert_slo(fabcheck_result, "latency_us.p99 <= 100000")
    assert fabcheck_result.tests[0].histograms["latency_us"].percentile(50) > 0


@pytest.mark.fabcheck(suite="fabric.yaml", test="elephant")
def test_elephant_flows_lose_nothing(fabcheck_result):
    fabcheck.assert_slo(fabcheck_result, "loss_ratio == 0")
    fabcheck.assert_slo(fabcheck_result, "jain_fairness >= 0.5")


def test_a_test_built_in_python(fabcheck_runner):
    suite = fabcheck.make_test("burst", "stream", rate="50Mbit/s", duration="200ms", size=1400)
    result = fabcheck_runner.run(suite)
    assert result.tests[0].verdict == "pass"
    assert result.tests[0].metrics["throughput_gbps"] > 0
