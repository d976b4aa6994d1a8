"""The widgets benchmark's shape (no test times anything: the benchmark only prints)."""

import json

from vethlab.bench.widgets import DASHBOARD_NAMES, GOAL_MEDIAN_MS, GOAL_WORST_MS
from vethlab.cli import build_parser, main
from vethlab.widgets.catalog import DASHBOARDS


def test_bench_widgets_json_lists_every_control_of_the_dashboard(capsys):
    """A tiny run: one dashboard, one change per control, every documented key."""
    argv = ["bench", "widgets", "--json", "--repeat", "1"]
    assert main([*argv, "--widgets-dashboard", "struct_explorer"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(c["notebook"], c["dashboard"], c["control"]) for c in out["controls"]] == [
        ("02_user_client", "struct_explorer", "length"),
        ("02_user_client", "struct_explorer", "variant"),
    ]
    keys = {"median_ms", "worst_ms", "floor_ms", "changes", "meets_goal"}
    assert all(keys <= set(c) and c["changes"] == 1 for c in out["controls"])
    assert set(out["floor_ms"]) == {"struct_explorer"}
    assert (
        out["goal_ms"]
        == {"median": GOAL_MEDIAN_MS, "worst": GOAL_WORST_MS}
        == {
            "median": 80.0,
            "worst": 200.0,
        }
    )
    assert out["repeat"] == 1 and "load_before" in out["machine"]


def test_text_report_has_one_line_per_control(capsys):
    """Without --json: a header, then one row per control with its goal verdict."""
    assert main(["bench", "widgets", "--repeat", "1", "--widgets-dashboard", "leak_explorer"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [line for line in lines if line.startswith("02_user_client")]
    assert [row.split()[2] for row in rows] == ["previous", "current", "variant"]
    assert all(row.split()[-1] in ("ok", "SLOW") for row in rows)


def test_the_command_line_knows_every_dashboard():
    """--widgets-dashboard offers exactly the catalog's dashboards, and refuses others."""
    assert tuple(d.name for d in DASHBOARDS) == DASHBOARD_NAMES
    args = build_parser().parse_args(["bench", "widgets", "--widgets-dashboard", "pool_explorer"])
    assert args.widgets_dashboard == "pool_explorer"


def test_an_unknown_dashboard_is_exit_2(capsys):
    """A name that is not a dashboard: one line naming the option, status 2."""
    assert main(["bench", "widgets", "--widgets-dashboard", "nope"]) == 2
    err = capsys.readouterr().err
    assert "--widgets-dashboard" in err and "nope" in err


def test_a_slider_moves_to_values_it_has_not_had_and_a_toggle_goes_round():
    """The benchmark's changes: fresh slider values, ends first (no label drawn before can
    make a change look faster than a learner's), and every change differs from the one before."""
    import ipywidgets as widgets

    from vethlab.bench.widgets import changes

    slider = widgets.IntSlider(value=1600, min=64, max=4096)
    moves = changes(slider, 5)
    assert len(moves) == len(set(moves)) == 5 and 1600 not in moves
    assert moves[:2] == [64, 4096] and all(64 <= v <= 4096 for v in moves)
    steps = changes(widgets.IntSlider(value=2048, min=64, max=4096, step=64), 10)
    assert len(set(steps)) == 10 and all(v % 64 == 0 for v in steps)
    short = changes(widgets.IntSlider(value=0, min=0, max=3), 5)
    toggle = changes(widgets.ToggleButtons(options=["a", "b"], value="a"), 5)
    assert toggle == ["b", "a", "b", "a", "b"]
    for moves, start in ((short, 0), (toggle, "a")):
        assert all(a != b for a, b in zip([start, *moves], moves)) and len(moves) == 5
