r"""The memory map of a dump, drawn from what :func:`vethlab.inspect` found (nothing else).

One row per buffer found, top to bottom in dump order, the byte offset inside the buffer
across, in the colours of :mod:`vethlab.pictures.memory_map`::

    buffer  dump offset   0 .. data offset .. frame end ................. buffer size
       0    0x0           [before][link hdr| frame   ][stale bytes ][zero         ]
       1    0x800         [before][link hdr| frame          ][zero                 ]
    ═══ a segment ends (its unused bytes broke the stride) ═══
             ▬▬▬ a band under a row: where a read landed (green at its frame, red elsewhere)

Stale bytes are the non-zero bytes of a buffer outside its current frame; a stale frame (one
the scan judged a leftover) is outlined. What was drawn is kept in ``ax.vethlab``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.patches import Patch

from vethlab.pictures.memory_map import KIND_COLORS, KIND_LABELS
from vethlab.pictures.style import COLORS, FONT_SIZE, MONO_FONT

__all__ = ["draw_inspection", "save_png", "DEFAULT_ROWS"]

DEFAULT_ROWS = 64  #: buffers drawn at most, from the first (the rest are counted in the title)
_GAP = 16  # zero bytes that split two runs of stale bytes


def _rects(x0, x1, y0, y1) -> list:
    x0, x1, y0, y1 = np.broadcast_arrays(*(np.asarray(v, float) for v in (x0, x1, y0, y1)))
    return [
        np.array([[a, c], [b, c], [b, d], [a, d]])
        for a, b, c, d in zip(x0.ravel(), x1.ravel(), y0.ravel(), y1.ravel(), strict=True)
    ]


def _runs(mask: np.ndarray, gap: int = _GAP) -> list[tuple[int, int]]:
    """[start, end) runs of True in ``mask``, runs closer than ``gap`` merged."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return []
    cut = np.flatnonzero(np.diff(idx) > gap)
    starts = [idx[0], *idx[cut + 1]]
    ends = [*(idx[cut] + 1), idx[-1] + 1]
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def draw_inspection(
    ax, result, *, max_rows: int = DEFAULT_ROWS, legend: bool = True, title: str | None = None
):
    """Draw ``result`` (an :class:`~vethlab.inspection.Inspection`) on ``ax``: its first
    ``max_rows`` buffers, their frames, stale bytes, segment ends and the reads. Returns ``ax``.
    A result with no answer draws its reasons instead of a map."""
    record = {"rows": 0, "rects": 0, "reads": 0, "segment_lines": [], "stale_runs": 0}
    ax.vethlab = record
    if not result.answered:
        ax.axis("off")
        ax.text(
            0,
            1,
            "no answer:\n" + "\n".join(f"- {r}" for r in result.reasons),
            va="top",
            ha="left",
            fontsize=FONT_SIZE,
            transform=ax.transAxes,
            wrap=True,
        )
        return ax
    size = result.buffer_size
    starts = result.layout.buffer_starts
    segment = result.layout.buffer_segment
    rows = min(len(starts), max_rows)
    record["rows"] = rows
    data = result.data
    found = result.found
    fb = result.layout.frame_buffer
    cur = np.flatnonzero(~found.stale & (fb >= 0) & (fb < rows))
    frame_of = {int(fb[i]): i for i in cur}
    rects, colors, kinds_seen = [], [], set()

    def add(x0, x1, row, kind):
        if x1 > x0:
            rects.extend(_rects(x0, x1, row + 0.08, row + 0.92))
            colors.append(KIND_COLORS[kind])
            kinds_seen.add(kind)

    for row in range(rows):
        base = int(starts[row])
        add(0, size, row, "zero")
        i = frame_of.get(row)
        lo = hi = 0
        if i is not None:
            lo = int(found.offset[i]) - base
            hi = min(size, lo + int(found.length[i]))
            add(0, lo, row, "headroom")
            add(lo, min(hi, lo + 14), row, "link_header")
            add(min(hi, lo + 14), hi, row, "frame")
        if data is not None:
            nz = data[base : base + size] != 0
            nz[lo:hi] = False
            for a, b in _runs(nz):
                add(a, b, row, "stale")
                record["stale_runs"] += 1
    ax.add_collection(
        PolyCollection(rects, facecolors=colors, edgecolors="none", antialiased=False)
    )
    edges = _rects(0, size, np.arange(rows) + 0.08, np.arange(rows) + 0.92)
    ax.add_collection(
        PolyCollection(edges, facecolors="none", linewidths=0.5, edgecolors=COLORS["buffer_edge"])
    )
    record["rects"] = len(rects) + len(edges)
    # Stale frames the scan found: outlined where they sit.
    stale = np.flatnonzero(found.stale & (fb >= 0) & (fb < rows))
    if len(stale):
        x0 = found.offset[stale] - starts[fb[stale]]
        x1 = np.minimum(x0 + found.length[stale], size)
        ax.add_collection(
            PolyCollection(
                _rects(x0, x1, fb[stale] + 0.2, fb[stale] + 0.8),
                facecolors="none",
                edgecolors=COLORS["stale"],
                linewidths=1.2,
                linestyles="--",
            )
        )
        record["rects"] += len(stale)
    record["stale_frames"] = len(stale)
    # Segment ends: a thick line between rows of two segments.
    for row in np.flatnonzero(np.diff(segment[:rows]) != 0) + 1:
        ax.axhline(row, color=COLORS["segment_boundary"], lw=2.0)
        record["segment_lines"].append(int(row))
    # Reads: a band under the row where each landed, as long as the packet's frame.
    wrong_rows, right_rows = set(), set()
    for r in result.reads or []:
        b = r.get("buffer")
        if b is None or b >= rows:
            continue
        x0 = r["offset"] - int(starts[b])
        target = frame_of.get(r["packet"])
        length = int(found.length[target]) if target is not None else 60
        right = r["verdict"] == "right"
        ax.add_collection(
            PolyCollection(
                _rects(x0, min(size, x0 + length), b + 0.62, b + 0.92),
                facecolors=COLORS["right_read" if right else "wrong_read"],
                edgecolors="none",
                alpha=0.85,
            )
        )
        record["reads"] += 1
        if r["packet"] < rows:
            (right_rows if right else wrong_rows).add(r["packet"])
    status_x0, status_x1 = size * 1.02, size * 1.05
    for row in right_rows - wrong_rows:
        ax.add_collection(
            PolyCollection(
                _rects(status_x0, status_x1, row + 0.08, row + 0.92),
                facecolors=COLORS["right_read"],
                edgecolors="none",
            )
        )
    for row in wrong_rows:
        ax.add_collection(
            PolyCollection(
                _rects(status_x0, status_x1, row + 0.08, row + 0.92),
                facecolors=COLORS["wrong_read"],
                edgecolors="none",
            )
        )
    record["error_rows"] = sorted(wrong_rows)
    # Axes.
    ax.set_xlim(0, size * 1.06)
    ax.set_ylim(rows, 0)
    step = max(1, rows // 32)
    ticks = np.arange(0, rows, step)
    ax.set_yticks(ticks + 0.5)
    ax.set_yticklabels(
        [f"{t}  {int(starts[t]):#x}" for t in ticks], fontsize=FONT_SIZE - 1, family=MONO_FONT
    )
    xt = [0, size]
    if result.headroom and result.headroom > size * 0.04:  # closer, its label covers 0's
        xt.insert(1, result.headroom)
    ax.set_xticks(xt)
    ax.set_xticklabels([str(x) for x in xt], fontsize=FONT_SIZE)
    ax.set_xlabel(
        "byte offset inside the buffer (buffers and offsets as found in the dump)",
        fontsize=FONT_SIZE,
    )
    ax.tick_params(axis="both", length=2, pad=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title is None:
        title = (
            f"found: {len(starts)} buffers of {size} bytes, headroom {result.headroom}, "
            f"confidence {result.confidence:.2f}"
        )
        if rows < len(starts):
            title += f" (the first {rows} drawn)"
    ax.set_title(title, fontsize=FONT_SIZE + 1, loc="left")
    if legend:
        handles = [
            Patch(
                facecolor=KIND_COLORS[k],
                edgecolor=COLORS["buffer_edge"],
                linewidth=0.4,
                label=KIND_LABELS[k],
            )
            for k in ("link_header", "frame", "stale", "headroom", "zero")
            if k in kinds_seen
        ]
        if record["stale_frames"]:
            handles.append(
                Patch(
                    facecolor="none",
                    edgecolor=COLORS["stale"],
                    linestyle="--",
                    label="a stale frame",
                )
            )
        if record["segment_lines"]:
            handles.append(Patch(facecolor=COLORS["segment_boundary"], label="a segment ends"))
        if record["reads"]:
            handles += [
                Patch(facecolor=COLORS["right_read"], label="read at the frame"),
                Patch(facecolor=COLORS["wrong_read"], label="read somewhere else"),
            ]
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=FONT_SIZE - 1,
            frameon=False,
            borderaxespad=0.0,
            handlelength=1.2,
        )
    return ax


def save_png(result, path, *, max_rows: int = DEFAULT_ROWS, dpi: int = 120) -> str:
    """Draw ``result`` into a PNG file at ``path`` (a figure sized to its rows)."""
    from matplotlib.figure import Figure

    rows = min(len(result.layout.buffer_starts), max_rows) if result.answered else 6
    fig = Figure(figsize=(10, 1.2 + 0.16 * max(rows, 6)))
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=0.14, right=0.78, top=0.94 - 0.2 / max(rows, 6), bottom=0.08)
    draw_inspection(ax, result, max_rows=max_rows)
    fig.savefig(path, dpi=dpi)
    return str(path)
