"""Offset errors: each packet's read against its frame, and the exact line through them."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, strategies as st
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.markers import MarkerStyle

from vethlab.pictures.offsets import MIN_ERROR_SPAN, draw_offset_errors, exact_line, series_of
from vethlab.pictures.style import COLORS, READ_MARKERS
from vethlab.question.scenario import Reading, run_question
from vethlab.widgets.pool_explorer import explore_pool


@pytest.fixture(scope="module")
def report():
    return run_question(segment_size=65536)


@given(st.integers(-5000, 5000), st.integers(-(10**6), 10**6), st.integers(2, 40))
def test_exact_line_recovers_any_integer_line(slope, intercept, n):
    """Points on an integer line give back that line."""
    x = np.arange(n)
    assert exact_line(x, slope * x + intercept) == (slope, intercept)


@given(st.integers(-500, 500), st.integers(3, 40), st.data())
def test_exact_line_refuses_a_bent_line(slope, n, data):
    """One point off the line and there is no line."""
    x = np.arange(n)
    y = slope * x
    k = data.draw(st.integers(0, n - 1))
    y[k] += data.draw(st.integers(1, 9))
    assert exact_line(x, y) is None


def test_exact_line_needs_two_distinct_x():
    """One point, or one x, is no line."""
    assert exact_line(np.array([3]), np.array([5])) is None
    assert exact_line(np.array([3, 3]), np.array([5, 6])) is None


def test_question_report_gives_three_series_and_their_lines(report):
    """First attempt: error = −448 i − 8; the fix and today's API: 0 everywhere."""
    _fig, ax = plt.subplots()
    draw_offset_errors(ax, report)
    series = ax.vethlab["series"]
    assert list(series) == [m.spec.title for m in report.methods.values()]
    first, fix, current = series.values()
    assert first["line"] == (-448, -8)
    assert first["errors"] == [-(448 * i + 8) for i in range(32)]
    assert first["wrong"] == list(range(32))
    assert fix["line"] == current["line"] == (0, 0)
    assert fix["wrong"] == current["wrong"] == []
    assert ax.vethlab["largest_error"] == 448 * 31 + 8
    assert "448 × i − 8" in ax.get_legend().get_texts()[0].get_text()


def _dot_colours(ax) -> set[str]:
    return {
        to_hex(c)
        for coll in ax.collections
        if not isinstance(coll, LineCollection)
        for c in coll.get_edgecolors()
    }


def test_all_right_reads_are_green_circles_and_the_axis_keeps_a_scale(report):
    """Every error 0: green circles, no red, and the y axis spans at least ±8 bytes with
    distinct tick labels (never "0 0 0 0 0")."""
    _fig, ax = plt.subplots()
    draw_offset_errors(ax, report.methods["current_api"])
    assert _dot_colours(ax) == {to_hex(COLORS["right_read"])}
    low, high = ax.get_ylim()
    assert low <= -MIN_ERROR_SPAN and high >= MIN_ERROR_SPAN
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(labels) == len(set(labels)) >= 3
    assert ax.vethlab["kinds"] == ["right_read"]


def test_early_reads_are_the_middle_verdict():
    """The fix on native-flow frames reads each buffer's first byte, 2 bytes before the
    frame: early, in the early colour and as squares, not as wrong crosses."""
    report = run_question(segment_size=65536, headroom=0, data_offset=2)
    _fig, ax = plt.subplots()
    draw_offset_errors(ax, report.methods["question_fix"])
    (series,) = ax.vethlab["series"].values()
    assert series["early"] == list(range(32)) and set(series["roles"]) == {"early_read"}
    assert _dot_colours(ax) == {to_hex(COLORS["early_read"])}
    (dots,) = [c for c in ax.collections if not isinstance(c, LineCollection)]
    marker = MarkerStyle(READ_MARKERS["early_read"])
    square = marker.get_path().transformed(marker.get_transform())
    assert np.allclose(dots.get_paths()[0].vertices, square.vertices)


def test_axes_are_named_inside_the_picture(report):
    """The axis names are texts in the axes, clear of every dot."""
    fig, ax = plt.subplots(figsize=(7, 3))
    draw_offset_errors(ax, report.methods["first_attempt"])
    names = [t.get_text() for t in ax.texts]
    assert "offset error: read − frame (bytes)" in names and "packet index i →" in names
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    offsets = ax.transData.transform(np.concatenate([c.get_offsets() for c in ax.collections]))
    for box in boxes:
        inside = (
            (offsets[:, 0] > box.x0)
            & (offsets[:, 0] < box.x1)
            & (offsets[:, 1] > box.y0)
            & (offsets[:, 1] < box.y1)
        )
        assert not inside.any()


def test_native_flow_breaks_the_fix_by_two_bytes():
    """Headroom 0, data offset 2: the fix is 2 bytes early for every packet."""
    report = run_question(segment_size=65536, headroom=0, data_offset=2)
    _fig, ax = plt.subplots()
    draw_offset_errors(ax, {k: m for k, m in report.methods.items() if k != "first_attempt"})
    fix, current = ax.vethlab["series"].values()
    assert fix["line"] == (0, -2) and fix["wrong"] == list(range(32))
    assert current["line"] == (0, 0)


def test_offsets_view_joins_frame_and_read(report):
    """show='offsets' draws one joining line per packet, as long as its error."""
    _fig, ax = plt.subplots()
    draw_offset_errors(ax, report.methods["first_attempt"], show="offsets")
    assert ax.vethlab["show"] == "offsets"
    (joins,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    segments = joins.get_segments()
    assert len(segments) == 32
    assert [int(s[1][1] - s[0][1]) for s in segments] == [-(448 * i + 8) for i in range(32)]


def test_unknown_view_is_refused(report):
    """show must be 'error' or 'offsets'."""
    _fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="'error', 'offsets'"):
        draw_offset_errors(ax, report, show="bytes")


def test_reads_outside_the_pool_are_listed():
    """A reading whose address is not in the pool is drawn as a cross and listed."""
    readings = [
        Reading(0, 0xDEAD000, None, 8, None, 60, False),
        Reading(1, 0x1000, 0, 2056, -2056, 60, False),
    ]
    _fig, ax = plt.subplots()
    draw_offset_errors(ax, readings)
    (series,) = ax.vethlab["series"].values()
    assert series["outside_pool"] == [0] and series["errors"] == [None, -2056]
    assert series["wrong"] == [0, 1] and series["line"] is None


def test_many_segments_mark_where_each_segment_starts():
    """A pool of two segments: a dotted line where packet 32 starts the second one."""
    explored = explore_pool(buffers=64, packets=64, segment_size=65536)
    _fig, ax = plt.subplots()
    draw_offset_errors(ax, {"fix": explored.readings("question_fix")}, pool=explored.pool)
    assert ax.vethlab["series"]["fix"]["line"] is None  # trap 4 bends it
    assert ax.vethlab["segment_starts"] == [32]


def test_series_of_accepts_results_dicts_and_lists(report):
    """A report, a method result, a dict of either, or a plain list of readings."""
    m = report.methods["question_fix"]
    assert list(series_of(report)) == [x.spec.title for x in report.methods.values()]
    assert list(series_of(m)) == [m.spec.title]
    assert list(series_of({"a": m.readings})) == ["a"]
    assert list(series_of(m.readings)) == ["reads"]
    assert series_of(m)[m.spec.title][1] is m.pool


def test_limits_follow_the_data_on_a_reused_axes(report):
    """Drawn twice on one axes, the limits are the new data's, not the old ones'."""
    _fig, ax = plt.subplots()
    draw_offset_errors(ax, report.methods["first_attempt"])
    big = ax.get_ylim()
    ax.clear()
    draw_offset_errors(ax, report.methods["current_api"])
    assert ax.get_ylim()[0] > big[0] / 100
