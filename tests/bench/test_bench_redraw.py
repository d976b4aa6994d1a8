"""The redraw benchmark's shape (no test times anything: the benchmark only prints)."""

import json

from vethlab.bench.redraw import GOALS_MS, SIZES, measure_naive_floor, measure_redraw
from vethlab.cli import main


def test_bench_json_has_the_documented_keys(capsys):
    """`vethlab bench redraw --json` gives redraw_ms and naive_floor_ms keyed by size."""
    assert (
        main(
            [
                "bench",
                "redraw",
                "--json",
                "--repeat",
                "2",
                "--redraw-floor-repeat",
                "1",
                "--redraw-sizes",
                "32,64",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert set(out["redraw_ms"]) == set(out["naive_floor_ms"]) == {"32", "64"}
    assert all(v > 0 for v in out["redraw_ms"].values())
    assert out["goal_ms"] == {"32": 50.0} and set(out["meets_goal"]) == {"32"}
    assert out["repeat"] == 2 and out["floor_repeat"] == 1 and out["packets"] == 32
    assert out["rectangles"]["32"]["mode"] == "buffers"


def test_default_sizes_and_goals():
    """32, 4,096 and 65,536 buffers, with goals of 50, 100 and 150 ms."""
    assert SIZES == (32, 4096, 65536)
    assert GOALS_MS == {32: 50.0, 4096: 100.0, 65536: 150.0}


def test_measure_redraw_moves_the_slider_each_time():
    """Each measured change is a redraw of the explorer."""
    measured = measure_redraw(32, 32, 3)
    assert len(measured["times_ms"]) == 3 and measured["rows"] == 32
    assert measured["png_bytes"] > 0


def test_naive_floor_draws_one_patch_per_buffer():
    """The baseline returns one time per repeat."""
    assert len(measure_naive_floor(8, 2)) == 2


def test_text_report_has_one_line_per_size(capsys):
    """Without --json the report is a table, one row per size."""
    assert (
        main(
            [
                "bench",
                "redraw",
                "--repeat",
                "1",
                "--redraw-floor-repeat",
                "1",
                "--redraw-sizes",
                "32",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].split()[0] == "32" and len(lines) == 4
