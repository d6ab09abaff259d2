"""Shared fixtures of the Python tests. They import fabcheck from the build tree
(PYTHONPATH=<build>/python, set by ctest) and run agents with the build's fabcheck
(FABCHECK_BIN, also set by ctest; else the path compiled into the module)."""

import os
import pathlib

import pytest

import fabcheck

pytest_plugins = ["pytester"]

# Inner pytest sessions (pytester subprocesses) run elsewhere: give them this fabcheck by path.
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(fabcheck.__file__)))
os.environ["PYTHONPATH"] = os.pathsep.join([_PACKAGE_PARENT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])

# Small and quick: pingpong with SLOs every host meets, and one paced stream (intervals, flows)
# whose fairness SLO is skipped (one flow: nothing to compare).
SMALL_SUITE = """\
name: small
fabric: {line_rate_gbps: 10}
defaults: {duration: 200ms, warmup: 50ms}
tests:
  - name: ping
    pattern: pingpong
    iterations: 300
    size: 64
    slos: ["latency_us.p99 <= 1000000", "loss_ratio == 0"]
  - name: stream
    pattern: stream
    placement: pairs
    rate: 50Mbit/s
    slos: ["loss_ratio == 0", "jain_fairness >= 0.9"]
"""


@pytest.fixture
def small_suite_file(tmp_path: pathlib.Path) -> pathlib.Path:
    p = tmp_path / "small.yaml"
    p.write_text(SMALL_SUITE)
    return p


@pytest.fixture
def write(tmp_path: pathlib.Path):
    def w(name: str, text: str, mode: int = 0o644) -> pathlib.Path:
        p = tmp_path / name
        p.write_text(text)
        p.chmod(mode)
        return p

    return w
