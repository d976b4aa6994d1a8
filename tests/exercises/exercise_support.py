"""Helpers of the exercise tests: the example answers, checked once per test session (each
matrix run takes about a second), and the compiler the C++ tests need."""

import pytest

from vethlab.exercises import EXAMPLES, check_file
from vethlab.exercises.cpp import find_compiler

_REPORTS = {}


def report_of(name: str):
    """The report of the example answer ``name`` (e.g. "frame_address_answer.cpp"), once."""
    if name not in _REPORTS:
        if name.endswith(".cpp"):
            require_compiler()
        _REPORTS[name] = check_file(EXAMPLES / name)
    return _REPORTS[name]


def require_compiler() -> None:
    """Skip, saying why, when there is no C++ compiler (a failure under VETHLAB_REQUIRE_ALL)."""
    command, why = find_compiler()
    if command is None:
        pytest.skip(f"cannot check C++ answers: {why}")
