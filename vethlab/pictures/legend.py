"""Where each rule comes from: the provenance badges every vethlab figure carries.

vethlab labels every behaviour it simulates with one of five labels (documented, source,
observed, reported, modelled), defined once in :mod:`vethlab.model.provenance`.

A figure that shows a rule (a buffer size rounded up, an offset with the wrong stride, segments
laid end to end) states the rule under the axes behind an outlined text badge, through
:func:`add_provenance_notes`::

    [documented] CreateMapping / Map give a descriptor an address in one task
    [modelled  ] segments end to end in one descriptor

The badge is text with an outline in the ``provenance`` role's colour, never a coloured fill:
fills are for data, and a badge must not look like a kind of byte. :func:`draw_provenance_key`
draws the key to the five labels.
"""

from __future__ import annotations

from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D

from vethlab.model.provenance import check_label
from vethlab.pictures.style import (
    COLORS,
    FONT_SIZE,
    MONO_FONT,
    PROVENANCE,
    PROVENANCE_MEANING,
    READ_MARKERS,
    TITLE_SIZE,
    provenance_linestyle,
)

__all__ = [
    "add_provenance_notes",
    "draw_colour_key",
    "draw_provenance_key",
    "draw_badge",
    "provenance_handles",
    "check_label",
    "BADGE_WIDTH_POINTS",
]

_BADGE_CHARS = max(len(label) for label in PROVENANCE)
#: Width of a badge in points: every badge is as wide as the longest label (monospaced).
BADGE_WIDTH_POINTS = _BADGE_CHARS * 0.61 * FONT_SIZE + 4
_LINE_POINTS = FONT_SIZE * 1.75  # one note per line


def _badge_style() -> dict:
    return dict(
        fontsize=FONT_SIZE,
        family=MONO_FONT,
        color=COLORS["provenance"],
        bbox=dict(
            boxstyle="round,pad=0.2",
            facecolor=COLORS["background"],
            edgecolor=COLORS["provenance"],
            linewidth=0.8,
        ),
    )


def draw_badge(ax, x, y, label: str, *, transform=None, **kwargs):
    """One outlined badge with ``label`` (a provenance label) at ``(x, y)``; returns the text."""
    check_label(label)
    style = _badge_style() | kwargs
    return ax.text(x, y, f"{label:<{_BADGE_CHARS}}", transform=transform or ax.transData, **style)


def provenance_handles(labels=PROVENANCE) -> list[Line2D]:
    """One legend line per label, in the ``queue_line`` colour with the label's line style."""
    return [
        Line2D(
            [],
            [],
            color=COLORS["queue_line"],
            linestyle=provenance_linestyle(check_label(lab)),
            linewidth=1.2,
            label=lab,
        )
        for lab in labels
    ]


def add_provenance_notes(ax, rules, *, below_points: float = 30.0) -> list[tuple[str, str]]:
    """State ``rules`` (``(label, text)`` pairs) under ``ax``, one a line: an outlined badge
    with the label, then the rule, ``below_points`` points under the axes (below the x label).

    Returns the rules as drawn (also in ``ax.vethlab_provenance``)."""
    rules = [(check_label(label), str(text)) for label, text in rules]
    ax.vethlab_provenance = rules
    for k, (label, text) in enumerate(rules):
        y = -below_points - k * _LINE_POINTS
        common = dict(
            xy=(0, 0),
            xycoords="axes fraction",
            textcoords="offset points",
            va="top",
            ha="left",
            annotation_clip=False,
        )
        ax.annotate(f"{label:<{_BADGE_CHARS}}", xytext=(2, y), **common, **_badge_style())
        ax.annotate(
            text,
            xytext=(BADGE_WIDTH_POINTS + 6, y),
            fontsize=FONT_SIZE,
            color=COLORS["text"],
            **common,
        )
    return rules


def draw_provenance_key(ax, labels=PROVENANCE):
    """The key to the five labels: each label's badge and what it means.

    Returns ``ax``; ``ax.vethlab`` is ``{"labels": [...]}``."""
    labels = [check_label(lab) for lab in labels]
    ax.set_xlim(0, 10)
    ax.set_ylim(len(labels), 0)
    ax.set_axis_off()
    for row, label in enumerate(labels):
        y = row + 0.5
        draw_badge(ax, 0.1, y, label, va="center")
        ax.text(
            2.0,
            y,
            PROVENANCE_MEANING[label],
            va="center",
            fontsize=FONT_SIZE + 1,
            color=COLORS["text"],
        )
    ax.set_title(
        "where each rule comes from", fontsize=TITLE_SIZE, loc="left", color=COLORS["text"]
    )
    ax.vethlab = {"labels": labels}
    return ax


#: What the colour key shows, column by column: (role, words). Reads get their marker too.
COLOUR_KEY = (
    (
        "bytes of a buffer",
        (
            ("headroom", "before the frame (headroom, data offset)"),
            ("link_header", "frame: link header"),
            ("network_header", "frame: network header"),
            ("transport_header", "frame: transport header"),
            ("frame", "frame: payload"),
            ("stale", "stale bytes of an earlier frame"),
            ("tailroom", "after the frame (tailroom)"),
            ("zero", "never written"),
            ("unused", "no buffer's (hatched)"),
        ),
    ),
    (
        "reads",
        (
            ("right_read", "right: at the frame"),
            ("early_read", "early: right buffer, frame later"),
            ("wrong_read", "wrong: somewhere else (hatched)"),
        ),
    ),
)


def draw_colour_key(ax):
    """The colour language once, as a key: each role of the bytes of a buffer and of reads
    with its colour (reads with their marker too), and a provenance badge. Returns ``ax``;
    ``ax.vethlab`` is ``{"roles": [...]}`` in the order drawn."""
    ax.set_xlim(0, 10)
    rows = max(len(entries) for _, entries in COLOUR_KEY)
    ax.set_ylim(rows + 0.6, -1.0)
    ax.set_axis_off()
    cells, fills, hatched, roles = [], [], [], []
    for column, (heading, entries) in enumerate(COLOUR_KEY):
        x = column * 5.2
        ax.text(x, -0.5, heading, fontsize=FONT_SIZE + 1, weight="bold", color=COLORS["text"])
        for row, (role, words) in enumerate(entries):
            y = row + 0.5
            cells.append([(x, y - 0.35), (x + 0.5, y - 0.35), (x + 0.5, y + 0.35), (x, y + 0.35)])
            fills.append(COLORS[role])
            hatched.append(role in ("unused", "wrong_read"))
            roles.append(role)
            if role in READ_MARKERS:
                ax.plot(
                    [x + 0.8],
                    [y],
                    marker=READ_MARKERS[role],
                    color=COLORS[role],
                    markersize=6,
                    linestyle="none",
                )
            ax.text(
                x + (1.1 if role in READ_MARKERS else 0.7),
                y,
                words,
                va="center",
                fontsize=FONT_SIZE,
                color=COLORS["text"],
            )
    ax.add_collection(
        PolyCollection(cells, facecolors=fills, edgecolors=COLORS["boundary"], linewidths=0.5)
    )
    ax.add_collection(
        PolyCollection(
            [c for c, h in zip(cells, hatched) if h],
            facecolors="none",
            edgecolors=COLORS["background"],
            hatch="////",
            linewidths=0.0,
        )
    )
    y = len(COLOUR_KEY[1][1]) + 1.0
    ax.text(
        5.2,
        y,
        "where a rule comes from",
        fontsize=FONT_SIZE + 1,
        weight="bold",
        color=COLORS["text"],
    )
    draw_badge(ax, 5.2, y + 1.0, "source", va="center")
    ax.text(
        5.2 + 1.6,
        y + 1.0,
        "a badge, never a fill",
        va="center",
        fontsize=FONT_SIZE,
        color=COLORS["text"],
    )
    ax.vethlab = {"roles": roles}
    return ax
