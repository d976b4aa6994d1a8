"""Every dashboard of the notebooks, and the values a learner (or a test) moves each control
through: the one list the kernel-side tests, ``vethlab bench widgets`` and the browser suite
share.

``DASHBOARDS``  (notebook, name, builder, prepare): ``builder()`` makes the dashboard as its
                notebook does; ``prepare`` maps a control to the settings that must come first
                for it to be enabled (the queue stepper's batch is disabled while the dext
                looks again).
``sweep``       a control's values: both ends and between, then back to where it was.
``snapshot``    what a dashboard shows (its PNGs and every text in it), to tell whether a
                move changed anything.
``close``       close every widget of a dashboard, so that it and its figure can be freed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import ipywidgets as widgets

from vethlab.widgets.buffer_anatomy import buffer_anatomy
from vethlab.widgets.mapping_explorer import mapping_explorer
from vethlab.widgets.pool_explorer import pool_explorer
from vethlab.widgets.question import question_sliders
from vethlab.widgets.queues import queue_stepper
from vethlab.widgets.stacks import stack_comparison
from vethlab.widgets.userclient import leak_explorer, struct_explorer

__all__ = ["Dashboard", "DASHBOARDS", "sweep", "snapshot", "texts", "close"]


@dataclass(frozen=True)
class Dashboard:
    """One dashboard as a notebook shows it."""

    notebook: str
    name: str
    build: Callable[[], widgets.Box]
    prepare: dict = field(default_factory=dict)


DASHBOARDS = (
    Dashboard("01_the_question", "question_sliders", question_sliders),
    Dashboard("02_user_client", "struct_explorer", lambda: struct_explorer(1700)),
    Dashboard("02_user_client", "leak_explorer", lambda: leak_explorer(1500, 100)),
    Dashboard("03_pool_layout", "pool_explorer", pool_explorer),
    Dashboard("04_one_buffer", "buffer_anatomy", buffer_anatomy),
    Dashboard("05_mapping_memory", "mapping_explorer", mapping_explorer),
    Dashboard(
        "06_interface_end_to_end",
        "queue_stepper",
        lambda: queue_stepper(burst=12, capacity=8),
        prepare={"tx_batch": {"redrain": False}},
    ),
    Dashboard("10_other_stacks", "stack_comparison", stack_comparison),
)


def _options(control) -> list:
    """The values of a control that offers a list of options (labels dropped)."""
    return [o[1] if isinstance(o, tuple) else o for o in control.options]


def sweep(control) -> list:
    """The values to move ``control`` through: its ends and a value between them (for a
    checkbox, the other value), then back to its current value. No value repeats the one
    before it, so every step is a change."""
    start = control.value
    if isinstance(control, widgets.Checkbox):
        return [not start, start]
    if isinstance(control, widgets.IntSlider):
        low, high, step = control.min, control.max, control.step or 1
        middle = low + (high - low) // 2 // step * step
        values = [low, middle, high]
    else:
        options = _options(control)
        values = [options[0], options[len(options) // 2], options[-1]]
    moves = []
    for value in [*values, start]:
        if value != (moves[-1] if moves else start):
            moves.append(value)
    return moves


def texts(widget) -> list[str]:
    """Every HTML and Label text inside ``widget``, in order."""
    if isinstance(widget, widgets.HTML | widgets.Label):
        return [widget.value]
    return [t for child in getattr(widget, "children", ()) for t in texts(child)]


def snapshot(box) -> tuple:
    """What ``box`` shows: its pictures (``vethlab_images`` where a dashboard has more than
    one, else ``vethlab_image``; None for a hidden one) and its texts."""
    images = getattr(box, "vethlab_images", (box.vethlab_image,))
    pictures = tuple(
        bytes(image.value) if image.layout.display != "none" else None for image in images
    )
    return (pictures, tuple(texts(box)))


def close(widget) -> None:
    """Close ``widget`` and every widget inside it. ipywidgets keeps every open widget in a
    registry until it is closed, and with it whatever it refers to (a dashboard's figure, its
    model): a kernel that builds many dashboards keeps them all until they are closed."""
    for child in getattr(widget, "children", ()):
        close(child)
    widget.close()
