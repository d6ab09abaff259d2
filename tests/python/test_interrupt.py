"""Ctrl-C (SIGINT → KeyboardInterrupt) stops a run cleanly: the partial result comes with the
exception and the reports hold what finished."""

import json
import os
import signal
import threading
import time

import pytest

import fabcheck

SUITE = {
    "name": "long",
    "defaults": {"rate": "10Mbit/s"},
    "tests": [
        {"name": "one", "pattern": "stream", "duration": "200ms"},
        {"name": "two", "pattern": "stream", "duration": "10min"},
        {"name": "three", "pattern": "stream", "duration": "200ms"},
    ],
}


def test_keyboard_interrupt_mid_run_returns_what_finished_and_writes_the_reports(tmp_path):
    sent = threading.Event()
    started = {}

    def interrupt_when_two_runs():
        # The report is written as tests finish: once "one" is in it, "two" (10 minutes) is running.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if len(json.loads((tmp_path / "r.json").read_text()).get("tests", [])) >= 1:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        started["at"] = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)
        sent.set()

    t = threading.Thread(target=interrupt_when_two_runs, daemon=True)
    t.start()
    with pytest.raises(KeyboardInterrupt) as e:
        fabcheck.run(SUITE, agents=2, reports=[f"json:{tmp_path}/r.json"])
    stopped = time.monotonic()
    assert sent.is_set()
    # Stopped well within the 10 minutes of test "two" (bounded by the interrupt's ~100 ms
    # reaction plus tear-down; the bound is generous for a loaded machine).
    assert stopped - started["at"] < 60
    result = e.value.result
    assert isinstance(result, fabcheck.Result)
    assert result.interrupted
    assert [x.name for x in result.tests] == ["one", "two", "three"]
    assert result.tests[0].verdict == "pass"
    assert result.tests[1].verdict == "error" and result.tests[1].error.startswith("interrupted during ")
    assert result.tests[2].verdict == "skipped"  # never started: listed, not missing
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["end"]["interrupted"] is True
    assert [x["name"] for x in report["tests"]] == ["one", "two", "three"]
    assert report["tests"][2]["skipped_reason"] == "interrupted"
