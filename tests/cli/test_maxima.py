"""The documented maxima of `layout`, `question` and `ping` are allowed and run to the end.

How long they take is what `vethlab bench maxima` prints (goal: 10 s of CPU on two cores);
no test times anything.
"""

from __future__ import annotations

import json

import pytest

from vethlab import cli
from vethlab.cli.maxima import MAXIMA, time_command


@pytest.mark.parametrize("name", sorted(MAXIMA))
def test_each_command_runs_at_its_maxima(name):
    """`vethlab NAME` with every count at its maximum exits 0."""
    run = time_command(MAXIMA[name])
    assert run["status"] == 0, run


def test_bench_maxima_prints_each_command_beside_its_defaults(capsys):
    """`vethlab bench maxima --json` gives CPU seconds at the maxima and with the defaults."""
    assert cli.main(["bench", "maxima", "--maxima-commands", "layout", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (row,) = out["maxima"]
    assert row["command"] == "layout" and row["status"] == 0 and out["goal_s"] == 10.0
    assert set(row) >= {"cpu_s", "wall_s", "baseline_cpu_s", "goal_met"}


def test_bench_maxima_refuses_an_unknown_command(capsys):
    """An unknown name is unusable input: one line, exit 2."""
    assert cli.main(["bench", "maxima", "--maxima-commands", "lab"]) == 2
    assert "argument --maxima-commands: invalid choice: 'lab'" in capsys.readouterr().err
