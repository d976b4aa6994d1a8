"""``vethlab bench redraw``: how long the pool explorer takes from a slider change to a PNG.

For pools of 32, 4,096 and 65,536 buffers, the benchmark builds the pool explorer, then moves
its "bufferSize asked" slider ``--repeat`` times (default 15) through distinct values between
1500 and 2048 and times each change, from setting the slider's value to the new PNG being in
the dashboard's image widget: the model builds the new pool, the host stack fills it twice,
every packet is read, the memory map and the offset errors are drawn and the figure is encoded.
It reports the median (and the range) per size.

In the same run it times a baseline: a bare matplotlib figure of the same size and resolution
(the explorer's picture, rendered at 2×) with one ``Rectangle`` patch per buffer, added in a
loop and saved as PNG, the way one would draw the
map without thinking about speed (``naive_floor_ms``; fewer repeats, it is slow).

By default the dext has 32 packets (the question's pool) whatever the number of buffers, so
the figures measure the drawing; ``--redraw-packets N`` sets another count (capped by the
buffers), and then the model's work (filling and reading N packets) is part of each redraw.

Goals (medians): 50 ms at 32 buffers, 100 ms at 4,096, 150 ms at 65,536. Nothing here is
asserted: the benchmark prints; the figures depend on the machine.

JSON keys: ``redraw_ms`` and ``naive_floor_ms`` (medians, by size: "32", "4096", "65536"),
``redraw_range_ms``, ``goal_ms``, ``meets_goal``, ``packets``, ``repeat``, ``floor_repeat``,
``rectangles`` (what the explorer drew, by size) and ``machine`` (with the load average before
and after: other work on the machine slows every figure, the baseline included).
"""

from __future__ import annotations

import io
import statistics
import time

import matplotlib

from vethlab.bench import load_average, load_text, machine_facts

__all__ = ["run", "add_arguments", "measure_redraw", "measure_naive_floor", "SIZES", "GOALS_MS"]

SIZES = (32, 4096, 65536)
GOALS_MS = {32: 50.0, 4096: 100.0, 65536: 150.0}
#: Requested buffer sizes the slider moves through: all distinct, all real 2048 on every
#: profile and segment, so each change rebuilds a pool of the same shape.
_CHANGES = tuple(range(1500, 2049, 32))


def add_arguments(p) -> None:
    p.add_argument(
        "--redraw-packets",
        type=int,
        default=32,
        help="packets in the explorer's pool (default 32; at most the buffer count)",
    )
    p.add_argument(
        "--redraw-floor-repeat",
        type=int,
        default=3,
        help="repeats of the naive baseline per size (default 3: it is slow)",
    )
    p.add_argument(
        "--redraw-sizes",
        type=str,
        default=",".join(str(s) for s in SIZES),
        help="buffer counts to measure, comma-separated (default 32,4096,65536)",
    )


def measure_redraw(buffers: int, packets: int, repeat: int) -> dict:
    """Move the explorer's buffer-size slider ``repeat`` times; the time of each change (ms),
    and what the last redraw drew."""
    from vethlab.widgets.pool_explorer import pool_explorer

    packets = min(packets, buffers)
    widget = pool_explorer(buffers=buffers, packets=packets)
    slider = widget.vethlab_controls["buffer_size"]
    state = widget.vethlab_state
    times = []
    values = [v for v in _CHANGES if v != slider.value]
    for k in range(repeat):
        started = time.perf_counter()
        slider.value = values[k % len(values)]
        times.append((time.perf_counter() - started) * 1e3)
        if state["error"] is not None:
            raise RuntimeError(f"the explorer refused a benchmark pool: {state['error']}")
    return {
        "times_ms": times,
        "rects": state["map"]["rects"],
        "mode": state["map"]["mode"],
        "rows": state["map"]["rows"],
        "png_bytes": state["png_bytes"],
        "packets": packets,
    }


def measure_naive_floor(buffers: int, repeat: int, figsize=None, dpi=None) -> list[float]:
    """The baseline: a new figure, one Rectangle patch per buffer added in a loop, saved as
    PNG. The time of each repeat (ms). By default the figure has the explorer's size and is
    rendered at the explorer's resolution (2× its CSS size)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from vethlab.widgets.canvas import CSS_DPI, SCALE
    from vethlab.widgets.pool_explorer import PICTURE_PX

    if figsize is None:
        figsize = (PICTURE_PX[0] / CSS_DPI, PICTURE_PX[1] / CSS_DPI)
    dpi = CSS_DPI * SCALE if dpi is None else dpi

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fig = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for i in range(buffers):
            ax.add_patch(
                Rectangle(
                    (0, i), 2048, 0.9, facecolor="#A6DCEF", edgecolor="#4D4D4D", linewidth=0.5
                )
            )
        ax.set_xlim(0, 2048)
        ax.set_ylim(buffers, 0)
        fig.savefig(io.BytesIO(), format="png")
        times.append((time.perf_counter() - started) * 1e3)
    return times


def run(args):
    """The ``vethlab bench redraw`` command: measure, then ``(text, json)``."""
    matplotlib.use("Agg")  # no window, whatever the environment says
    repeat = 15 if args.repeat is None else args.repeat
    floor_repeat = getattr(args, "redraw_floor_repeat", 3)
    packets = getattr(args, "redraw_packets", 32)
    sizes = [int(s) for s in str(getattr(args, "redraw_sizes", "32,4096,65536")).split(",") if s]
    if repeat < 1 or floor_repeat < 1 or packets < 1 or not sizes:
        raise ValueError("--repeat, --redraw-floor-repeat and --redraw-packets must be at least 1")
    load_before = load_average()
    redraw, floor, ranges, rects = {}, {}, {}, {}
    for size in sizes:
        measured = measure_redraw(size, packets, repeat)
        key = str(size)
        redraw[key] = round(statistics.median(measured["times_ms"]), 1)
        ranges[key] = [round(min(measured["times_ms"]), 1), round(max(measured["times_ms"]), 1)]
        rects[key] = {k: measured[k] for k in ("rects", "mode", "rows", "png_bytes", "packets")}
        floor[key] = round(statistics.median(measure_naive_floor(size, floor_repeat)), 1)
    goals = {str(s): GOALS_MS[s] for s in sizes if s in GOALS_MS}
    meets = {k: redraw[k] <= g for k, g in goals.items()}
    result = {
        "redraw_ms": redraw,
        "naive_floor_ms": floor,
        "redraw_range_ms": ranges,
        "goal_ms": goals,
        "meets_goal": meets,
        "packets": packets,
        "repeat": repeat,
        "floor_repeat": floor_repeat,
        "rectangles": rects,
        "machine": machine_facts(load_before),
    }
    lines = [
        load_text(result["machine"]),
        f"pool explorer: slider change -> PNG, median of {repeat} changes "
        f"({packets} packets or fewer); naive baseline: median of {floor_repeat}",
        f"{'buffers':>8}  {'explorer ms':>11}  {'range':>15}  {'goal':>5}  {'naive ms':>9}  drawn",
    ]
    for size in sizes:
        key = str(size)
        goal = goals.get(key)
        verdict = "" if goal is None else ("ok" if meets[key] else "SLOW")
        drawn = rects[key]
        lines.append(
            f"{size:>8}  {redraw[key]:>11.1f}  {ranges[key][0]:>6.1f}-{ranges[key][1]:<7.1f}  "
            f"{'' if goal is None else f'{goal:.0f}':>5}  {floor[key]:>9.1f}  "
            f"{drawn['mode']}, {drawn['rows']} rows, {drawn['rects']} rectangles {verdict}"
        )
    return "\n".join(lines), result
