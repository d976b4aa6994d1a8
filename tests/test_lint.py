"""The code passes ruff, configured in pyproject.toml: the lint rules and the formatter."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# What ruff looks at: the library, its tests and tools, and the notebook sources.
PATHS = ["vethlab", "tests", "tools", "notebooks/src"]


def ruff(*args):
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *PATHS],
        cwd=REPO,
        capture_output=True,
        text=True,
    )


def test_ruff_check_finds_nothing():
    """`ruff check` reports no finding (fix with `ruff check --fix`, or by hand)."""
    result = ruff("check", "--output-format", "concise")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted_by_ruff():
    """`ruff format --check` would change no file (run `ruff format` to fix)."""
    result = ruff("format", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
