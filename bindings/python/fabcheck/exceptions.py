"""The exceptions fabcheck raises. Their messages are the C++ messages, unchanged: one line naming
the value, where it came from (file:line:col, option, host, phase) and what was expected.

    Error                 base of everything below
    ├── ConfigError       bad input: a suite value, an option (``diagnostics``: every problem found)
    ├── UnsupportedError  this host cannot do what was asked (no RDMA device...)
    ├── TransportError    a transport or control connection failed
    ├── TimeoutError      a wait ran out of time (also a builtin ``TimeoutError``)
    ├── LaunchError       agents could not be started
    └── ProtocolError     a peer sent something unacceptable
"""

import builtins
from typing import List


class Error(Exception):
    """Base of every fabcheck error."""


class ConfigError(Error):
    """Bad user input. ``diagnostics`` lists every problem of a suite, one "file:line:col: ..." each."""

    diagnostics: List[str]

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.diagnostics = [str(args[0])] if args else []


class UnsupportedError(Error):
    """The host cannot do what was asked; the message says why."""


class TransportError(Error):
    """A transport failed at set-up or tear-down."""


class TimeoutError(Error, builtins.TimeoutError):  # noqa: A001 - the C++ name, on purpose
    """A wait ran out of time; the message names what was awaited and for how long."""


class LaunchError(Error):
    """Agents could not be launched (ssh refused, binary missing, agent exited at start)."""


class ProtocolError(Error):
    """A control-channel peer sent something unacceptable."""


__all__ = ["Error", "ConfigError", "UnsupportedError", "TransportError", "TimeoutError", "LaunchError",
           "ProtocolError"]
