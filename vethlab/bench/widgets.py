"""``vethlab bench widgets``: for every control of every dashboard, how long a learner waits
from a value change to the finished picture.

Each dashboard of the notebooks (:data:`vethlab.widgets.catalog.DASHBOARDS`) is built as its
notebook builds it; then each of its controls is moved ``--repeat`` times (default 5, at least
5 changes are needed for a median and a worst that mean something): a slider to values it has
not had before in the run, a toggle round its values (:func:`changes`). Each change is timed in
the kernel, from setting the value to the new PNG being in the dashboard's image widget: the
model's work, the drawing, the 2× rendering and the PNG encoding. No browser is involved.

In the same run, per dashboard, a naive floor: an empty figure of the same size rendered at the
same dpi and encoded the same way (``floor_ms``). A control cannot be faster than that; what it
takes beyond is its own work.

Each dashboard is closed and its garbage collected after its control's changes, outside the
timing, so that the kernel holds one dashboard, as a notebook's does: a garbage collection
during a change (it can happen, and is counted) then costs what it costs a learner.

Goals (printed beside each figure, never asserted): every median at most 80 ms and every worst
at most 200 ms on two cores, at the 2× resolution. Other work on the machine slows every figure,
the floor included: the load average is printed beside them.

JSON keys: ``controls`` (a list of objects: ``notebook``, ``dashboard``, ``control``,
``median_ms``, ``worst_ms``, ``floor_ms``, ``changes``, ``meets_goal``), ``floor_ms`` (by
dashboard), ``goal_ms`` (``median``, ``worst``), ``repeat`` and ``machine`` (with the load
average before and after).
"""

from __future__ import annotations

import gc
import statistics
import time

import matplotlib

from vethlab.bench import load_average, load_text, machine_facts

__all__ = [
    "run",
    "add_arguments",
    "changes",
    "measure_control",
    "measure_floor",
    "GOAL_MEDIAN_MS",
    "GOAL_WORST_MS",
]

GOAL_MEDIAN_MS = 80.0
GOAL_WORST_MS = 200.0
#: Changes per control unless ``--repeat`` says otherwise.
DEFAULT_REPEAT = 5
#: The dashboards' names, as ``--widgets-dashboard`` takes them: the names of
#: ``vethlab.widgets.catalog.DASHBOARDS`` (a test keeps them equal), written out so that the
#: command line can check the option without importing the widgets.
DASHBOARD_NAMES = (
    "question_sliders",
    "struct_explorer",
    "leak_explorer",
    "pool_explorer",
    "buffer_anatomy",
    "mapping_explorer",
    "queue_stepper",
    "stack_comparison",
)


def add_arguments(p) -> None:
    p.add_argument(
        "--widgets-dashboard",
        default=None,
        choices=DASHBOARD_NAMES,
        help="measure only this dashboard (default: all of them)",
    )


def changes(control, count: int) -> list:
    """``count`` values to move ``control`` to, each different from the one before.

    A slider goes to values it has not had before in the run, spread over its range (both ends
    first): every number a change draws is then new, as when a learner drags to a new place,
    and no label drawn earlier in the run can make it look faster than it is. A control with
    fewer values than that (a toggle, a checkbox, a short slider) goes round its values
    (:func:`vethlab.widgets.catalog.sweep`), as a learner flipping it back and forth does."""
    import ipywidgets as widgets

    from vethlab.widgets.catalog import sweep

    if isinstance(control, widgets.IntSlider):
        step = control.step or 1
        spots = (control.max - control.min) // step + 1
        if spots > count:
            # count values on the slider's grid, ends first, then the ones between them,
            # none of them the value it has now.
            grid = [control.min + round(k * (spots - 1) / count) * step for k in range(count + 1)]
            fresh = [
                v for v in dict.fromkeys([grid[0], grid[-1], *grid[1:-1]]) if v != control.value
            ]
            return fresh[:count]
    cycle = sweep(control)
    return [cycle[k % len(cycle)] for k in range(count)]


def measure_control(dashboard, control: str, repeat: int) -> list[float]:
    """Build ``dashboard``, prepare it for ``control`` and move the control ``repeat`` times
    (:func:`changes`); the time of each change (ms)."""
    box = dashboard.build()
    controls = box.vethlab_controls
    for name, value in dashboard.prepare.get(control, {}).items():
        controls[name].value = value
    widget = controls[control]
    times = []
    for value in changes(widget, repeat):
        started = time.perf_counter()
        widget.value = value
        times.append((time.perf_counter() - started) * 1e3)
    _dispose(box)
    return times


def _dispose(box) -> None:
    """Close a measured dashboard and collect its garbage, outside any timing: a notebook's
    kernel holds its own one or two dashboards, not every one the benchmark built, and a full
    garbage collection takes as long as the heap is big (40 ms with one dashboard, 250 with
    36 left open, on the machine this was written on)."""
    from vethlab.widgets.catalog import close

    close(box)
    gc.collect()


def measure_floor(figure, repeat: int) -> list[float]:
    """The naive floor: an empty figure of ``figure``'s size and dpi, rendered and encoded as
    a dashboard renders its own, ``repeat`` times (ms each)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from vethlab.widgets.canvas import render_png

    empty = Figure(figsize=figure.get_size_inches(), dpi=figure.dpi)
    FigureCanvasAgg(empty)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        render_png(empty)
        times.append((time.perf_counter() - started) * 1e3)
    return times


def run(args):
    """The ``vethlab bench widgets`` command: measure, then ``(text, json)``."""
    matplotlib.use("Agg")  # no window, whatever the environment says
    from vethlab.widgets.catalog import DASHBOARDS

    repeat = DEFAULT_REPEAT if args.repeat is None else args.repeat
    wanted = getattr(args, "widgets_dashboard", None)
    dashboards = [d for d in DASHBOARDS if wanted in (None, d.name)]
    load_before = load_average()
    rows, floors = [], {}
    for dashboard in dashboards:
        box = dashboard.build()
        floor = statistics.median(measure_floor(box.vethlab_figure, repeat))
        floors[dashboard.name] = round(floor, 1)
        names = list(box.vethlab_controls)
        _dispose(box)
        for control in names:
            times = measure_control(dashboard, control, repeat)
            median, worst = statistics.median(times), max(times)
            rows.append(
                {
                    "notebook": dashboard.notebook,
                    "dashboard": dashboard.name,
                    "control": control,
                    "median_ms": round(median, 1),
                    "worst_ms": round(worst, 1),
                    "floor_ms": round(floor, 1),
                    "changes": len(times),
                    "meets_goal": median <= GOAL_MEDIAN_MS and worst <= GOAL_WORST_MS,
                }
            )
    result = {
        "controls": rows,
        "floor_ms": floors,
        "goal_ms": {"median": GOAL_MEDIAN_MS, "worst": GOAL_WORST_MS},
        "repeat": repeat,
        "machine": machine_facts(load_before),
    }
    lines = [
        load_text(result["machine"]),
        f"every control of every dashboard: value change -> finished 2x PNG, {repeat} changes "
        f"each; goal: median <= {GOAL_MEDIAN_MS:.0f} ms, worst <= {GOAL_WORST_MS:.0f} ms; "
        "floor: an empty figure of the same size, rendered the same way",
        f"{'notebook':<24} {'dashboard':<17} {'control':<13} {'median':>7} {'worst':>7} "
        f"{'floor':>6}  goal",
    ]
    for row in rows:
        lines.append(
            f"{row['notebook']:<24} {row['dashboard']:<17} {row['control']:<13} "
            f"{row['median_ms']:>7.1f} {row['worst_ms']:>7.1f} {row['floor_ms']:>6.1f}  "
            f"{'ok' if row['meets_goal'] else 'SLOW'}"
        )
    return "\n".join(lines), result
