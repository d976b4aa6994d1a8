"""Labels never overlap and no text is under 8 pt, at the ends of every dashboard control.

Each dashboard of ``vethlab.widgets`` is built, and every control is moved to its ends (a
slider to its minimum and maximum, a choice to each option); after every move, the texts each
picture placed are measured where matplotlib drew them."""

import ipywidgets as widgets
import pytest
from matplotlib.text import Text

from vethlab.pictures.labels import keep_apart, overlapping, renderer_of, visible_texts
from vethlab.pictures.style import MIN_FONT_SIZE
from vethlab.widgets import (
    buffer_anatomy,
    leak_explorer,
    mapping_explorer,
    pool_explorer,
    question_sliders,
    queue_stepper,
    stack_comparison,
    struct_explorer,
)

DASHBOARDS = [
    question_sliders,
    pool_explorer,
    buffer_anatomy,
    mapping_explorer,
    struct_explorer,
    leak_explorer,
    queue_stepper,
    stack_comparison,
]


def _ends(control):
    """The values a learner reaches at the ends of ``control``."""
    if isinstance(control, widgets.Checkbox):
        return [True, False]
    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        return [control.min, control.max]
    if isinstance(control, widgets.SelectionSlider):
        return [control.options[0], control.options[-1]]
    if hasattr(control, "options"):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return values
    return []


def _problems(figure) -> list:
    renderer = renderer_of(figure)
    found = []
    for ax in figure.axes:
        pairs = overlapping(visible_texts(ax), renderer)
        found += [("overlap", a, b) for a, b in pairs]
    for text in figure.findobj(Text):
        if text.get_visible() and text.get_text().strip() and text.get_fontsize() < MIN_FONT_SIZE:
            found.append(("small", text.get_text(), text.get_fontsize()))
    return found


@pytest.mark.parametrize("build", DASHBOARDS, ids=lambda b: b.__name__)
def test_labels_stay_apart_at_the_ends_of_every_control(build):
    """After every move to a control's end: no two labels of a picture overlap, and no text
    is smaller than 8 pt."""
    board = build()
    figures = getattr(board, "vethlab_figures", (board.vethlab_figure,))
    problems = {}
    for name, control in board.vethlab_controls.items():
        if getattr(control, "disabled", False):
            continue
        start = control.value
        for value in _ends(control):
            control.value = value
            found = [p for figure in figures for p in _problems(figure)]
            if found:
                problems[f"{name}={value}"] = found
        control.value = start
    assert problems == {}


def test_keep_apart_moves_then_drops():
    """A label on top of another tries its shifts, then is hidden."""
    from matplotlib.figure import Figure

    ax = Figure(figsize=(4, 2), dpi=72).add_subplot()
    first = ax.text(0.5, 0.5, "first label", transform=ax.transAxes)
    moves = ax.text(0.5, 0.5, "moves", transform=ax.transAxes)
    dropped = ax.text(0.5, 0.5, "dropped", transform=ax.transAxes)
    result = keep_apart(ax, [first, moves, dropped], {moves: [(0, 20)]})
    assert result == {"moved": ["moves"], "dropped": ["dropped"]}
    assert not dropped.get_visible() and moves.get_visible()


def _over_triangles(ax, renderer) -> list:
    """Labels of ``ax`` drawn over a triangle marker (a first data byte)."""
    found = []
    for line in ax.lines:
        if line.get_marker() != "^" or not line.get_visible():
            continue
        half = renderer.points_to_pixels(line.get_markersize()) / 2
        for x, y in line.get_transform().transform(line.get_xydata()):
            for text in visible_texts(ax):
                box = text.get_window_extent(renderer)
                across = box.x0 < x + half - 1 and x - half + 1 < box.x1
                if across and box.y0 < y + half - 1 and y - half + 1 < box.y1:
                    found.append(text.get_text())
    return found


def test_stack_strips_numbers_clear_the_triangles():
    """At the ends of every control of the stack comparison, no number of the strips covers
    a triangle (a first data byte) of the row above."""
    board = stack_comparison()
    strips = board.vethlab_figures[0]
    problems = {}
    for name, control in board.vethlab_controls.items():
        start = control.value
        for value in _ends(control):
            control.value = value
            renderer = renderer_of(strips)
            found = [t for ax in strips.axes for t in _over_triangles(ax, renderer)]
            if found:
                problems[f"{name}={value}"] = found
        control.value = start
    assert problems == {}
