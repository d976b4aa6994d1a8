"""Shared pytest setup for tests/ (nbval's notebook items under notebooks/ do not see it).

- VETHLAB_REQUIRE_ALL=1 (set by .ci/run) turns every skip into a failure, so that a CI
  run without chromium, tshark or a TAP device cannot pass by skipping.
- HYPOTHESIS_PROFILE picks a Hypothesis profile: "dev" (default) or "ci" (derandomized,
  no deadline, prints a blob to reproduce a failure).
- Matplotlib draws off-screen (Agg) and every test starts without open figures.
"""

import os

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: tests never open a window

import matplotlib.pyplot as plt
import pytest
from hypothesis import settings

settings.register_profile("dev")
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def _require_all() -> bool:
    return os.environ.get("VETHLAB_REQUIRE_ALL", "") not in ("", "0")


def _skip_reason(report) -> str:
    """The reason pytest gives for a skip (its longrepr is (path, line, "Skipped: reason"))."""
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)


def _as_failure(report, what: str) -> None:
    report.outcome = "failed"
    report.longrepr = (
        f"{what}: VETHLAB_REQUIRE_ALL is set, so this skip is a failure: {_skip_reason(report)}"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under VETHLAB_REQUIRE_ALL, report a skipped test (in any phase) as failed."""
    outcome = yield
    report = outcome.get_result()
    # An xfail is reported as "skipped" too, but it is an expected failure, not a skip.
    if _require_all() and report.skipped and not hasattr(report, "wasxfail"):
        _as_failure(report, item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """Same for a whole module skipped at import (pytest.importorskip, allow_module_level)."""
    outcome = yield
    report = outcome.get_result()
    if _require_all() and report.skipped:
        _as_failure(report, collector.nodeid)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test left open."""
    yield
    plt.close("all")
