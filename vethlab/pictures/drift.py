r"""The drift: where the code thinks each buffer starts, against where it is.

``draw_drift(ax, layout)`` draws the first buffers of a segment on one strip, to scale, with
two rulers::

    the code: i × requested    0        1600       3200       4800        (the packets' offsets)
                               |          |          |          |
                               v          v    -448  v   -896   v  -1344   read arrows
    the buffers               [buffer 0   ][buffer 1     ][buffer 2     ][buffer 3     ]
    where they are: i × real   0           2048           4096           6144

Each read arrow starts at the offset the packet reports (``segment_offset(i,
reported_stride=True)``, the question's quirk: reported) and lands that far into the strip,
where buffer i is not: the gap to the buffer's real start (``buffer_offset(i)``, XNU's size
rule: source) grows by ``real − requested`` bytes per buffer, 448 for 1600 → 2048. Every number
comes from the layout (:mod:`vethlab.model.layout`); nothing is worked out here but positions.

The arrows are ``wrong_read`` (the gap is not 0) or ``right_read`` (it is: the requested size
was the real one). ``ax.vethlab`` records the buffers, both rulers, the gaps and the labels
that gave way.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection

from vethlab.pictures.labels import keep_apart
from vethlab.pictures.style import COLORS, FONT_SIZE, MONO_FONT, READ_MARKERS, TITLE_SIZE

__all__ = ["draw_drift", "drift_numbers"]

# Heights, in the picture's own units (the axes run 0..1 upwards).
_CODE_RULER = 0.80  # the ruler of where the code thinks buffers start
_STRIP = (0.38, 0.56)  # the buffers
_REAL_RULER = 0.18  # the ruler of where they are


def drift_numbers(layout, buffers: int = 5) -> dict:
    """The numbers the picture shows, from ``layout``: for the first ``buffers`` buffers of
    segment 0, the offset each packet reports with the requested stride, the buffer's real
    offset, and the gap between them (reported − real)."""
    count = max(1, min(buffers, layout.buffers_per_segment, layout.buffer_count))
    thinks = [layout.segment_offset(i, reported_stride=True) for i in range(count)]
    real = [layout.segment_offset(i) for i in range(count)]
    return {
        "requested": layout.requested_buffer_size,
        "real": layout.buffer_size,
        "per_buffer": layout.stride_error,
        "thinks": thinks,
        "is": real,
        "gaps": [t - r for t, r in zip(thinks, real)],
    }


def draw_drift(ax, layout, *, buffers: int = 5, title: str | None = None):
    """Draw the drift of the first ``buffers`` buffers of ``layout`` (a
    :class:`~vethlab.model.layout.PoolLayout`, or a pool: its ``.layout``). Returns ``ax``."""
    layout = getattr(layout, "layout", layout)
    numbers = drift_numbers(layout, buffers)
    count = len(numbers["is"])
    real, requested = numbers["real"], numbers["requested"]
    thinks = np.array(numbers["thinks"], dtype=float)
    starts = np.array(numbers["is"], dtype=float)
    width = max(count * real, thinks[-1] + requested)
    ax.set_xlim(-0.02 * width, width * 1.02)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    text = dict(fontsize=FONT_SIZE, color=COLORS["text"])
    mono = dict(text, family=MONO_FONT)

    # the strip: the buffers where they are
    lo, hi = _STRIP
    ax.add_collection(
        PolyCollection(
            [[(s, lo), (s + real, lo), (s + real, hi), (s, hi)] for s in starts],
            facecolors=COLORS["zero"],
            edgecolors=COLORS["boundary"],
            linewidths=1.0,
        )
    )
    for i, s in enumerate(starts):
        ax.text(s + real / 2, (lo + hi) / 2, f"buffer {i}", ha="center", va="center", **text)

    # the two rulers: ticks and their numbers
    def ruler(y, xs, up, words, colour):
        ax.add_collection(
            LineCollection(
                [[(0, y), (width, y)]] + [[(x, y - 0.025), (x, y + 0.025)] for x in xs],
                colors=colour,
                linewidths=0.8,
            )
        )
        labels = [
            ax.text(
                x,
                y + (0.04 if up else -0.04),
                f"{x:,.0f}",
                ha="center",
                va="bottom" if up else "top",
                **mono,
            )
            for x in xs
        ]
        ax.text(
            0, y + (0.12 if up else -0.12), words, ha="left", va="bottom" if up else "top", **text
        )
        return labels

    code_labels = ruler(
        _CODE_RULER,
        thinks,
        True,
        f"where the code thinks buffer i starts: i × {requested} (requested)",
        COLORS["text"],
    )
    real_labels = ruler(
        _REAL_RULER,
        starts,
        False,
        f"where buffer i is: i × {real} (real)",
        COLORS["text"],
    )

    # read arrows: from the code's ruler down into the strip, at the offset the code uses;
    # one line collection and one marker per kind of read (a few artists, however many buffers)
    gaps = np.array(numbers["gaps"])
    roles = np.where(gaps == 0, "right_read", "wrong_read")
    ax.add_collection(
        LineCollection(
            [[(t, _CODE_RULER - 0.03), (t, hi + 0.02)] for t in thinks],
            colors=[COLORS[r] for r in roles],
            linewidths=1.3,
        )
    )
    for role in ("right_read", "wrong_read"):
        pick = roles == role
        if pick.any():
            ax.plot(
                thinks[pick],
                np.full(int(pick.sum()), hi + 0.02),
                marker=READ_MARKERS[role],
                color=COLORS[role],
                markersize=6,
                linestyle="none",
            )
    # the gaps: from where buffer i really starts to where its read lands, with end ticks;
    # gaps longer than a buffer would overlap their neighbours, so they take turns on two rows
    drift = np.flatnonzero(gaps != 0)
    rows = (drift % 2) * 0.075 if (np.abs(gaps) > real).any() else np.zeros(len(drift))
    ys = lo - 0.05 - rows
    segments = []
    for k, y in zip(drift, ys):
        segments += [
            [(starts[k], y), (thinks[k], y)],
            [(starts[k], y - 0.02), (starts[k], y + 0.02)],
            [(thinks[k], y - 0.02), (thinks[k], y + 0.02)],
        ]
    ax.add_collection(LineCollection(segments, colors=COLORS["wrong_read"], linewidths=0.9))
    gap_labels = [
        ax.text(
            (starts[k] + thinks[k]) / 2,
            y - 0.025,
            f"{gaps[k]:+,d}".replace("-", "−"),
            ha="center",
            va="top",
            **dict(mono, color=COLORS["wrong_read"]),
        )
        for k, y in zip(drift, ys)
    ]
    gave_way = keep_apart(
        ax,
        [*gap_labels, *code_labels, *real_labels],
        {t: [(0, -FONT_SIZE)] for t in gap_labels},
    )
    if title is None:
        per = numbers["per_buffer"]
        title = (
            f"bufferSize {requested} became {real}: each buffer drifts {per:,d} bytes further "
            "from where the code looks"
            if per
            else f"bufferSize {requested} is the real size: the code looks where each buffer is"
        )
    ax.set_title(title, fontsize=TITLE_SIZE, loc="left", color=COLORS["text"])
    ax.vethlab = {**numbers, "buffers": count, "labels_dropped": gave_way["dropped"]}
    return ax
