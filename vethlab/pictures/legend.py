"""Where each rule comes from: the provenance labels every vethlab figure carries.

vethlab labels every behaviour it simulates with one of five labels (documented, source,
observed, reported, modelled), defined once in :mod:`vethlab.model.provenance`.

A figure that shows a rule (a buffer size rounded up, an offset with the wrong stride, segments
laid end to end) states the rule under the axes with its label, in the label's colour, through
:func:`add_provenance_notes`, so a learner never takes a modelled choice for Apple's behaviour.
:func:`draw_provenance_key` draws the key itself.
"""

from __future__ import annotations

from matplotlib.legend import Legend
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import offset_copy

from vethlab.model.provenance import check_label
from vethlab.pictures.style import (
    COLORS,
    FONT_SIZE,
    PROVENANCE,
    PROVENANCE_COLORS,
    PROVENANCE_MEANING,
)

__all__ = ["add_provenance_notes", "draw_provenance_key", "provenance_handles", "check_label"]


def provenance_handles(labels=PROVENANCE) -> list[Patch]:
    """One coloured legend patch per label, named after it."""
    return [Patch(facecolor=PROVENANCE_COLORS[check_label(lab)], label=lab) for lab in labels]


def add_provenance_notes(ax, rules, *, below_points: float = 30.0) -> list[tuple[str, str]]:
    """State ``rules`` (``(label, text)`` pairs) under ``ax``, each with a square in its label's
    colour and the label spelled out: ``■ source: bufferSize 1600 → 2048 by XNU's size rule``.

    The notes are a second legend, ``below_points`` points under the axes (below the x label),
    so they do not replace a legend the figure already has. Returns the rules as drawn (also in
    ``ax.vethlab_provenance``)."""
    rules = [(check_label(label), str(text)) for label, text in rules]
    if not rules:
        ax.vethlab_provenance = []
        return []
    handles = [Patch(facecolor=PROVENANCE_COLORS[label]) for label, _ in rules]
    texts = [f"{label}: {text}" for label, text in rules]
    where = offset_copy(ax.transAxes, fig=ax.figure, y=-below_points, units="points")
    notes = Legend(
        ax,
        handles,
        texts,
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        bbox_transform=where,
        frameon=False,
        fontsize=FONT_SIZE - 1,
        handlelength=0.9,
        handleheight=0.9,
        borderaxespad=0.0,
        borderpad=0.0,
        labelspacing=0.25,
    )
    for text, (_label, _) in zip(notes.get_texts(), rules):
        text.set_color(COLORS["text"])
    ax.add_artist(notes)
    notes.set_clip_on(False)  # add_artist clips to the axes; the notes live below them
    ax.vethlab_provenance = rules
    return rules


def draw_provenance_key(ax, labels=PROVENANCE):
    """The key to the five labels: a coloured square, the label, and what it means.

    Returns ``ax``; ``ax.vethlab`` is ``{"labels": [...]}``."""
    labels = [check_label(lab) for lab in labels]
    ax.set_xlim(0, 10)
    ax.set_ylim(len(labels), 0)
    ax.set_axis_off()
    for row, label in enumerate(labels):
        y = row + 0.5
        ax.add_patch(Rectangle((0.1, y - 0.3), 0.35, 0.6, facecolor=PROVENANCE_COLORS[label]))
        ax.text(
            0.6,
            y,
            label,
            va="center",
            fontsize=FONT_SIZE + 1,
            weight="bold",
            color=PROVENANCE_COLORS[label],
        )
        ax.text(
            2.4,
            y,
            PROVENANCE_MEANING[label],
            va="center",
            fontsize=FONT_SIZE + 1,
            color=COLORS["text"],
        )
    ax.set_title("where each rule comes from", fontsize=FONT_SIZE + 1, loc="left")
    ax.vethlab = {"labels": labels}
    return ax
