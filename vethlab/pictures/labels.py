"""Labels that never overlap: a label that would cover another moves, or is dropped.

Pictures draw their labels as usual, then hand them to :func:`keep_apart` in order of
importance. Each label is measured where matplotlib will draw it (its window extent, after the
axes' limits are set); one that overlaps a label kept before it tries the other places it was
given (shifts in points: its box is measured once and moved by each shift), and is hidden
when none is free. What moved and what was dropped is returned, so pictures can record it and
tests can check it.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox, offset_copy

__all__ = ["keep_apart", "overlapping", "visible_texts", "renderer_of"]

_PAD_PX = 1.0  # two labels closer than this count as touching


class _Kept:
    """The boxes of the labels kept so far, grown by ``_PAD_PX``, as rows of one array
    (x0, y0, x1, y1): a new box is checked against all of them at once."""

    def __init__(self) -> None:
        self.boxes = np.empty((0, 4))

    def add(self, box: Bbox) -> None:
        self.add_all([box])

    def add_all(self, boxes: list[Bbox]) -> None:
        grown = [(b.x0 - _PAD_PX, b.y0 - _PAD_PX, b.x1 + _PAD_PX, b.y1 + _PAD_PX) for b in boxes]
        self.boxes = np.vstack([self.boxes, np.reshape(grown, (-1, 4))])

    def overlap(self, box: Bbox) -> bool:
        """Whether ``box`` overlaps or touches a kept box (as ``Bbox.overlaps`` has it)."""
        x0, y0, x1, y1 = self.boxes.T
        return bool(np.any((x0 <= box.x1) & (box.x0 <= x1) & (y0 <= box.y1) & (box.y0 <= y1)))


def keep_apart(ax, texts, shifts=None, *, obstacles=(), boxes=None) -> dict:
    """Keep the ``texts`` of ``ax`` (most important first) from overlapping each other and the
    ``obstacles`` (other texts that stay where they are).

    ``shifts`` maps a text to the ``(dx, dy)`` shifts in points it may try, in order. An
    obstacle may also be a line of markers (``ax.plot(..., marker="^")``): each marker is
    one obstacle; or a ``Bbox`` in display pixels, for a text whose box the caller knows.
    ``boxes`` maps a text of ``texts`` to its box in display pixels, where the caller knows
    it already (a text not in it is measured here).
    Returns ``{"moved": [text string, ...], "dropped": [...]}``."""
    shifts = shifts or {}
    boxes = boxes or {}
    renderer = renderer_of(ax.figure)
    ax.apply_aspect()  # an axes of equal aspect takes its final place only when drawn
    kept = _Kept()
    kept.add_all([box for artist in obstacles for box in _obstacle_boxes(artist, renderer)])
    moved, dropped = [], []
    pixels_per_point = ax.figure.dpi / 72
    for text in texts:
        if not text.get_visible() or not text.get_text():
            continue
        box = boxes[text] if text in boxes else _box(text, renderer)
        if not kept.overlap(box):
            kept.add(box)
            continue
        # a shift moves the box as it is: it is measured once, and moved in pixels
        for dx, dy in shifts.get(text, ()):
            shifted = box.translated(dx * pixels_per_point, dy * pixels_per_point)
            if not kept.overlap(shifted):
                kept.add(shifted)
                text.set_transform(
                    offset_copy(text.get_transform(), fig=ax.figure, x=dx, y=dy, units="points")
                )
                moved.append(text.get_text())
                break
        else:
            text.set_visible(False)
            dropped.append(text.get_text())
    return {"moved": moved, "dropped": dropped}


def _obstacle_boxes(artist, renderer) -> list[Bbox]:
    """Where an obstacle is drawn: a shown text's box, one box per marker of a line, or the
    box it is."""
    if isinstance(artist, Bbox):
        return [artist]
    if not artist.get_visible():
        return []
    if isinstance(artist, Line2D):
        half = renderer.points_to_pixels(artist.get_markersize()) / 2
        xy = artist.get_transform().transform(artist.get_xydata())
        return [Bbox.from_extents(x - half, y - half, x + half, y + half) for x, y in xy]
    return [_box(artist, renderer)] if artist.get_text() else []


def _box(text, renderer) -> Bbox:
    """Where ``text`` is drawn: its letters (and plate), not an annotation's arrow."""
    if isinstance(text, Annotation):
        text.update_positions(renderer)  # an annotation's text is placed when it is drawn
    return Text.get_window_extent(text, renderer)


def renderer_of(figure):
    """The renderer that measures ``figure``'s text (an Agg canvas is attached if it has none)."""
    if not hasattr(figure.canvas, "get_renderer"):
        FigureCanvasAgg(figure)
    return figure.canvas.get_renderer()


def visible_texts(ax) -> list:
    """The labels a picture placed on ``ax`` that are shown: visible and not empty."""
    return [t for t in ax.texts if t.get_visible() and t.get_text().strip()]


def overlapping(texts, renderer) -> list[tuple[str, str]]:
    """Pairs of ``texts`` whose drawn boxes overlap (by more than a pixel each way)."""
    boxes = [(t.get_text(), _box(t, renderer)) for t in texts]
    pairs = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if width > 1.0 and height > 1.0:
                pairs.append((a, b))
    return pairs
