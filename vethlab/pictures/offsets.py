"""Where each way of finding a frame read, against where the frame is: the offset errors.

``draw_offset_errors(ax, results)`` plots, for every packet, the error in bytes of one or more
methods: the pool offset the method's address shows minus the pool offset of the frame's first
byte (``Reading.offset_error``, worked out by ``vethlab.question``; nothing is recomputed here).
A method that is right everywhere is a flat line at 0; the question's first attempt falls by
``real − requested`` bytes per slot, starting at ``−dataOffset``.

``show="offsets"`` draws the two positions instead: where the frame is and where the method
read, joined by a line whose length is the error.

Each dot says what its read did, by colour and by shape (``style.READ_MARKERS``): a green
circle at the frame, a purple square at the first byte of the packet's own buffer with the frame
later (the slots line up, the headroom or data offset was not added), a vermillion cross
anywhere else. The axes are named inside the picture, and the error axis spans at least ±8
bytes, so a plot of zeros still has a scale.

When every error of a method lies on one straight line, the line is fitted from the readings
and written in the key (``error = −448 × i − 8``): a property of the data, not a formula
typed in here. A pool of more than one segment gets a dotted line where each new segment starts
(the "segment offset is not a pool offset" trap).
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from vethlab.pictures.legend import add_provenance_notes
from vethlab.pictures.memory_map import read_role
from vethlab.pictures.style import (
    COLORS,
    FONT_SIZE,
    READ_MARKERS,
    TITLE_SIZE,
    style_axes,
)

__all__ = ["draw_offset_errors", "series_of", "exact_line", "MIN_ERROR_SPAN"]

_SIZES = (30, 20, 12, 8, 6)  # the first method's dots biggest, so later ones show on top
#: The minimum half-height of the error plot, in bytes: an all-zero plot still has a scale.
MIN_ERROR_SPAN = 8
_LABEL_BAND = 0.16  # share of the height kept free at the top and bottom for the axis names
_KIND_LABELS = {
    "right_read": "read at the frame",
    "early_read": "slot right, early by the data offset",
    "wrong_read": "read somewhere else",
}


def series_of(results) -> dict[str, tuple[list, object]]:
    """Normalise what ``draw_offset_errors`` accepts into ``{name: (readings, pool or None)}``.

    Accepted: a ``QuestionReport`` (all its methods), a ``MethodResult``, a dict of either
    ``MethodResult`` or reading lists, or one list of ``Reading``."""
    if hasattr(results, "methods") and isinstance(results.methods, dict):
        results = results.methods
    if hasattr(results, "readings") and hasattr(results, "spec"):
        return {results.spec.title: (list(results.readings), results.pool)}
    if isinstance(results, dict):
        out = {}
        for name, value in results.items():
            if hasattr(value, "readings"):
                title = value.spec.title if hasattr(value, "spec") else str(name)
                out[title] = (list(value.readings), getattr(value, "pool", None))
            else:
                out[str(name)] = (list(value), None)
        return out
    return {"reads": (list(results), None)}


def exact_line(x: np.ndarray, y: np.ndarray) -> tuple[int, int] | None:
    """``(slope, intercept)`` when every ``y`` is exactly ``slope·x + intercept`` (integers),
    else None. Fitted from the first two distinct points, then checked on all."""
    if len(x) < 2:
        return None
    j = np.flatnonzero(x != x[0])
    if not len(j):
        return None
    j = j[0]
    dy, dx = int(y[j] - y[0]), int(x[j] - x[0])
    if dy % dx:
        return None
    slope = dy // dx
    intercept = int(y[0] - slope * x[0])
    if np.all(y == slope * x + intercept):
        return slope, intercept
    return None


def _line_text(slope: int, intercept: int) -> str:
    if slope == 0:
        return (
            f"error = {'−' if intercept < 0 else '+'}{abs(intercept)}" if intercept else "error = 0"
        )
    text = f"error = {'−' if slope < 0 else ''}{abs(slope)} × i"
    if intercept:
        text += f" {'−' if intercept < 0 else '+'} {abs(intercept)}"
    return text


def _thousands(value, _pos=None) -> str:
    text = f"{round(value):,d}"
    return "0" if text == "0" else text.replace("-", "−")


def _set_limits(ax, record: dict, show: str) -> None:
    """Limits from the data, so a reused axes never keeps the last picture's range; errors
    span at least ±MIN_ERROR_SPAN bytes, and a band at the top and bottom stays free for the
    axis names written inside the axes."""
    xs = [i for s in record["series"].values() for i in s["packets"]]
    if show == "error":
        ys = [e for s in record["series"].values() for e in s["errors"] if e is not None] + [0]
        ys += [-MIN_ERROR_SPAN, MIN_ERROR_SPAN]
    else:
        ys = [0] + [v for v in record.get("_offsets", [])]
    if not xs:
        xs = [0]
    x0, x1 = min(xs), max(xs)
    pad = max(0.5, (x1 - x0) * 0.03)
    ax.set_xlim(x0 - pad, x1 + pad)
    y0, y1 = min(ys), max(ys)
    span = (y1 - y0) or 1
    free = span * _LABEL_BAND / (1 - 2 * _LABEL_BAND)
    ax.set_ylim(y0 - free, y1 + free)


def _name_axes(ax, y_name: str, x_name: str) -> None:
    """The axes' names inside the picture: the y name at the top left, the x name at the
    bottom right, each in the band _set_limits keeps free of data."""
    ax.text(
        0.01,
        0.985,
        y_name,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=FONT_SIZE,
        color=COLORS["text"],
    )
    ax.text(
        0.99,
        0.015,
        x_name,
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=FONT_SIZE,
        color=COLORS["text"],
    )


def draw_offset_errors(
    ax,
    results,
    *,
    show: str = "error",
    title: str | None = None,
    annotate: bool = True,
    rules=(),
    legend: bool = True,
    pool=None,
):
    """Plot every packet's offset error (``show="error"``) or its read and frame offsets
    (``show="offsets"``) for one or more methods; see the module docstring for ``results``.

    Each dot is coloured and shaped by what the read did (style's ``READ_MARKERS``): at the
    frame (``right_read``), at its own buffer's first byte with the frame later
    (``early_read``), or anywhere else (``wrong_read``). Several methods differ by dot size and
    fill (the first filled). ``rules`` are ``(provenance label, text)`` pairs stated under the
    axes. ``pool`` (by default the pool of the first method result given) marks where its
    segments start. Returns ``ax``; ``ax.vethlab["series"][name]`` holds each method's
    packets, errors, wrong, early and unreadable packets and the exact line, if any.
    """
    if show not in ("error", "offsets"):
        raise ValueError(f"show={show!r} is not understood; allowed: 'error', 'offsets'")
    series = series_of(results)
    record = {"show": show, "series": {}}
    if pool is None:
        pool = next((p for _, p in series.values() if p is not None), None)
    many = len(series) > 1
    biggest = 0
    kinds_drawn: set[str] = set()
    series_handles = []
    for k, (name, (readings, own_pool)) in enumerate(series.items()):
        layout = (own_pool or pool).layout if (own_pool or pool) is not None else None
        index = np.array([r.index for r in readings], dtype=np.int64)
        inside = np.array([r.offset_error is not None for r in readings], dtype=bool)
        error = np.array(
            [r.offset_error if r.offset_error is not None else 0 for r in readings], dtype=np.int64
        )
        roles = np.array([read_role(r, layout) for r in readings], dtype=object)
        frame = np.array([r.frame_offset for r in readings], dtype=np.int64)
        size = _SIZES[min(k, len(_SIZES) - 1)] if many else 22
        if len(index) > 512:
            size = 6
        filled = k == 0 or not many
        line = exact_line(index[inside], error[inside]) if inside.any() else None
        label = name + (f"  ({_line_text(*line)})" if line and annotate else "")
        series_handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=np.sqrt(size),
                markerfacecolor=COLORS["text"] if filled else "none",
                markeredgecolor=COLORS["text"],
                label=label,
            )
        )
        y = error if show == "error" else frame + error
        if show == "offsets":
            ax.scatter(
                index,
                frame,
                s=size * 3,
                marker="_",
                color=COLORS["link_header"],
                linewidths=2,
                zorder=2,
            )
            record.setdefault("_offsets", []).extend(
                [int(v) for v in frame] + [int(v) for v in y[inside]]
            )
            segs = np.stack([np.stack([index, frame], -1), np.stack([index, y], -1)], axis=1)
            ax.add_collection(
                LineCollection(
                    segs[inside],
                    colors=[COLORS[r] for r in roles[inside]],
                    linewidths=0.8,
                    alpha=0.7,
                )
            )
        for role, marker in READ_MARKERS.items():
            pick = inside & (roles == role)
            if not pick.any():
                continue
            kinds_drawn.add(role)
            ax.scatter(
                index[pick],
                y[pick],
                s=size,
                marker=marker,
                facecolors=COLORS[role] if filled else "none",
                edgecolors=COLORS[role],
                linewidths=1.0,
                zorder=3 + k,
            )
        if show == "error":
            if line is not None and line[0] != 0 and inside.sum() > 1:
                xs = np.array([index[inside].min(), index[inside].max()])
                ax.plot(xs, line[0] * xs + line[1], color=COLORS["muted_text"], lw=0.8, zorder=2)
            if inside.any():
                biggest = max(biggest, int(np.abs(error[inside]).max()))
        if (~inside).any():
            kinds_drawn.add("wrong_read")
            ax.scatter(
                index[~inside],
                np.zeros(int((~inside).sum())),
                marker="x",
                color=COLORS["wrong_read"],
                s=size,
                zorder=6,
            )
        record["series"][name] = {
            "packets": [int(i) for i in index],
            "errors": [int(e) if ok else None for e, ok in zip(error, inside)],
            "wrong": [int(i) for i in index[roles != "right_read"]],
            "early": [int(i) for i in index[roles == "early_read"]],
            "roles": [str(r) for r in roles],
            "outside_pool": [int(i) for i in index[~inside]],
            "line": line,
        }

    if pool is not None and pool.layout.segment_count > 1:
        lay = pool.layout
        starts = [
            lay.buffers_per_segment * s
            for s in range(1, lay.segment_count)
            if lay.buffers_per_segment * s < lay.packet_count
        ]
        if len(starts) <= 64:
            for s in starts:
                ax.axvline(s - 0.5, color=COLORS["segment_boundary"], lw=0.8, ls=":")
        record["segment_starts"] = starts
    _set_limits(ax, record, show)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, symmetric=show == "error"))
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_xlabel("")
    ax.set_ylabel("")
    if show == "error":
        ax.axhline(0, color=COLORS["muted_text"], lw=0.6, zorder=1)
        _name_axes(ax, "offset error: read − frame (bytes)", "packet index i →")
    else:
        _name_axes(ax, "pool offset (bytes); dash: where the frame is", "packet index i →")
    style_axes(ax, length=2, pad=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if legend:
        kind_handles = [
            Line2D(
                [],
                [],
                linestyle="none",
                marker=READ_MARKERS[role],
                markerfacecolor=COLORS[role],
                markeredgecolor=COLORS[role],
                label=_KIND_LABELS[role],
            )
            for role in READ_MARKERS
            if role in kinds_drawn
        ]
        handles = (series_handles if many or annotate else []) + kind_handles
        ax.legend(
            labelcolor=COLORS["text"],
            handles=handles,
            fontsize=FONT_SIZE,
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            borderaxespad=0.0,
        )
    wrong = sum(len(s["wrong"]) for s in record["series"].values())
    total = sum(len(s["packets"]) for s in record["series"].values())
    if title is None:
        title = (
            f"offset error per packet: {total - wrong} of {total} reads at the frame"
            if show == "error"
            else "where each method read, against where the frame is"
        )
    ax.set_title(title, fontsize=TITLE_SIZE, loc="left", color=COLORS["text"])
    record["largest_error"] = biggest
    record["kinds"] = sorted(kinds_drawn)
    record.pop("_offsets", None)
    if rules:
        record["provenance"] = add_provenance_notes(ax, rules)
    ax.vethlab = record
    return ax
