r"""Pictures of any stack's buffers: where they are, what one holds, and its classic bug.

Every function takes a layout of :mod:`vethlab.stacks` (the NDK pool's too) and draws only from
what the layout says through the interface all stacks share: ``buffer_offset(i)``,
``stride``, ``first_data_offset``, ``usable_size`` and ``regions()`` (one stride in the stack's
own words), the stack's ``address()`` formula and its ``classic_bug()``. Nothing is worked
out here that a stack model does not say.

``draw_stack_memory_map(ax, layout)``   buffers 0..n-1 along the stack's memory, one strip::

      origin                      stride                        first data byte of buffer 1
      |<------------------------------------------->|           v
      [objhdr|rte_mbuf|headroom|data ...   |trailer][objhdr|rte_mbuf|headroom|data ...
                      ^ buffer 0 starts             (buffer edges: thin dark lines)

``draw_stacks_side_by_side(ax, layouts)``  the same strip for several stacks on one byte
scale, a refused stack as its error, the key of the fills above (``draw_stack_key``); the
comparison dashboard draws this.

``draw_stack_anatomy(ax, layout)``  one stride, region by region (not to scale: every region
gets room for its name; the byte offsets at the edges are exact), where the stack's formula
and its classic bug land.

``draw_stack_offset_errors(ax, layout)``  the classic bug's offset error for buffers
0..n-1, against the stack's own formula (0 everywhere).

Colours come from :func:`vethlab.pictures.style.color` by role; provenance is written as text
("source: luigirizzo/netmap … netmap_user.h:119-120"), never as a fill. What each function drew
is in ``ax.vethlab``.
"""

from __future__ import annotations

import itertools

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.ticker import AutoLocator, FuncFormatter, MaxNLocator, ScalarFormatter
from matplotlib.transforms import offset_copy

from vethlab.pictures.hatch import hatch_over
from vethlab.pictures.labels import keep_apart
from vethlab.pictures.style import (
    FONT_SIZE,
    MONO_FONT,
    TITLE_SIZE,
    clear_axes,
    color,
    place,
    style_axes,
    style_ticks,
)
from vethlab.stacks import STACKS, StackError, StackLayout

__all__ = [
    "draw_stack_memory_map",
    "draw_stacks_side_by_side",
    "draw_stack_key",
    "draw_stack_anatomy",
    "draw_stack_offset_errors",
    "stack_offset_errors",
    "strip_of",
    "provenance_lines",
    "REGION_ROLES",
    "FRAME_ROLES",
]

#: The colour role of each kind of region (``vethlab.stacks.base.REGION_KINDS``); metadata
#: and padding are also hatched, so they read as "not packet bytes" without a colour of their own.
REGION_ROLES = {
    "metadata": "tailroom",
    "headroom": "headroom",
    "data": "tailroom",
    "pad": "tailroom",
}
#: Hatching is drawn line by line on every render, so it is sparse: a few strokes per region
#: (and one hatch covers all the regions of a kind: :func:`vethlab.pictures.hatch.hatch_over`).
_HATCH = {"metadata": "//", "pad": ".."}
#: Roles of the parts a frame adds to the data room: the frame, and what does not fit.
FRAME_ROLES = {"frame": "frame", "overflow": "wrong_read"}


def _module(layout: StackLayout):
    return STACKS[layout.stack]


def _clear(ax) -> None:
    """Empty ``ax`` for a new picture, keeping its tick objects (:func:`clear_axes`: making
    them again was most of a redraw), and put back what the pictures here set: no title or
    axis labels, the default tick places and numbers, only the bottom spine."""
    clear_axes(ax)
    ax.set_axis_on()  # the anatomy turns it off
    ax.set_title("", loc="left")
    ax.set_xlabel("")
    ax.set_ylabel("")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(AutoLocator())
        axis.set_major_formatter(ScalarFormatter())
    style_axes(ax)
    for side, shown in (("top", False), ("right", False), ("left", False), ("bottom", True)):
        ax.spines[side].set_visible(shown)


def _bytes(value, _pos=None) -> str:
    """An offset for an axis: 1,600; −256; a kernel address in hex."""
    value = round(value)
    if abs(value) >= 1 << 40:
        return f"{'−' if value < 0 else ''}0x{abs(value):x}"
    return f"{value:,d}".replace("-", "−")


def strip_of(layout: StackLayout, count: int, frame_length: int | None = None) -> dict:
    """What a memory-map strip shows, as numbers: for each of the first ``count`` buffers its
    start, its stride cell, its first data byte and its regions (offsets from the origin);
    with ``frame_length``, the frame's bytes in the data room and those that do not fit."""
    n = min(count, layout.buffer_count)
    regions = layout.regions()
    fits = None if frame_length is None else min(frame_length, layout.usable_size)
    over = None if frame_length is None else max(frame_length - layout.usable_size, 0)
    buffers = []
    for i in range(n):
        start = layout.buffer_offset(i)
        buffers.append(
            {
                "index": i,
                "start": start,
                "cell": (start + layout.stride_start, start + layout.stride_start + layout.stride),
                "first_data_byte": _module(layout).address(layout, i),
                "regions": [(start + r.start, start + r.end, r.kind, r.name) for r in regions],
            }
        )
    return {
        "stack": layout.stack,
        "stride": layout.stride,
        "buffer_size": layout.buffer_size,
        "first_data_offset": layout.first_data_offset,
        "frame_fits": fits,
        "frame_overflow": over,
        "buffers": buffers,
    }


def _boxes(rects) -> list:
    """``(x, y, width, height)`` rectangles as the corner lists a PolyCollection draws."""
    return [[(x, y), (x + w, y), (x + w, y + h), (x, y + h)] for x, y, w, h in rects]


def _strip_shapes(strip: dict, y: float, height: float, highlight: int | None, shapes: dict):
    """Add the shapes of one strip at ``y`` (its bottom) to ``shapes`` (:func:`_no_shapes`),
    and return how many rectangles and marks it adds. Strips drawn together add to one
    ``shapes``, which :func:`_draw_shapes` then draws: a handful of artists for all the
    strips and buffers, rather than one per region."""
    first = strip["first_data_offset"]
    buffers = strip["buffers"]
    rectangles = overflow = 0
    for buf in buffers:
        for start, end, kind, _name in buf["regions"]:
            shapes["regions"][kind].append((start, y, end - start, height))
            rectangles += 1
        if strip["frame_fits"] is not None:
            data = buf["start"] + first
            shapes["frame"].append((data, y, strip["frame_fits"], height))
            rectangles += 1
            if strip["frame_overflow"]:
                over = (data + strip["frame_fits"], y + height)
                shapes["overflow"].append((*over, strip["frame_overflow"], height * 0.18))
                overflow += 1
        shapes["cells"].append((buf["cell"][0], y, buf["cell"][1] - buf["cell"][0], height))
        shapes["starts"].append([(buf["start"], y), (buf["start"], y + height)])
        # The first data bytes: a triangle under each buffer, the highlighted one apart.
        mark = (buf["first_data_byte"], y - height * 0.04)
        shapes["lit" if buf["index"] == highlight else "marks"].append(mark)
    return {
        "rectangles": rectangles,
        "edges": len(buffers),
        "marks": len(buffers),
        "overflow": overflow,
    }


def _no_shapes() -> dict:
    """Empty lists for :func:`_strip_shapes` to add to: ``(x, y, width, height)`` rectangles
    by region kind, of the frame and of what does not fit (:data:`FRAME_ROLES`'s parts), of
    the stride cells; a line per buffer start; ``(x, y)`` triangles (``lit``: the highlighted
    buffer's)."""
    return {
        "regions": {kind: [] for kind in REGION_ROLES},
        "frame": [],
        "overflow": [],
        "cells": [],
        "starts": [],
        "marks": [],
        "lit": [],
    }


def _draw_shapes(ax, shapes: dict) -> None:
    """Draw what :func:`_strip_shapes` gathered: the regions (metadata and padding hatched),
    the frames over them, the bytes that do not fit, the cells' outlines, each buffer's
    start as a thick edge, and the first data bytes as triangles (the highlighted buffer's
    larger and in the right-read colour)."""
    # Every filled rectangle in one collection, each in its role's colour: the regions
    # kind by kind, then the frames over their data rooms and the bytes that do not fit.
    fills = [
        (rect, REGION_ROLES[kind]) for kind, rects in shapes["regions"].items() for rect in rects
    ]
    fills += [(rect, role) for part, role in FRAME_ROLES.items() for rect in shapes[part]]
    if fills:
        rects, roles = zip(*fills, strict=True)
        ax.add_collection(
            PolyCollection(_boxes(rects), facecolors=[color(r) for r in roles], linewidths=0),
            autolim=False,
        )
    # One hatch over all the regions of a hatched kind: Agg draws it once. It is placed
    # (:func:`~vethlab.pictures.style.place`): the pictures set their own limits.
    for kind, hatch in _HATCH.items():
        if shapes["regions"][kind]:
            boxes = np.array(_boxes(shapes["regions"][kind]))
            place(ax, hatch_over(boxes, hatch, color("buffer_edge")))
    if shapes["cells"]:
        ax.add_collection(
            PolyCollection(
                _boxes(shapes["cells"]),
                facecolors="none",
                edgecolors=color("buffer_edge"),
                linewidths=0.6,
            ),
            autolim=False,
        )
        ax.add_collection(
            LineCollection(shapes["starts"], colors=color("buffer_edge"), linewidths=1.4),
            autolim=False,
        )
    for points, role, size in ((shapes["marks"], "text", 4), (shapes["lit"], "right_read", 6)):
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(
                xs,
                ys,
                linestyle="none",
                marker="^",
                color=color(role),
                markersize=size,
                clip_on=False,
            )


def draw_stack_memory_map(
    ax,
    layout: StackLayout,
    *,
    count: int = 4,
    frame_length: int | None = None,
    highlight: int | None = 1,
    title: str | None = None,
    sources: bool = True,
):
    """The first ``count`` buffers of ``layout`` along its memory (x: bytes from the stack's
    origin): every stride cell with its regions, each buffer's start (a thick edge), its
    first data byte (a triangle; buffer ``highlight``'s in the right-read colour, with its
    offset written) and, with ``frame_length``, the frame in its data room and what does not
    fit (a bar over the buffer's end). Returns ``ax``; ``ax.vethlab`` is the strip's numbers
    (:func:`strip_of`) plus what was drawn."""
    _clear(ax)
    strip = strip_of(layout, count, frame_length)
    shapes = _no_shapes()
    drawn = _strip_shapes(strip, 0.2, 0.6, highlight, shapes)
    _draw_shapes(ax, shapes)
    lo = strip["buffers"][0]["cell"][0]
    hi = strip["buffers"][-1]["cell"][1]
    ax.set_xlim(lo - (hi - lo) * 0.01, hi + (hi - lo) * 0.01)
    ax.set_ylim(-0.35, 1.25)
    ax.set_yticks([])
    _label_regions(ax, strip["buffers"][0], 0.5, hi - lo)
    _write_first_bytes(ax, strip, highlight, 0.2)
    ax.xaxis.set_major_formatter(FuncFormatter(_bytes))
    ax.xaxis.set_major_locator(MaxNLocator(8, integer=True))
    style_axes(ax, length=2, pad=1)
    ax.set_xlabel(f"bytes from {layout.origin}", fontsize=FONT_SIZE, color=color("text"))
    if title is None:
        title = (
            f"{_module(layout).TITLE}: {layout.requested_buffer_size} asked → buffer "
            f"{layout.buffer_size}, stride {layout.stride}, first data byte at buffer + "
            f"{layout.first_data_offset}"
        )
    ax.set_title(title, fontsize=TITLE_SIZE, loc="left", color=color("text"))
    notes = provenance_lines(layout, ("stride", "buffer_size", "first_data_offset"))
    if sources:
        _write_notes(ax, notes)
    ax.vethlab = {**strip, **drawn, "highlight": highlight, "provenance": notes}
    return ax


def _label_regions(ax, buf: dict, y: float, span: float) -> None:
    """Name the regions of the first cell where they are wide enough to hold the name."""
    for start, end, _kind, name in buf["regions"]:
        if (end - start) / span > 0.012 * len(name):
            ax.text(
                (start + end) / 2,
                y,
                name,
                ha="center",
                va="center",
                fontsize=FONT_SIZE,
                color=color("text"),
            )


#: The key: what each fill means, in the order a buffer shows them.
KEY = (
    ("frame", None, "the frame"),
    ("headroom", None, "headroom"),
    ("tailroom", None, "room the frame leaves"),
    ("tailroom", _HATCH["metadata"], "the stack's metadata"),
    ("tailroom", _HATCH["pad"], "padding"),
    ("wrong_read", None, "bytes that do not fit"),
)


def draw_stack_key(ax, *, y: float = 1.0) -> list[str]:
    """The key of the strips' fills (:data:`KEY`), on one line, its lower left corner at the
    left edge of ``ax`` and ``y`` up it (axes coordinates: 1.0 is right above the axes, where
    :func:`draw_stacks_side_by_side` puts it). Returns its labels."""
    handles = [
        Patch(facecolor=color(role), edgecolor=color("buffer_edge"), hatch=hatch, label=text)
        for role, hatch, text in KEY
    ]
    ax.legend(
        labelcolor=color("text"),
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, y),
        ncol=len(handles),
        frameon=False,
        fontsize=FONT_SIZE,
        handlelength=1.6,
        columnspacing=1.2,
        borderaxespad=0.2,
    )
    return [text for _, _, text in KEY]


def _write_first_bytes(ax, strip: dict, highlight: int | None, y: float) -> None:
    for buf in strip["buffers"]:
        if buf["index"] == highlight:
            ax.annotate(
                f"buffer {buf['index']}: first data byte at {_bytes(buf['first_data_byte'])}",
                (buf["first_data_byte"], y - 0.06),
                xytext=(0, -14),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=FONT_SIZE,
                color=color("text"),
                arrowprops={"arrowstyle": "-", "color": color("right_read"), "lw": 0.8},
            )


def provenance_lines(layout: StackLayout, keys=None) -> list[tuple[str, str, str]]:
    """``(label, shared field, where)`` for the fields ``keys`` (all of them by default) that
    the layout gives a source for, each source once."""
    seen, lines = set(), []
    for key, src in layout.provenance.items():
        if keys is not None and key not in keys:
            continue
        if src.where in seen:
            continue
        seen.add(src.where)
        lines.append((src.label, key, src.where))
    return lines


def _write_notes(ax, notes, *, below_points: float = 26.0, y: float | None = None) -> None:
    """Provenance as text, "source (stride): repository @commit file:line", one line each:
    ``below_points`` under the axes (below an x label), or from ``y`` (axes fraction) down."""
    for k, (label, key, where) in enumerate(notes):
        if y is None:
            at = offset_copy(
                ax.transAxes, fig=ax.figure, y=-(below_points + 10 * k), units="points"
            )
            start = (0.0, 0.0)
        else:
            at = offset_copy(ax.transAxes, fig=ax.figure, y=-10 * k, units="points")
            start = (0.0, y)
        ax.text(
            *start,
            f"{label} ({key}): {where}",
            transform=at,
            fontsize=FONT_SIZE,
            color=color("text"),
            va="top",
            clip_on=False,
        )


def draw_stacks_side_by_side(
    ax,
    layouts: dict,
    *,
    count: int = 3,
    frame_length: int | None = None,
    highlight: int | None = 1,
    key: bool = True,
):
    """One strip per stack, top to bottom, on one byte scale, so that strides compare by
    eye. ``layouts`` maps a name to a layout, or to the :class:`StackError` the stack raised
    (drawn as its error, in the wrong-read colour). With ``key``, the key of the fills above
    the axes (:func:`draw_stack_key`; a dashboard that redraws the strips shows it once,
    apart). Returns ``ax``; ``ax.vethlab["rows"]`` holds each row's name, strip (or error)
    and what was drawn, ``ax.vethlab["key"]`` the key's labels (None without it)."""
    _clear(ax)
    names = list(layouts)
    rows, right, numbers = [], 0, []
    shapes = _no_shapes()  # every row's, drawn together once the rows are laid out
    height = 0.56
    for row, name in enumerate(names):
        y = len(names) - 1 - row + 0.22
        item = layouts[name]
        if isinstance(item, StackError):
            ax.text(
                0,
                y + height / 2,
                f"refused: {item.call} returns {item.returns}: {item.reason}",
                fontsize=FONT_SIZE,
                color=color("wrong_read"),
                va="center",
                family=MONO_FONT,
            )
            rows.append({"name": name, "refused": str(item), "errno": item.errno})
            continue
        strip = strip_of(item, count, frame_length)
        drawn = _strip_shapes(strip, y, height, highlight, shapes)
        right = max(right, strip["buffers"][-1]["cell"][1])
        for buf in strip["buffers"]:
            if buf["index"] == highlight:
                numbers.append(
                    ax.text(
                        buf["first_data_byte"],
                        y + height + 0.04,
                        _bytes(buf["first_data_byte"]),
                        fontsize=FONT_SIZE,
                        color=color("text"),
                        ha="left",
                        va="bottom",
                    )
                )
        rows.append({"name": name, "strip": strip, **drawn})
    _draw_shapes(ax, shapes)
    left = min((r["strip"]["buffers"][0]["cell"][0] for r in rows if "strip" in r), default=0)
    right = right or 1
    ax.set_xlim(left - (right - left) * 0.005, right * 1.005)
    ax.set_ylim(-0.1, len(names) + 0.05)
    ax.set_yticks([len(names) - 1 - r + 0.22 + height / 2 for r in range(len(names))])
    ax.set_yticklabels(
        [_row_label(n, layouts[n]) for n in names], fontsize=FONT_SIZE, family=MONO_FONT
    )
    style_ticks(ax.yaxis, length=0)
    ax.xaxis.set_major_formatter(FuncFormatter(_bytes))
    ax.xaxis.set_major_locator(MaxNLocator(10, integer=True))
    style_ticks(ax.xaxis, length=2, pad=1)
    ax.set_xlabel(
        "bytes from each stack's origin (▲ first data byte; thick line: where a buffer starts)",
        fontsize=FONT_SIZE,
        color=color("text"),
    )
    key_labels = draw_stack_key(ax) if key else None
    # A row's number sits in the gap under the row above, where that row's triangles are:
    # it steps past them to the right (or left of its own triangle), else it is hidden.
    triangles = [line for line in ax.lines if line.get_marker() == "^"]
    steps = [(dx, 0) for dx in (8, 16, 24, -30)]
    labels = keep_apart(ax, numbers, dict.fromkeys(numbers, steps), obstacles=triangles)
    ax.vethlab = {
        "rows": rows,
        "count": count,
        "frame_length": frame_length,
        "key": key_labels,
        "labels": labels,
    }
    return ax


def _row_label(name: str, item) -> str:
    if isinstance(item, StackError):
        return f"{name}\n{item.errno or item.returns}"
    return f"{name}\nstride {item.stride}"


# -- one stride, region by region ------------------------------------------------------------
def _piecewise(edges: list[int], min_shares):
    """Offset -> x in 0..1 through the sorted ``edges``: each piece between two edges gets its
    ``min_shares`` of the width (one for every piece, or one number for all) plus a share in
    proportion to its bytes, so a 2-byte region stays visible."""
    edges = sorted(set(edges))
    sizes = np.diff(edges).astype(float)
    mins = np.broadcast_to(np.asarray(min_shares, dtype=float), sizes.shape)
    spare = max(1.0 - mins.sum(), 0.0)
    widths = mins + sizes / sizes.sum() * spare
    xs = np.concatenate([[0.0], np.cumsum(widths)])
    xs /= xs[-1]
    return lambda offset: float(np.interp(offset, edges, xs))


def draw_stack_anatomy(
    ax,
    layout: StackLayout,
    *,
    index: int = 1,
    frame_length: int | None = None,
    sources: bool = True,
):
    """Buffer ``index``'s stride, region by region, in the stack's words, with the byte
    offsets (from the buffer's start) at every edge, brackets for the headroom and the
    usable size, and two arrows: the stack's own formula (``address``) and its classic bug.
    A landing outside the stride points off the edge with its distance. Returns ``ax``;
    ``ax.vethlab`` holds the regions, the two landings and the provenance notes."""
    _clear(ax)
    # No axis lines, ticks or numbers: the picture writes its own offsets at the edges.
    ax.set_axis_off()
    module = _module(layout)
    start = layout.buffer_offset(index)
    regions = [(r.start, r.end, r.kind, r.name) for r in layout.regions()]
    first = layout.first_data_offset
    edges = [r[0] for r in regions] + [regions[-1][1]]
    frame_end = None
    if frame_length is not None:
        frame_end = first + min(frame_length, layout.usable_size)
        edges.append(frame_end)
    x = _piecewise(edges, _room_for_names(edges, regions))
    bar = (0.42, 0.62)
    # The regions, then the frame over the data room: one collection, outlined, each box in
    # its role's colour; one hatch over the regions of each hatched kind.
    boxes = [(x(lo), bar[0], x(hi) - x(lo), bar[1] - bar[0]) for lo, hi, _kind, _name in regions]
    kinds = [kind for _lo, _hi, kind, _name in regions]
    roles = [REGION_ROLES[kind] for kind in kinds]
    if frame_end is not None:
        boxes.append((x(first), bar[0], x(frame_end) - x(first), bar[1] - bar[0]))
        roles.append(FRAME_ROLES["frame"])
    ax.add_collection(
        PolyCollection(
            _boxes(boxes),
            facecolors=[color(role) for role in roles],
            edgecolors=color("buffer_edge"),
            linewidths=0.6,
        ),
        autolim=False,
    )
    for kind, hatch in _HATCH.items():
        hatched = [boxes[k] for k, region_kind in enumerate(kinds) if region_kind == kind]
        if hatched:
            place(ax, hatch_over(np.array(_boxes(hatched)), hatch, color("buffer_edge")))
    names, numbers = [], []
    for lo, hi, kind, name in regions:
        # In the region on one line, or on two; else above the bar, where a landing arrow
        # may cross it.
        name, fits = _fitted(name, x(hi) - x(lo))
        # Inside a hatched region, a plate of the region's own colour keeps the hatch off the
        # letters.
        plate = None
        if fits and kind in _HATCH:
            plate = {"facecolor": color(REGION_ROLES[kind]), "edgecolor": "none", "pad": 0.8}
        names.append(
            ax.text(
                (x(lo) + x(hi)) / 2,
                (bar[0] + bar[1]) / 2 if fits else bar[1] + 0.015,
                name,
                ha="center",
                va="center" if fits else "bottom",
                fontsize=FONT_SIZE,
                color=color("text"),
                bbox=plate,
            )
        )
    for edge in sorted(set(edges)):
        numbers.append(
            ax.text(
                x(edge),
                bar[0] - 0.02,
                _bytes(edge),
                ha="center",
                va="top",
                fontsize=FONT_SIZE,
                color=color("text"),
                family=MONO_FONT,
            )
        )
    ax.plot([x(0)] * 2, [bar[0] - 0.01, bar[1] + 0.01], color=color("buffer_edge"), lw=2)
    brackets = [
        _bracket(ax, x(0), x(first), 0.33, f"first_data_offset {first}"),
        _bracket(ax, x(first), x(first + layout.usable_size), 0.25, f"usable {layout.usable_size}"),
    ]

    right = module.address(layout, index) - start
    bug = module.classic_bug(layout, index)
    landings = {
        "formula": {"offset": right, "error": 0},
        "classic_bug": {"offset": bug.read_offset - start, "error": bug.offset_error},
    }
    lo_edge, hi_edge = edges[0], max(edges)
    texts = {
        "formula": f"{module.FORMULA}: buffer + {right}",
        "classic_bug": f"the classic bug: {bug.bug.name} ({_signed(bug.offset_error)} bytes)",
    }
    for land in landings.values():
        offset = land["offset"]
        land["inside"] = lo_edge <= offset <= hi_edge
        land["x"] = x(offset) if land["inside"] else (-0.01 if offset < lo_edge else 1.01)
    # A label runs away from its arrow (right of it, or left of it in the right half); the
    # upper row goes to the arrow the other label runs away from, so no arrow crosses text.
    leftward = all(land["x"] > 0.6 for land in landings.values())
    order = sorted(landings, key=lambda k: landings[k]["x"], reverse=leftward)
    rows = dict(zip(order, (0.86, 0.74), strict=True))
    landing_texts = []
    for key, land in landings.items():
        role = "right_read" if land["error"] == 0 else "wrong_read"
        where = land.pop("x")
        _arrow(ax, (where, rows[key] - 0.03), (where, bar[1] + 0.005), "-|>", role, 1.2)
        label = texts[key] if land["inside"] else f"{texts[key]}: outside this stride"
        left = where > 0.6
        arrows_text = ax.text(
            where - 0.008 if left else where + 0.008,
            rows[key],
            label,
            fontsize=FONT_SIZE,
            color=color(role),
            va="bottom",
            ha="right" if left else "left",
        )
        landing_texts.append(arrows_text)
    ax.set_xlim(-0.03, 1.03)
    # Without source notes the bottom of the axes is not needed.
    ax.set_ylim(0.0 if sources else 0.2, 0.95)
    # At y=1.0, where it goes anyway over axes without ticks: matplotlib then does not lay
    # out the hidden axes' ticks at every draw to find room for it.
    ax.set_title(
        f"{module.TITLE}: buffer {index} (not to scale; offsets from the buffer's start)",
        fontsize=TITLE_SIZE,
        loc="left",
        color=color("text"),
        y=1.0,
    )
    notes = provenance_lines(layout, ("headroom", "first_data_offset", "usable_size"))
    notes.append((bug.bug.label, "classic bug", bug.bug.report or "no public report"))
    if sources:
        _write_notes(ax, notes, y=0.16)
    # Labels by importance: where the reads land, the regions' names, the exact offsets,
    # then the brackets' sizes. A name that collides tries the rows above the bar; an offset
    # the row below; what still collides is dropped (``labels["dropped"]``).
    up = [(0, 9), (0, 18), (0, 27)]
    shifts = {**{t: up for t in names}, **{t: [(0, -9)] for t in numbers}}
    # A bracket's size that would cover an offset goes under its bracket's line.
    shifts.update({t: [(0, -11)] for t in brackets if t is not None})
    labels = keep_apart(ax, [*landing_texts, *names, *numbers, *filter(None, brackets)], shifts)
    ax.vethlab = {
        "stack": layout.stack,
        "index": index,
        "labels": labels,
        "regions": regions,
        "frame_end": frame_end,
        "landings": landings,
        "provenance": notes,
    }
    return ax


#: How much of the anatomy's width (0..1) a character of a region's name takes.
_CHAR_WIDTH = 0.0095
#: The most of the anatomy's width a region is given to hold its name: a longer name goes
#: above the bar.
_NAME_ROOM = 0.13


def _two_lines(name: str) -> str:
    """``name`` broken in two at the space nearest its middle ("data_off" over
    "(headroom)"), or as it is without a space."""
    spaces = [k for k, char in enumerate(name) if char == " "]
    if not spaces:
        return name
    cut = min(spaces, key=lambda k: abs(k - len(name) / 2))
    return name[:cut] + "\n" + name[cut + 1 :]


def _width_of(name: str) -> float:
    """The share of the anatomy's width ``name`` takes (its longest line)."""
    return _CHAR_WIDTH * max(len(line) for line in name.split("\n"))


def _fitted(name: str, width: float) -> tuple[str, bool]:
    """``name`` as it fits a region ``width`` wide (a share of the anatomy's width): on one
    line, or on two; else as it is, with False (it goes above the bar)."""
    for candidate in (name, _two_lines(name)):
        if width >= _width_of(candidate):
            return candidate, True
    return name, False


def _room_for_names(edges: list[int], regions: list[tuple]) -> list[float]:
    """The least share of the width each piece between two ``edges`` gets: 8% (less with
    many pieces), or what its region needs to hold its name on two lines (at most
    ``_NAME_ROOM``, shared by the region's pieces), so that a 2-byte region such as mbuf's
    ETHER_ALIGN still names itself inside the bar, where no landing arrow crosses it."""
    points = sorted(set(edges))
    pieces = list(itertools.pairwise(points))
    least = min(0.08, 0.5 / max(len(pieces), 1))
    room = []
    for start, _end in pieces:
        lo, hi, _kind, name = next(r for r in regions if r[0] <= start < r[1])
        shared_by = sum(1 for a, _ in pieces if lo <= a < hi)
        need = min(_width_of(_two_lines(name)), _NAME_ROOM) / shared_by
        room.append(max(least, need))
    return room


def _bracket(ax, x0: float, x1: float, y: float, text: str):
    """A double arrow from ``x0`` to ``x1`` with ``text`` over it; returns the text (None
    for an empty span)."""
    if x1 <= x0:
        return None
    _arrow(ax, (x1, y), (x0, y), "<->", "text", 0.7)
    return ax.text(
        (x0 + x1) / 2,
        y + 0.01,
        text,
        ha="center",
        va="bottom",
        fontsize=FONT_SIZE,
        color=color("text"),
    )


def _arrow(ax, start, end, style: str, role: str, width: float) -> None:
    """An arrow from ``start`` to ``end`` (data coordinates) in the colour of ``role``.

    It is the arrow ``ax.annotate("", end, xytext=start, arrowprops=...)`` draws (both ends
    2 points short, heads sized for 10-point text, drawn among the labels), without the
    annotation's empty text to lay out and place at every draw."""
    arrow = FancyArrowPatch(
        start,
        end,
        arrowstyle=style,
        color=color(role),
        linewidth=width,
        shrinkA=2,
        shrinkB=2,
        mutation_scale=10,
        zorder=3,  # a text's
    )
    place(ax, arrow)


def _signed(value: int) -> str:
    return f"{'+' if value > 0 else '−' if value < 0 else '±'}{_bytes(abs(value))}"


# -- the classic bug against the formula, buffer by buffer -----------------------------------
def stack_offset_errors(layout: StackLayout, *, count: int = 8) -> dict:
    """What :func:`draw_stack_offset_errors` shows, worked out without drawing: for buffers
    0..count-1 (at most the pool's), ``errors`` (where the classic bug reads minus where the
    stack's formula finds the data), ``correct_offsets`` and ``read_offsets``, ``index``,
    ``stack``, ``off_the_chart`` and the bug's ``provenance``. The picture is drawn from the
    stack and its errors alone: the same errors make the same picture."""
    module = _module(layout)
    n = min(count, layout.buffer_count)
    results = [module.classic_bug(layout, i) for i in range(n)]
    errors = [r.offset_error for r in results]
    bug = module.CLASSIC_BUG
    return {
        "stack": layout.stack,
        "index": list(range(n)),
        "errors": errors,
        "correct_offsets": [r.correct_offset for r in results],
        "read_offsets": [r.read_offset for r in results],
        # An offset taken for a pointer misses by a whole kernel address: such reads are
        # drawn as marks at the bottom edge with the distance written, not on a scale of
        # 2**64 bytes.
        "off_the_chart": any(abs(e) >= 1 << 40 for e in errors),
        "provenance": [(bug.label, "classic bug", bug.report or "no public report")],
    }


def draw_stack_offset_errors(ax, layout: StackLayout, *, count: int = 8, sources: bool = True):
    """For buffers 0..count-1: where the classic bug reads minus where the stack's formula
    finds the data (the offset error), beside the formula's own 0. Returns ``ax``;
    ``ax.vethlab`` holds :func:`stack_offset_errors`: the indices, the errors, the offsets
    and the bug's provenance."""
    _clear(ax)
    ax.spines["left"].set_visible(True)
    module = _module(layout)
    record = stack_offset_errors(layout, count=count)
    n = len(record["index"])
    index = np.arange(n)
    errors = record["errors"]
    huge = record["off_the_chart"]
    ax.axhline(0, color=color("buffer_edge"), lw=0.6, zorder=1)
    # Marks without a line joining them: plot() draws them (and their key) in a fraction of
    # the time scatter() takes. A marker size is in points across.
    ax.plot(
        index,
        [0] * n,
        linestyle="none",
        marker="o",
        markersize=5.5,
        markerfacecolor="none",
        markeredgecolor=color("right_read"),
        label=f"{module.FORMULA} (right)",
        zorder=3,
    )
    shown = [-1.0 if huge else float(e) for e in errors]
    ax.plot(
        index,
        shown,
        linestyle="none",
        marker="v" if huge else "s",
        markersize=4.7,
        color=color("wrong_read"),
        label=f"classic bug: {module.CLASSIC_BUG.name}",
        zorder=4,
    )
    if huge:
        ax.set_ylim(-1.3, 0.4)
        ax.set_yticks([0])
        ax.text(
            0.0,
            -0.75,
            f"▼ off the chart: buffer 0 read {_signed(errors[0])} bytes from its data",
            fontsize=FONT_SIZE,
            color=color("wrong_read"),
        )
    else:
        ax.yaxis.set_major_locator(MaxNLocator(6, integer=True))
        low, high = min(*shown, 0.0), max(*shown, 0.0)
        span = (high - low) or 1.0
        ax.set_ylim(low - span * 0.15, high + span * 0.15)
    ax.yaxis.set_major_formatter(FuncFormatter(_bytes))
    ax.set_xticks(index)
    style_axes(ax, length=2, pad=1)
    ax.set_xlabel("buffer index i", fontsize=FONT_SIZE, color=color("text"))
    ax.set_ylabel("read − data (bytes)", fontsize=FONT_SIZE, color=color("text"))
    ax.legend(
        labelcolor=color("text"),
        fontsize=FONT_SIZE,
        frameon=False,
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        bbox_transform=offset_copy(ax.transAxes, fig=ax.figure, y=-24, units="points"),
        borderaxespad=0.0,
        handletextpad=0.3,
    )
    last = errors[-1] if errors else 0
    # At y=1.0, where it goes anyway (no tick labels on top, no offset on the y axis to make
    # room for): matplotlib then does not measure every y tick label at each draw to check.
    ax.set_title(
        f"{layout.stack}: buffer {n - 1} read {_signed(last)} bytes from its data",
        fontsize=TITLE_SIZE,
        loc="left",
        color=color("text"),
        y=1.0,
    )
    if sources:
        _write_notes(ax, record["provenance"], below_points=56)
    ax.vethlab = record
    return ax
