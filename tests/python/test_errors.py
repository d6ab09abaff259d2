"""C++ errors become fabcheck exceptions with the same messages, in one small hierarchy."""

import os
import subprocess

import pytest

import fabcheck
from fabcheck import _native

KINDS = ["ConfigError", "UnsupportedError", "TransportError", "TimeoutError", "LaunchError", "ProtocolError"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_cpp_error_type_maps_to_its_python_class_with_the_same_message(kind):
    msg = f"{kind.lower()} at host x, phase y: expected z"
    with pytest.raises(getattr(fabcheck, kind)) as e:
        _native._raise_for_test(kind, msg)
    assert str(e.value) == msg
    assert type(e.value).__name__ == kind
    assert isinstance(e.value, fabcheck.Error)


def test_the_base_error_and_builtin_timeout():
    with pytest.raises(fabcheck.Error) as e:
        _native._raise_for_test("Error", "plain")
    assert type(e.value) is fabcheck.Error and str(e.value) == "plain"
    assert issubclass(fabcheck.TimeoutError, TimeoutError)  # `except TimeoutError` catches it too


def test_suite_errors_carry_every_diagnostic():
    with pytest.raises(fabcheck.ConfigError) as e:
        _native._raise_for_test("SuiteError", "bad")
    assert e.value.diagnostics == ["a.yaml:1:2: bad", "a.yaml:3:4: bad"]
    assert str(e.value) == "a.yaml:1:2: bad\na.yaml:3:4: bad"


def test_a_bad_suite_file_is_a_config_error_with_the_message_of_fabcheck_validate(write):
    p = write("s.yaml", "name: x\ntests:\n  - name: a\n    pattern: stream\n    sise: 64\n")
    with pytest.raises(fabcheck.ConfigError) as e:
        fabcheck.load_suite(p)
    assert str(e.value) == f"{p}:5:5: unknown key 'sise' in tests[0]; did you mean 'size'?"
    cli = subprocess.run([fabcheck.find_binary(), "validate", str(p)], capture_output=True, text=True, timeout=60)
    assert cli.returncode == 2
    assert cli.stderr == str(e.value) + "\n"


def test_a_missing_suite_file_names_the_file():
    with pytest.raises(fabcheck.ConfigError, match="/nonexistent/s.yaml"):
        fabcheck.load_suite("/nonexistent/s.yaml")


def test_unknown_options_and_bad_values_are_config_errors():
    suite = fabcheck.make_test("p", "pingpong", iterations=10)
    with pytest.raises(fabcheck.ConfigError, match="option 'stop_on_eror': unknown"):
        fabcheck.run(suite, stop_on_eror=True)
    with pytest.raises(fabcheck.ConfigError, match="step_timeout"):
        fabcheck.run(suite, step_timeout="soon")
    with pytest.raises(fabcheck.ConfigError, match=r"^clock_step_bound '0s': must be longer than 0$"):
        fabcheck.run(suite, clock_step_bound="0s")
    with pytest.raises(fabcheck.ConfigError, match="'nope'"):
        fabcheck.run(suite, tests=["nope"])
    with pytest.raises(fabcheck.ConfigError, match="unknown launcher|launcher 'warp'"):
        fabcheck.run(suite, launcher="warp")


def test_run_options_are_checked_as_fabcheck_run_checks_them():
    # One options path (harness/runner/run_settings.h): the CLI's checks, named as Python spells them.
    suite = fabcheck.make_test("p", "pingpong", iterations=10)
    with pytest.raises(fabcheck.ConfigError, match=r"^agents=0: expected 1 to 4096$"):
        fabcheck.run(suite, agents=0)
    with pytest.raises(fabcheck.ConfigError, match=r"^log_level='loud': expected one of trace, debug, info, warn"):
        fabcheck.run(suite, log_level="loud")
    with pytest.raises(fabcheck.ConfigError, match=r"^agents=2: give either hosts \(slots per host\) or agents, not both$"):
        fabcheck.Cluster(hosts=["node01"])
    with pytest.raises(fabcheck.ConfigError, match=r"^hosts is required with the ssh launcher$"):
        fabcheck.run(suite, launcher="ssh")


def test_agents_that_never_register_are_a_timeout_error_with_the_result_attached(write, tmp_path):
    silent = write("silent-agent", "#!/bin/sh\nexec sleep 30\n", 0o755)
    suite = fabcheck.make_test("p", "pingpong", iterations=10)
    with pytest.raises(fabcheck.TimeoutError) as e:
        fabcheck.run(suite, agents=2, binary=str(silent), register_timeout="1s",
                     reports=[f"json:{tmp_path}/r.json"])
    assert "did not register within 1" in str(e.value)
    assert e.value.result.error == str(e.value)
    # The test that never started is listed, skipped (issue 19), not left out.
    assert [(t.name, t.verdict) for t in e.value.result.tests] == [("p", "skipped")]
    assert os.path.exists(tmp_path / "r.json")  # the report of what happened is still written


def test_agents_that_exit_at_start_are_a_transport_error_naming_the_agent(write):
    broken = write("broken-agent", "#!/bin/sh\necho 'no such device' >&2\nexit 3\n", 0o755)
    suite = fabcheck.make_test("p", "pingpong", iterations=10)
    with pytest.raises(fabcheck.TransportError) as e:
        fabcheck.run(suite, agents=2, binary=str(broken))
    assert "agents could not start" in str(e.value) and "exited with code 3" in str(e.value)
    assert "no such device" in str(e.value)


def test_a_missing_agent_binary_is_a_clear_launch_error(monkeypatch):
    monkeypatch.setenv("FABCHECK_BIN", "/nonexistent/fabcheck")
    with pytest.raises(fabcheck.LaunchError, match="FABCHECK_BIN='/nonexistent/fabcheck': not an executable"):
        fabcheck.run(fabcheck.make_test("p", "pingpong", iterations=10))
