"""`vethlab bench WHAT`: one command dispatching to the bench_<what> modules."""

import pytest

from vethlab.bench import BENCHMARKS, available
from vethlab.cli import build_parser


def test_redraw_is_available_and_offered():
    """The redraw benchmark is installed and is a choice of `vethlab bench`."""
    assert available()["redraw"] == BENCHMARKS["redraw"]
    args = build_parser().parse_args(["bench", "redraw", "--repeat", "2"])
    assert args.what == "redraw" and args.repeat == 2


def test_unknown_benchmark_is_refused(capsys):
    """A name that is not a benchmark is an argparse error listing the choices."""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "everything"])
    assert "redraw" in capsys.readouterr().err
