"""Where every packet is: the four queues, who holds what, and the moves between them.

``draw_queues(ax, link)`` draws the places of :data:`vethlab.networkingdriverkit.queues.PACKET_MOVES` as boxes
(the pool and the stack on the kernel's side, the four queues in the middle, the dext and the
app on the other side), every legal move as an arrow coloured by its provenance and labelled
with the call that makes it, the moves the model refuses as dashed crossed arrows, and each
packet as a small square in the box of the place it is in. A queue shows its capacity as
slots, filled oldest first. Boxes, arrows and squares all come from the table and from the
packets' own state; nothing is drawn that the model does not say. A :class:`QueueFrame` is the
part no packet changes, drawn once; its ``fill(source)`` draws the packets, again and again
(a dashboard stepping through a run), and ``draw_queues`` is one frame filled once.

``draw_occupancy(ax, history)`` plots how full each place was over a run (a list of
``vethlab.networkingdriverkit.queues.where`` snapshots). ``draw_states(ax, moves, current)`` draws a state
table (``INTERFACE_MOVES``, ``QUEUE_MOVES``) with the current state highlighted.

What was drawn is kept in ``ax.vethlab`` for tests.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from vethlab.networkingdriverkit.queues import (
    PACKET_MOVES,
    REFUSED_MOVES,
    Place,
    QueueKind,
    where,
)
from vethlab.pictures.hatch import hatch_over
from vethlab.pictures.labels import keep_apart, renderer_of
from vethlab.pictures.legend import provenance_handles
from vethlab.pictures.style import (
    COLORS,
    FONT_SIZE,
    PROVENANCE,
    TITLE_SIZE,
    provenance_linestyle,
    style_axes,
)

__all__ = ["draw_queues", "QueueFrame", "draw_occupancy", "draw_states", "PLACE_BOXES"]

#: Where each place's box is: (x0, y0, x1, y1) in the picture's own units (0..13 by 0..9).
PLACE_BOXES: dict[Place, tuple[float, float, float, float]] = {
    Place.POOL: (0.2, 2.2, 2.0, 6.8),
    Place.STACK: (2.7, 3.8, 4.0, 5.2),
    Place.TX_SUBMISSION: (4.9, 7.3, 8.1, 8.7),
    Place.TX_COMPLETION: (4.9, 5.3, 8.1, 6.7),
    Place.RX_SUBMISSION: (4.9, 2.3, 8.1, 3.7),
    Place.RX_COMPLETION: (4.9, 0.3, 8.1, 1.7),
    Place.DEXT_TX: (9.0, 6.3, 10.6, 7.7),
    Place.DEXT_RX: (9.0, 1.3, 10.6, 2.7),
    Place.DEXT: (9.0, 3.8, 10.6, 5.2),
    Place.APP: (11.3, 6.3, 12.8, 7.7),
}
_QUEUE_OF_PLACE = {kind.place: kind for kind in QueueKind}
_TX_PLACES = {Place.TX_SUBMISSION, Place.TX_COMPLETION, Place.DEXT_TX, Place.APP}
_RX_PLACES = {Place.RX_SUBMISSION, Place.RX_COMPLETION, Place.DEXT_RX}
#: A packet's square: its fill (packet or zero) and hatch tell TX, RX, free and other apart;
#: a packet is drawn in the neutral ``packet`` role, never in a colour of bytes or reads.
_PACKET_STYLES = {
    "tx": (COLORS["packet"], None),
    "rx": (COLORS["packet"], "...."),
    "free": (COLORS["zero"], None),
    "other": (COLORS["packet"], "xx"),
}
#: The dext's own calls to the pool (allocatePacket, DeallocatePacket) end at this second
#: drawing of the pool, on the dext's side, so that their arrows cross nothing.
POOL_ALIAS_BOX = (11.3, 3.8, 12.8, 5.2)
_P = Place
# Each move's arrow: start point, end point, curvature (picture units)[, where its label goes].
_ANCHORS = {
    (_P.POOL, _P.STACK): ((2.0, 4.9), (2.7, 4.9), 0.0),
    (_P.STACK, _P.POOL): ((2.7, 4.1), (2.0, 4.1), 0.0),
    (_P.STACK, _P.TX_SUBMISSION): ((3.1, 5.2), (4.9, 8.1), -0.2),
    (_P.TX_COMPLETION, _P.STACK): ((4.9, 5.7), (3.7, 5.2), 0.0),
    (_P.STACK, _P.RX_SUBMISSION): ((3.7, 3.8), (4.9, 3.0), 0.0),
    (_P.RX_COMPLETION, _P.STACK): ((4.9, 0.9), (3.1, 3.8), -0.2),
    (_P.TX_SUBMISSION, _P.POOL): ((4.9, 8.4), (1.1, 6.8), 0.25),
    (_P.RX_SUBMISSION, _P.POOL): ((4.9, 2.6), (1.1, 2.2), -0.2),
    (_P.TX_SUBMISSION, _P.DEXT_TX): ((8.1, 8.1), (9.4, 7.7), -0.2),
    (_P.DEXT_TX, _P.TX_COMPLETION): ((9.4, 6.3), (8.1, 5.9), -0.2),
    (_P.RX_SUBMISSION, _P.DEXT_RX): ((8.1, 3.1), (9.4, 2.7), -0.2),
    (_P.DEXT_RX, _P.RX_COMPLETION): ((9.4, 1.3), (8.1, 0.9), -0.2),
    (_P.DEXT_TX, _P.APP): ((10.6, 7.3), (11.3, 7.3), 0.0),
    (_P.APP, _P.DEXT_TX): ((11.3, 6.7), (10.6, 6.7), 0.0),
    (_P.POOL, _P.DEXT): ((11.3, 4.75), (10.6, 4.75), 0.0),
    (_P.DEXT, _P.POOL): ((10.6, 4.25), (11.3, 4.25), 0.0),
    (_P.DEXT_TX, _P.POOL): ((10.4, 6.3), (11.8, 5.2), 0.2),
    (_P.DEXT_RX, _P.POOL): ((10.4, 2.7), (11.8, 3.8), -0.2),
    (_P.DEXT, _P.APP): ((10.6, 5.05), (11.5, 6.3), 0.0, (11.9, 6.05)),
    (_P.APP, _P.POOL): ((12.5, 6.3), (12.5, 5.2), 0.0),
    (_P.DEXT, _P.RX_COMPLETION): ((9.2, 3.8), (8.1, 1.5), 0.0),
    (_P.DEXT_TX, _P.RX_COMPLETION): ((9.0, 6.5), (8.1, 1.6), 0.15),
    (_P.DEXT_RX, _P.TX_COMPLETION): ((9.0, 2.5), (8.1, 5.4), 0.15),
}
_DEXT_PLACES = {_P.DEXT, _P.DEXT_TX, _P.DEXT_RX, _P.APP}


def _parts(source):
    """(pool, queues by kind, dext or None) of a VirtualLink, an interface or a pool."""
    dext = getattr(source, "dext", None) or (source if hasattr(source, "queues") else None)
    if dext is not None:
        return dext.pool, dict(dext.queues), dext
    return source, {}, None


def _colour_of(packet, place: Place) -> tuple[str, str | None]:
    """(fill, hatch) of ``packet``'s square in ``place``."""
    if place is Place.POOL:
        return _PACKET_STYLES["free"]
    if place in _TX_PLACES:
        return _PACKET_STYLES["tx"]
    if place in _RX_PLACES:
        return _PACKET_STYLES["rx"]
    return _PACKET_STYLES[
        "tx" if packet.direction == 1 else "rx" if packet.direction == 2 else "other"
    ]


def draw_queues(
    ax, source, *, highlight: int | None = None, labels: bool = True, refused: bool = True
):
    """Draw where every packet of ``source`` (a ``VirtualLink``, a registered interface, or a
    pool) is, with the moves of ``PACKET_MOVES`` between the places. ``highlight``: a packet
    index to outline. Returns ``ax``.

    The same as drawing a :class:`QueueFrame` and filling it once."""
    QueueFrame(ax, labels=labels, refused=refused).fill(source, highlight=highlight)
    return ax


class QueueFrame:
    """The part of the queue picture that no packet changes, drawn once on ``ax``: the places'
    boxes, every move's arrow and label (``labels``), the refused moves (``refused``), the
    sides and the key. :meth:`fill` draws the packets into it in place of those of the fill
    before, so that a dashboard stepping through a run redraws only what a step changes: the
    squares are drawn anew; the places' titles and the packets' numbers are texts kept from
    fill to fill, rewritten, moved or hidden.

    ``animated=True`` marks everything a fill changes (squares, titles, numbers, the arrows'
    labels, the axes' title) as matplotlib's animated artists, for a canvas that keeps the
    rest of the picture as a background and redraws only those over it (a dashboard's
    ``FigureImage``). A figure drawn any other way then shows the frame alone: matplotlib
    leaves animated artists out of a figure's draw.
    """

    def __init__(
        self, ax, *, labels: bool = True, refused: bool = True, animated: bool = False
    ) -> None:
        self.ax = ax
        self.animated = animated
        ax.set_xlim(0, 13)
        ax.set_ylim(-0.4, 9.6)
        ax.set_aspect("equal")
        ax.set_axis_off()
        for x0, y0, x1, y1 in PLACE_BOXES.values():
            ax.add_patch(
                FancyBboxPatch(
                    (x0, y0),
                    x1 - x0,
                    y1 - y0,
                    boxstyle="round,pad=0.02,rounding_size=0.12",
                    facecolor=COLORS["state"],
                    edgecolor=COLORS["boundary"],
                    linewidth=1.0,
                    zorder=1,
                )
            )
        _sides(ax)
        x0, y0, x1, y1 = POOL_ALIAS_BOX
        ax.add_patch(
            FancyBboxPatch(
                (x0, y0),
                x1 - x0,
                y1 - y0,
                facecolor="none",
                boxstyle="round,pad=0.02,rounding_size=0.12",
                edgecolor=COLORS["boundary"],
                linewidth=0.8,
                linestyle=(0, (2, 2)),
                zorder=1,
            )
        )
        ax.text(
            (x0 + x1) / 2,
            (y0 + y1) / 2,
            "pool\n(the dext's\nown calls)",
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            color=COLORS["muted_text"],
        )
        #: each arrow's label, with where it is and the places along its arrow it may go
        self.arrow_labels = []
        self.arrows = []
        for move in PACKET_MOVES:
            label = _arrow(ax, move, labels, dashed=False)
            if label is not None:
                label[0].set_animated(animated)  # moved at each fill, around the packets
                self.arrow_labels.append(label)
            self.arrows.append((move.source.name, move.target.name, move.action, move.provenance))
        self.refused = []
        if refused:
            for move in REFUSED_MOVES:
                _arrow(ax, move, False, dashed=True)
                self.refused.append((move.source.name, move.target.name, move.note))
        _key(ax, refused)
        #: each place's title, above its box: its name and how many packets it holds
        self._titles = {
            place: ax.text(
                (x0 + x1) / 2,
                y1 + 0.08,
                place.value,
                ha="center",
                va="bottom",
                fontsize=FONT_SIZE,
                color=COLORS["text"],
                zorder=5,
                animated=animated,
            )
            for place, (x0, y0, x1, y1) in PLACE_BOXES.items()
        }
        #: each packet's number, written by one text moved to wherever its packet is
        self._numbers = {}
        #: the box a text's letters take around the point it is placed at, in pixels, by the
        #: text and its letters: measured the first time, then moved to where the point is
        self._boxes = {}
        self._squares = []  # the last fill's collections of squares, taken away by the next

    def fill(self, source, *, highlight: int | None = None) -> dict:
        """Draw where every packet of ``source`` is (see :func:`draw_queues`), in place of the
        packets drawn before, and place the arrows' labels around them. Returns what was
        drawn, also kept in ``ax.vethlab``."""
        ax = self.ax
        for artist in self._squares:
            artist.remove()
        for text in self._numbers.values():
            text.set_visible(False)
        pool, queues, dext = _parts(source)
        places = where(pool)
        record = {
            "places": {p.name: list(ids) for p, ids in places.items()},
            "slots": {},
            "arrows": list(self.arrows),
            "refused": list(self.refused),
            "highlight": highlight,
            "queue_states": {},
            "boxes": {p.name: box for p, box in PLACE_BOXES.items()},
            "squares": 0,
        }
        squares = []
        for place, (x0, y0, x1, y1) in PLACE_BOXES.items():
            kind = _QUEUE_OF_PLACE.get(place)
            queue = queues.get(kind) if kind is not None else None
            title = place.value
            if queue is not None:
                title += f"  {queue.count}/{queue.capacity}"
                if not queue.enabled:
                    title += f"  ({queue.state.name.lower()})"
                record["queue_states"][kind.name] = queue.state.name
            else:
                title += f"  {len(places[place])}"
            self._titles[place].set_text(title)
            if queue is not None:
                ids = list(places[place])
                record["slots"][kind.name] = {"capacity": queue.capacity, "packets": ids}
                drawn = _draw_slots(
                    ax, (x0, y0, x1, y1), queue.capacity, ids, pool, place, highlight
                )
            else:
                drawn = _draw_packets(ax, (x0, y0, x1, y1), places[place], pool, place, highlight)
            for square, number in drawn:
                squares.append(square)
                if number is not None:
                    self._write(number)
        record["squares"] = len(squares)
        name = f"{dext.__class__.__name__}: " if dext is not None else ""
        ax.set_title(
            f"{name}where each of the {len(pool.packets)} packets is",
            fontsize=TITLE_SIZE,
            color=COLORS["text"],
            y=1.0,  # just above the axes: they have no ticks to clear, nothing to measure
        )
        ax.title.set_animated(self.animated)
        self._squares = _add_squares(ax, squares)
        for artist in self._squares:
            artist.set_animated(self.animated)
        gave_way = self._place_labels()
        record["labels_moved"] = gave_way["moved"]
        record["labels_dropped"] = gave_way["dropped"]
        ax.vethlab = record
        return record

    def _write(self, number: _Number) -> None:
        """Show a packet's number where :func:`_square` put it."""
        text = self._numbers.get(number.label)
        if text is None:
            text = self.ax.text(
                0,
                0,
                number.label,
                ha="center",
                va="center",
                fontsize=FONT_SIZE,
                zorder=4,
                animated=self.animated,
            )
            self._numbers[number.label] = text
        text.set_position((number.x, number.y))
        text.set_color(number.colour)
        text.set_visible(True)

    def _place_labels(self) -> dict:
        """An arrow's label that would cover a box's title, a packet's number or another label
        moves a little along its arrow's side, or is dropped (the table still lists the move).
        Every label starts again from its own place: the packets of the fill before may have
        pushed it away. Every text's box is measured once for each thing it says
        (:meth:`_boxes_of`)."""
        ax = self.ax
        ax.apply_aspect()  # the axes' final place: shifts are measured in it
        texts = [text for text, _, _ in self.arrow_labels]
        for text in texts:
            text.set_transform(ax.transData)
            text.set_visible(True)
        movable = set(texts)
        shown = [text for text in ax.texts if text.get_visible() and text.get_text()]
        obstacles = [text for text in shown if text not in movable]
        return keep_apart(
            ax,
            texts,
            {text: _shifts_along(ax, at, along) for text, at, along in self.arrow_labels},
            obstacles=self._boxes_of(obstacles),
            boxes=dict(zip(texts, self._boxes_of(texts), strict=True)),
        )

    def _boxes_of(self, texts) -> list[Bbox]:
        """Where the letters of ``texts`` (all placed in data coordinates, as ``ax.text``
        places them) are drawn, in pixels. The box a text's letters take around the point it
        is placed at is measured the first time the text says them, then moved to where that
        point is now: from fill to fill, most texts say what they said before (a packet's
        number, an arrow's label), only somewhere else or not at all."""
        points = self.ax.transData.transform([text.get_position() for text in texts])
        boxes = []
        for text, (x, y) in zip(texts, points, strict=True):
            key = (text, text.get_text())
            if key not in self._boxes:
                box = text.get_window_extent(renderer_of(self.ax.figure))
                self._boxes[key] = box.translated(-x, -y)
            boxes.append(self._boxes[key].translated(x, y))
        return boxes


def _key(ax, refused: bool) -> None:
    """The key to the arrows: their provenances' line styles, and the refused moves'."""
    handles = provenance_handles(sorted({m.provenance for m in PACKET_MOVES}, key=PROVENANCE.index))
    if refused:
        handles.append(
            Line2D(
                [],
                [],
                color=COLORS["wrong_read"],
                linestyle=(0, (3, 2)),
                label="refused by the model",
            )
        )
    ax.legend(
        labelcolor=COLORS["text"],
        handles=handles,
        loc="lower left",
        fontsize=FONT_SIZE,
        frameon=False,
        title="arrows: where the move comes from",
        title_fontsize=FONT_SIZE,
        bbox_to_anchor=(0.0, 0.0),
        borderaxespad=0.0,
        ncol=len(handles),
        handlelength=2.6,
        columnspacing=1.0,
    )
    ax.get_legend().get_title().set_color(COLORS["text"])


def _sides(ax) -> None:
    ax.text(
        1.1,
        9.35,
        "kernel (network stack)",
        ha="center",
        fontsize=FONT_SIZE,
        color=COLORS["muted_text"],
        style="italic",
    )
    ax.text(
        6.5,
        9.35,
        "the four queues (shared)",
        ha="center",
        fontsize=FONT_SIZE,
        color=COLORS["muted_text"],
        style="italic",
    )
    ax.text(
        10.9,
        9.35,
        "dext  |  app",
        ha="center",
        fontsize=FONT_SIZE,
        color=COLORS["muted_text"],
        style="italic",
    )
    for x in (4.45, 8.55):
        ax.plot(
            [x, x],
            [-0.2, 9.1],
            color=COLORS["boundary"],
            linewidth=0.6,
            linestyle=(0, (2, 3)),
            zorder=0,
        )


class _Square(NamedTuple):
    """A square to draw, from its lower left corner ``(x, y)``: a packet's, or an empty slot's.
    The squares are drawn together by :func:`_add_squares`."""

    x: float
    y: float
    size: float
    facecolor: str
    edgecolor: str
    linewidth: float
    linestyle: str | tuple = "solid"
    hatch: str | None = None
    zorder: int = 3

    def corners(self) -> list[tuple[float, float]]:
        x, y, size = self.x, self.y, self.size
        return [(x, y), (x + size, y), (x + size, y + size), (x, y + size)]


class _Number(NamedTuple):
    """A packet's number, to be written centred on ``(x, y)`` in ``colour``."""

    label: str
    x: float
    y: float
    colour: str


def _square(ax, x, y, size, style, label, lit) -> tuple[_Square, _Number | None]:
    """A packet's square (drawn later with the others, see :func:`_add_squares`) and its
    number, if it fits (else None)."""
    colour, hatch = style
    number = None
    if label is not None and _fits(ax, label, size):
        number = _Number(
            label,
            x + size / 2,
            y + size / 2,
            COLORS["background"] if colour == COLORS["packet"] else COLORS["text"],
        )
    square = _Square(
        x,
        y,
        size,
        facecolor=colour,
        hatch=hatch,
        edgecolor=COLORS["selection"] if lit else COLORS["boundary"],
        linewidth=1.6 if lit else 0.4,
    )
    return square, number


def _add_squares(ax, squares: list[_Square]) -> list:
    """Add the squares and slots to ``ax`` as a few collections of polygons, one for each
    layer (colours, line widths and styles stay each square's own), rather than as hundreds
    of patches that matplotlib places one by one; each hatch is drawn once over the squares
    that share it (:mod:`vethlab.pictures.hatch`). Returns the collections and hatches added."""
    added = []
    groups = {}
    for square in squares:
        groups.setdefault((square.zorder, square.hatch), []).append(square)
    for (zorder, hatch), group in groups.items():
        corners = np.array([square.corners() for square in group])
        added.append(
            ax.add_collection(
                PolyCollection(
                    corners,
                    facecolors=[square.facecolor for square in group],
                    edgecolors=[square.edgecolor for square in group],
                    linewidths=[square.linewidth for square in group],
                    linestyles=[square.linestyle for square in group],
                    zorder=zorder,
                ),
                autolim=False,  # the picture's limits are fixed
            )
        )
        if hatch:
            added.append(
                ax.add_patch(hatch_over(corners, hatch, COLORS["boundary"], zorder=zorder))
            )
    return added


def _fits(ax, label: str, size: float) -> bool:
    """Whether ``label`` at FONT_SIZE fits in a square ``size`` picture units wide."""
    box = ax.get_window_extent()
    x0, x1 = ax.get_xlim()
    points_per_unit = box.width / abs(x1 - x0) * 72 / ax.figure.dpi
    return len(label) * 0.62 * FONT_SIZE <= size * points_per_unit


def _draw_slots(ax, box, capacity, ids, pool, place, highlight) -> list[tuple]:
    """A queue: ``capacity`` slots, the first ``len(ids)`` filled (oldest first). Returns each
    slot's square and number (None for an empty slot), as :func:`_square` does."""
    x0, y0, x1, y1 = box
    per_row = min(capacity, 16)
    rows = math.ceil(capacity / per_row)
    size = min((x1 - x0 - 0.2) / per_row, (y1 - y0 - 0.2) / rows) * 0.9
    gap = size / 0.9
    top = (y0 + y1) / 2 + rows * gap / 2
    squares = []
    for slot in range(capacity):
        r, c = divmod(slot, per_row)
        x = x0 + 0.1 + c * gap
        y = top - (r + 1) * gap + (gap - size) / 2
        if slot < len(ids):
            packet = pool.packets[ids[slot]]
            label = str(ids[slot]) if capacity <= 16 else None
            lit = ids[slot] == highlight
            squares.append(_square(ax, x, y, size, _colour_of(packet, place), label, lit))
        else:
            empty = _Square(
                x,
                y,
                size,
                facecolor="none",
                edgecolor=COLORS["boundary"],
                linewidth=0.4,
                linestyle=(0, (1, 1)),
                zorder=2,
            )
            squares.append((empty, None))
    return squares


def _draw_packets(ax, box, ids, pool, place, highlight) -> list[tuple]:
    """Any other place: its packets as a grid of squares (each with its number, as
    :func:`_square` returns them)."""
    if not ids:
        return []
    x0, y0, x1, y1 = box
    w, h = x1 - x0 - 0.2, y1 - y0 - 0.2
    cols = max(1, math.ceil(math.sqrt(len(ids) * w / h)))
    rows = math.ceil(len(ids) / cols)
    gap = min(w / cols, h / rows, 0.45)
    size = gap * 0.85
    squares = []
    for n, index in enumerate(ids):
        r, c = divmod(n, cols)
        label = str(index) if gap >= 0.3 else None
        squares.append(
            _square(
                ax,
                x0 + 0.1 + c * gap,
                y1 - 0.1 - (r + 1) * gap,
                size,
                _colour_of(pool.packets[index], place),
                label,
                index == highlight,
            )
        )
    return squares


def _arrow(ax, move, label: bool, dashed: bool):
    """Draw ``move``'s arrow; return its label's text, if it has one."""
    start, end, rad, *label_at = _ANCHORS.get(
        (move.source, move.target), (_box_centre(move.source), _box_centre(move.target), 0.15)
    )
    colour = COLORS["wrong_read"] if dashed else COLORS["queue_line"]
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            color=colour,
            linewidth=0.7 if dashed else 0.9,
            linestyle=(0, (3, 2)) if dashed else provenance_linestyle(move.provenance),
            shrinkA=0,
            shrinkB=0,
            connectionstyle=f"arc3,rad={rad}",
            mutation_scale=7,
            zorder=2,
        )
    )
    (xa, ya), (xb, yb) = start, end
    mx, my = (xa + xb) / 2 + rad * (yb - ya) / 2, (ya + yb) / 2 - rad * (xb - xa) / 2
    if label_at:
        mx, my = label_at[0]
    if dashed:
        ax.text(
            mx, my, "×", ha="center", va="center", color=colour, fontsize=FONT_SIZE + 2, zorder=4
        )
    elif label:
        text = ax.text(
            mx,
            my,
            move.action.replace(" (kernel)", ""),
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            color=COLORS["text"],
            zorder=4,
            bbox=dict(
                boxstyle="round,pad=0.1",
                facecolor=COLORS["background"],
                edgecolor="none",
                alpha=0.85,
            ),
        )
        # other places along the arrow the label may move to, if this one is taken
        c = ((xa + xb) / 2 + rad * (yb - ya), (ya + yb) / 2 - rad * (xb - xa))
        along = [
            tuple(
                (1 - t) ** 2 * p0 + 2 * (1 - t) * t * pc + t**2 * p2
                for p0, pc, p2 in zip(start, c, end)
            )
            for t in (0.35, 0.65, 0.2, 0.8)
        ]
        return text, (mx, my), along
    return None


def _shifts_along(ax, at, along) -> list[tuple[float, float]]:
    """Shifts in points to try for a label at ``at``: to each place of ``along`` (data
    coordinates), then a line above or below where it is and each of those places."""
    to_points = 72 / ax.figure.dpi
    x0, y0 = ax.transData.transform(at)
    shifts = [
        ((x - x0) * to_points, (y - y0) * to_points) for x, y in ax.transData.transform(along)
    ]
    line = FONT_SIZE * 1.3
    return shifts + [(dx, dy + d) for dx, dy in [(0, 0), *shifts] for d in (line, -line)]


def _box_centre(place: Place) -> tuple[float, float]:
    x0, y0, x1, y1 = PLACE_BOXES[place]
    return ((x0 + x1) / 2, (y0 + y1) / 2)


def _centre(patch) -> tuple[float, float]:
    return (patch.get_x() + patch.get_width() / 2, patch.get_y() + patch.get_height() / 2)


_TRACKED = (
    Place.TX_SUBMISSION,
    Place.DEXT_TX,
    Place.TX_COMPLETION,
    Place.RX_SUBMISSION,
    Place.RX_COMPLETION,
    Place.POOL,
)
#: Occupancy lines are all ``queue_line``: a place is told by its line style and marker.
_LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)))
_LINE_MARKERS = ("o", "s", "^", "v", "D", None)


def draw_occupancy(ax, history, places=_TRACKED):
    """How many packets each place held at each step of ``history`` (a list of
    ``vethlab.networkingdriverkit.queues.where`` results, or of ``{Place: count}``). Returns ``ax``."""
    if not history:
        raise ValueError("history is empty: record where(pool) at least once")
    series = {}
    for n, place in enumerate(places):
        values = [len(h[place]) if isinstance(h[place], list) else int(h[place]) for h in history]
        series[place.name] = values
        # distinct dashes: places that hold the same number of packets do not hide each other
        ax.step(
            range(len(values)),
            values,
            where="post",
            label=place.value,
            color=COLORS["queue_line"],
            linewidth=1.2,
            linestyle=_LINE_STYLES[n % len(_LINE_STYLES)],
            marker=_LINE_MARKERS[n % len(_LINE_MARKERS)],
            markersize=4,
            markevery=max(1, len(values) // 8),
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("step", fontsize=FONT_SIZE, color=COLORS["text"])
    ax.set_ylabel("packets", fontsize=FONT_SIZE, color=COLORS["text"])
    style_axes(ax)
    # beside the plot, not on it: the lines reach the top corners (the pool starts full)
    ax.legend(
        labelcolor=COLORS["text"],
        fontsize=FONT_SIZE,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        frameon=False,
    )
    ax.set_title("packets in each place, step by step", fontsize=TITLE_SIZE, color=COLORS["text"])
    ax.vethlab = {"series": series, "steps": len(history)}
    return ax


def draw_states(ax, moves, current=None, *, title: str = ""):
    """A state table drawn as boxes (states in their enum's order) and arrows (moves labelled
    with their action; a move that keeps the state is written under its box). ``current``
    is highlighted. Returns ``ax``."""
    states = []
    for move in moves:
        for state in (move.source, move.target):
            if state not in states:
                states.append(state)
    states.sort(key=lambda s: list(type(s)).index(s))
    ax.set_xlim(-0.2, 3.0 * len(states) - 0.6)
    ax.set_ylim(-1.8, 1.8)
    ax.set_axis_off()
    boxes = {}
    for i, state in enumerate(states):
        lit = state is current
        box = FancyBboxPatch(
            (3.0 * i, -0.45),
            2.2,
            0.9,
            boxstyle="round,pad=0.03,rounding_size=0.15",
            facecolor=COLORS["selection"] if lit else COLORS["state"],
            edgecolor=COLORS["boundary"],
            linewidth=1.6 if lit else 0.8,
        )
        ax.add_patch(box)
        boxes[state] = box
        ax.text(
            3.0 * i + 1.1,
            0,
            state.name,
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            color=COLORS["background"] if lit else COLORS["text"],
            weight="bold" if lit else "normal",
        )
    edges, loops = [], {}
    for move in moves:
        action = getattr(move, "action", "")
        edges.append((move.source.name, action, move.target.name))
        if move.source is move.target:
            loops.setdefault(move.source, []).append(action)
            continue
        forward = states.index(move.target) > states.index(move.source)
        rad = -0.35  # both directions bend the same way; the label sits on its own side
        colour = COLORS["queue_line"]
        ax.annotate(
            "",
            xy=_centre(boxes[move.target]),
            xytext=_centre(boxes[move.source]),
            arrowprops=dict(
                arrowstyle="-|>",
                color=colour,
                patchA=boxes[move.source],
                patchB=boxes[move.target],
                connectionstyle=f"arc3,rad={rad}",
                linewidth=1.0,
                linestyle=provenance_linestyle(move.provenance),
            ),
        )
        (xa, _), (xb, _) = _centre(boxes[move.source]), _centre(boxes[move.target])
        y = 1.05 if forward else -1.05
        ax.text(
            (xa + xb) / 2,
            y,
            action,
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            color=COLORS["text"],
            bbox=dict(facecolor=COLORS["background"], edgecolor="none", pad=0.6),
        )
    for state, actions in loops.items():
        x = _centre(boxes[state])[0]
        ax.text(
            x,
            -1.55,
            "stays on: " + ", ".join(actions),
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            color=COLORS["muted_text"],
        )
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE, color=COLORS["text"])
    ax.vethlab = {
        "states": [s.name for s in states],
        "edges": edges,
        "current": None if current is None else current.name,
    }
    return ax
