r"""One packet's buffer, byte by byte, and where each way of computing its address lands.

``draw_buffer_anatomy(ax, packet)`` draws the buffer that ``packet`` owns, from the packet's own
accessors and the pool's layout, never from numbers worked out here::

    GetMemorySegmentOffset() = 0x1800 (segment 0)           3 arrows: where each formula lands
                                  |                          (placed by the pool byte it reads)
    buffer base                   v                                            base + bufferSize
    +----------+-----+-------------+-----------------------------+---------------------------+
    | headroom | (2) | link header | payload                     | tailroom                  |
    +----------+-----+-------------+-----------------------------+---------------------------+
    |<-- GetHeadroom() |                                          |
    |<-- getDataOffset() ->|<------------- getDataLength() ------>|

The first bytes of a buffer are where everything interesting happens (headroom, a 2-byte
native-flow gap, the link header), so the axis is in two pieces: the first bytes are drawn
wide, byte by byte, and the rest of the buffer is compressed. A dashed line marks where the
scale changes; all positions stay exact byte offsets.

The three formulas are the question's (``vethlab.question``): its first attempt
``map->GetAddress() + GetMemorySegmentOffset()``, its fix ``packet_buffer_addr +
GetMemorySegmentOffset() + GetHeadroom()`` and today's ``getDataVirtualAddress() +
getDataOffset()``. Each is evaluated by :func:`vethlab.question.read_packet`, which also says
which pool byte the address shows (the dext maps the pool more than once, so the three
addresses differ even when they mean the same byte) and by how many bytes it misses the frame.
An address that lands in another buffer points off the edge, naming that buffer; one that no
mapping covers is drawn as a simulated fault.

What was drawn is kept in ``ax.vethlab`` (regions, arrows, provenance notes) for tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from vethlab.ioreturn import BadArgument
from vethlab.model.layout import round_up
from vethlab.networkingdriverkit.packet import IOUserNetworkPacket
from vethlab.pictures.labels import keep_apart
from vethlab.pictures.legend import add_provenance_notes
from vethlab.pictures.style import COLORS, FONT_SIZE, MONO_FONT, READ_MARKERS, TITLE_SIZE, place
from vethlab.question.scenario import METHODS, QuestionDext, read_packet
from vethlab.wire.host import native_flow_data_offset

__all__ = [
    "draw_buffer_anatomy",
    "Landing",
    "anatomy_notes",
    "notes_under",
    "fresh_axes",
    "FORMULA_NAMES",
]

# Vertical layout, in data units (the axes run 0..10 upwards).
_BAR = (4.3, 5.5)  # bottom and top of the buffer bar
_ARROW_ROWS = (9.35, 8.25, 7.15)  # label rows of the three formulas
_BRACKETS = {"headroom": 3.55, "data offset": 2.95, "data": 2.35}
_ADDRESS_ROW = 1.6
_OFF_LEFT, _OFF_RIGHT = -0.035, 1.035  # x of arrows that land outside the buffer
_OFF_STEP = 0.03  # further out for each further arrow off the same edge
_FAULT_X = -0.12  # where an address that no mapping covers is drawn
#: Short names of the three formulas (``METHODS[key].title`` says more than a label has room for).
FORMULA_NAMES = {
    "first_attempt": "the question's first attempt",
    "question_fix": "the question's fix",
    "current_api": "today's API",
}


@dataclass(frozen=True)
class Landing:
    """Where one formula's address lands, seen from the packet's buffer."""

    key: str  # a key of vethlab.question.METHODS
    address: int
    pool_offset: int | None  # the pool byte the address shows; None: not the pool
    error: int | None  # bytes from the frame's first byte (negative: early)
    buffer: int | None  # the buffer that byte belongs to
    within: int | None  # its offset inside that buffer
    fault: str | None  # the simulated fault of reading there, if any

    @property
    def right(self) -> bool:
        return self.error == 0

    def role(self, own_buffer: int) -> str:
        """Its colour role: right at the frame, early at the first byte of the packet's own
        buffer (the headroom or data offset not added), wrong anywhere else."""
        if self.right:
            return "right_read"
        if self.buffer == own_buffer and self.within == 0 and self.error is not None:
            return "early_read"
        return "wrong_read"


class _ByteAxis:
    """Byte offset inside the buffer -> x in 0..1: the first ``zoom`` bytes get ``share`` of
    the width, the rest is compressed (linear when no zoom helps)."""

    def __init__(self, size: int, zoom: int) -> None:
        self.size = size
        self.zoom = zoom if 0 < zoom < size * 0.5 else size
        self.share = 0.55 if self.zoom < size else 1.0

    def __call__(self, offset) -> np.ndarray | float:
        offset = np.asarray(offset, dtype=float)
        wide = offset / self.zoom * self.share
        rest = self.share + (offset - self.zoom) / max(self.size - self.zoom, 1) * (1 - self.share)
        x = np.where(offset <= self.zoom, wide, rest)
        return float(x) if x.ndim == 0 else x

    @property
    def magnified(self) -> float:
        """How many times wider a byte is in the wide part than in the compressed part."""
        if self.zoom >= self.size:
            return 1.0
        return (self.share / self.zoom) / ((1 - self.share) / (self.size - self.zoom))


def _vlines(ax, xs, y0: float, y1: float, **style) -> LineCollection:
    """Lines up from ``y0`` to ``y1`` at each of ``xs``, as one collection: what ``ax.vlines``
    draws, added with :func:`place`."""
    return place(ax, LineCollection([[(x, y0), (x, y1)] for x in xs], **style))


def _zoom_end(packet: IOUserNetworkPacket, landings: list[Landing]) -> int:
    """Bytes to magnify: past the headroom, the data offset, the link header and every
    landing near the start, plus a little payload, rounded up to 16."""
    interesting = [
        packet.GetHeadroom(),
        packet.getDataOffset() + max(packet.getLinkHeaderLength(), 14),
    ]
    interesting += [
        lnd.within
        for lnd in landings
        if lnd.buffer == packet.index and lnd.within is not None and lnd.within < 512
    ]
    end = max(interesting) + 16
    return round_up(end, 16)


def _landings(dext: QuestionDext | None, packet: IOUserNetworkPacket) -> list[Landing]:
    layout = packet.pool.layout
    keys = list(METHODS)
    if dext is None:
        # The question's two formulas need the question's mappings; today's needs none, so it
        # is read in the pool owner's task, with the reader read_packet uses for the question.
        keys = ["current_api"]
        dext = SimpleNamespace(
            task=packet.pool.owner.task, pool_md=packet.pool.CopyMemoryDescriptor()
        )
    found = []
    for key in keys:
        reading = read_packet(dext, key, packet)
        offset = reading.read_offset
        buffer, within = layout.locate(offset) if offset is not None else (None, None)
        found.append(
            Landing(
                key,
                reading.read_address,
                offset,
                reading.offset_error,
                buffer,
                within,
                reading.fault,
            )
        )
    return found


def anatomy_notes(packet: IOUserNetworkPacket, landings: list[Landing]) -> list[tuple[str, str]]:
    """The rules the picture relies on, each with its provenance label (MODEL.md)."""
    layout = packet.pool.layout
    notes = [
        ("observed", "frame = getDataVirtualAddress() + getDataOffset()"),
        ("documented", "data offset counts from the buffer's start, headroom included"),
    ]
    if layout.buffer_size != layout.requested_buffer_size:
        notes.append(
            (
                "source",
                f"bufferSize {layout.requested_buffer_size} → "
                f"{layout.buffer_size} by XNU's size rule "
                "(that DriverKit pools use it is undocumented)",
            )
        )
    if packet.getDataOffset() == native_flow_data_offset(packet.GetHeadroom()):
        notes.append(("observed", "native flows: the frame starts 2 bytes past the headroom"))
    if packet.pool.reported_stride and layout.stride_error:
        notes.append(("reported", "segment offsets use the requested size as stride"))
    if layout.segment_count > 1:
        notes.append(("modelled", "one descriptor, its segments laid end to end"))
    if any(lnd.pool_offset is None for lnd in landings):
        notes.append(("observed", "without PoolFlagMapToDext the address is a pool offset"))
    return notes


def fresh_axes(ax) -> None:
    """Empty ``ax`` for a new picture. An axes this module already drew on (axis off) only
    loses what was drawn: ``ax.clear()`` would also rebuild its ticks, a third of a redraw."""
    if getattr(ax, "vethlab", None) is None or ax.axison:
        ax.clear()
        return
    for group in (ax.patches, ax.texts, ax.lines, ax.collections, ax.artists, ax.images):
        for artist in list(group):
            artist.remove()
    ax.set_title("", loc="left")
    ax.vethlab = None


def notes_under(ax, rules, bottom: float) -> None:
    """State ``rules`` with :func:`vethlab.pictures.legend.add_provenance_notes` at the bottom of
    ``ax``, inside it: the y limits grow downwards from ``bottom`` by just enough room."""
    figure = ax.figure
    height_pt = ax.get_position().height * figure.get_figheight() * 72
    need_pt = len(rules) * FONT_SIZE * 1.75 + 6
    top = ax.get_ylim()[1]
    room = (top - bottom) * need_pt / max(height_pt - need_pt, 1.0)
    ax.set_ylim(bottom - room, top)
    add_provenance_notes(ax, rules, below_points=-need_pt + 2)


def _describe_miss(landing: Landing, packet: IOUserNetworkPacket) -> str:
    if landing.pool_offset is None:
        return "faults: no mapping there" if landing.fault else "reads outside the pool"
    if landing.error == 0:
        return "right: the frame's first byte"
    size = abs(landing.error)
    word = "early" if landing.error < 0 else "late"
    text = f"{size} byte{'s' if size != 1 else ''} {word}"
    if landing.buffer is None:
        text += " (between buffers)"
    elif landing.buffer != packet.index:
        text += f", in buffer {landing.buffer} at +{landing.within}"
    return text


def _address_text(mapping, pool_offset: int) -> str:
    if mapping is None:
        return f"pool offset 0x{pool_offset:x}"
    return f"0x{mapping.address_of(pool_offset):x}"


def draw_buffer_anatomy(
    ax, packet: IOUserNetworkPacket, *, mapping=None, dext: QuestionDext | None = None
):
    """Draw ``packet``'s buffer and where the three address formulas land; return ``ax``.

    ``mapping`` is the mapping whose addresses label the buffer base and the frame (default:
    the pool's dext mapping, else the question's ``CreateMapping`` of the pool, else pool
    offsets). ``dext`` is the :class:`~vethlab.question.QuestionDext` whose mappings the
    question's two formulas use (default: the pool's owner when it is one; without it only
    today's API is drawn).
    """
    if not isinstance(packet, IOUserNetworkPacket):
        raise BadArgument(f"packet {packet!r} is not an IOUserNetworkPacket")
    pool = packet.pool
    layout = pool.layout
    if dext is None and isinstance(pool.owner, QuestionDext) and hasattr(pool.owner, "pool_map"):
        dext = pool.owner
    if mapping is None:
        mapping = pool.dext_mapping or (dext.pool_map if dext is not None else None)

    size = layout.buffer_size
    headroom = packet.GetHeadroom()
    offset = packet.getDataOffset()
    length = packet.getDataLength()
    link = min(packet.getLinkHeaderLength(), length)
    end = offset + length
    landings = _landings(dext, packet)
    axis = _ByteAxis(size, _zoom_end(packet, landings))

    fresh_axes(ax)
    ax.set_xlim(-0.14, 1.02)
    ax.set_ylim(1.25, 10)
    ax.set_axis_off()
    text = dict(fontsize=FONT_SIZE, color=COLORS["text"])
    mono = dict(text, family=MONO_FONT)

    # -- the bar: headroom, the gap before the frame, link header, payload, tailroom -------
    regions = [("headroom", 0, headroom, COLORS["headroom"])]
    if offset > headroom:
        regions.append(("gap", headroom, offset, COLORS["zero"]))
    regions += [
        ("link header", offset, offset + link, COLORS["link_header"]),
        ("payload", offset + link, end, COLORS["frame"]),
        ("tailroom", end, size, COLORS["tailroom"]),
    ]
    regions = [r for r in regions if r[2] > r[1]]
    bottom, top = _BAR
    bar_labels = []  # a region's name inside the bar; dropped where a neighbour's covers it
    for name, lo, hi, colour in regions:
        x0, x1 = axis(lo), axis(hi)
        place(
            ax,
            Rectangle(
                (x0, bottom),
                x1 - x0,
                top - bottom,
                facecolor=colour,
                edgecolor=COLORS["boundary"],
                linewidth=0.6,
                hatch="////" if name == "gap" else None,
                zorder=2,
            ),
        )
        label = {"gap": f"{hi - lo}"}.get(name, name)
        light = name in ("link header",)
        if x1 - x0 > 0.012 * max(len(label), 2):
            bar_labels.append(
                ax.text(
                    (x0 + x1) / 2,
                    (bottom + top) / 2,
                    label,
                    ha="center",
                    va="center",
                    zorder=3,
                    **dict(text, color=COLORS["background"] if light else COLORS["text"]),
                )
            )
    place(
        ax,
        Rectangle(
            (0, bottom),
            1,
            top - bottom,
            fill=False,
            edgecolor=COLORS["boundary"],
            linewidth=1.2,
            zorder=3,
        ),
    )

    # byte ticks in the magnified part, and where the scale changes
    if axis.zoom < size:
        step = next(s for s in (1, 2, 4, 8, 16, 32, 64) if axis.zoom / s <= 80)
        ticks = axis(np.arange(0, axis.zoom + 1, step))
        _vlines(ax, ticks, bottom, bottom + 0.18, color=COLORS["boundary"], linewidth=0.4, zorder=3)
        xz = axis(axis.zoom)
        _vlines(
            ax,
            [xz],
            bottom,
            top + 0.35,
            color=COLORS["muted_text"],
            linestyle="--",
            linewidth=0.8,
            zorder=4,
        )
        ax.text(
            xz + 0.005,
            top + 0.2,
            f"scale changes at byte {axis.zoom}: "
            f"bytes before are drawn {axis.magnified:.0f}× wider",
            ha="left",
            va="bottom",
            **dict(text, fontsize=FONT_SIZE, color=COLORS["muted_text"]),
        )

    # offsets of the region edges under the bar
    edges = sorted({0, headroom, offset, offset + link, end, size})
    xs = axis(np.array(edges))
    placed: list[float] = []
    edge_labels = []
    for edge, x in zip(edges, xs):
        if any(abs(x - p) < 0.018 for p in placed):
            continue
        placed.append(float(x))
        edge_labels.append(ax.text(x, bottom - 0.1, str(edge), ha="center", va="top", **mono))

    # -- brackets: headroom, data offset, data length ---------------------------------------
    def bracket(lo, hi, y, label, colour=COLORS["text"]):
        x0, x1 = axis(lo), axis(hi)
        ax.annotate(
            "",
            (x0, y),
            (x1, y),
            arrowprops=dict(
                arrowstyle="|-|",
                color=colour,
                linewidth=0.8,
                shrinkA=0,
                shrinkB=0,
                mutation_scale=3,
            ),
        )
        room = x1 - x0
        return ax.text(
            x1 + 0.006 if room < 0.25 else (x0 + x1) / 2,
            y,
            label,
            ha="left" if room < 0.25 else "center",
            va="center",
            bbox=dict(facecolor=COLORS["background"], edgecolor="none", pad=0.5),
            **mono,
        )

    firsts = [
        bracket(0, headroom, _BRACKETS["headroom"], f"GetHeadroom() = {headroom}"),
        bracket(0, offset, _BRACKETS["data offset"], f"getDataOffset() = {offset}"),
    ]
    firsts += [
        bracket(
            offset,
            end,
            _BRACKETS["data"],
            f"getDataLength() = {length}" + (f", link header {link}" if link else ""),
        )
    ]
    seconds = []  # labels that give way: they move under the bar's brackets, or are dropped
    if size - end > 0:
        seconds.append(
            ax.text(
                axis((end + size) / 2) if axis(size) - axis(end) > 0.2 else 1.0,
                _BRACKETS["data"],
                f"tailroom {size - end}",
                ha="center",
                va="center",
                **dict(text, color=COLORS["muted_text"]),
            )
        )

    # addresses of the base and of the frame, in the chosen mapping
    base = layout.buffer_offset(packet.index)
    where = (
        ""
        if mapping is None
        else f" (in {mapping.task.name}'s mapping at 0x{mapping.GetAddress():x})"
    )
    ax.text(
        0,
        _ADDRESS_ROW,
        f"buffer base {_address_text(mapping, base)}{where}",
        ha="left",
        va="center",
        **mono,
    )
    ax.text(
        1,
        _ADDRESS_ROW,
        f"frame {_address_text(mapping, packet.frame_offset())}",
        ha="right",
        va="center",
        **mono,
    )

    # -- the three formulas ----------------------------------------------------------------
    drawn, arrow_x = {}, {}
    # An arrow to a byte outside this buffer leaves by the edge on that byte's side; of two
    # off the same edge, the one whose byte is farther away is drawn farther out.
    off_edge = {"left": [], "right": []}
    for landing in landings:
        if landing.pool_offset is not None and not (
            landing.buffer == packet.index and landing.within is not None
        ):
            off_edge["right" if landing.pool_offset > base else "left"].append(landing)
    for side, group in off_edge.items():
        for rank, landing in enumerate(sorted(group, key=lambda lnd: abs(lnd.pool_offset - base))):
            arrow_x[landing.key] = (
                _OFF_RIGHT + _OFF_STEP * rank if side == "right" else _OFF_LEFT - _OFF_STEP * rank
            )
    for row, landing in zip(_ARROW_ROWS, landings):
        spec = METHODS[landing.key]
        role = landing.role(packet.index)
        colour = COLORS[role]
        if landing.buffer == packet.index and landing.within is not None:
            x_to = axis(landing.within)
        elif landing.pool_offset is None:
            x_to = _FAULT_X
        else:
            x_to = arrow_x[landing.key]
        arrow_x[landing.key] = x_to
        x_label = min(max(x_to, 0.0), 1.0)
        ha = "left" if x_label < 0.55 else "right"
        tip = top + 0.02 if landing.pool_offset is not None else (top + bottom) / 2 + 0.35
        ax.annotate(
            "",
            (x_to, tip),
            (x_to, row - 0.55),
            arrowprops=dict(arrowstyle="-|>", color=colour, linewidth=1.4, shrinkA=0, shrinkB=0),
            zorder=5,
        )
        # the read's marker where the arrow leaves its label: its shape says right, early or
        # wrong without the colour
        place(
            ax,
            Line2D(
                [x_to],
                [row - 0.55],
                marker=READ_MARKERS[role],
                markersize=6,
                color=colour,
                zorder=6,
            ),
        )
        if landing.pool_offset is None:
            fault = Line2D(
                [x_to], [(top + bottom) / 2], marker="X", markersize=11, color=colour, zorder=6
            )
            place(ax, fault)
            ax.text(
                x_to,
                bottom - 0.1,
                "not\nmapped",
                ha="center",
                va="top",
                **dict(text, fontsize=FONT_SIZE, color=colour),
            )
        place(ax, Line2D([x_to, x_label], [row - 0.55, row - 0.55], color=colour, linewidth=1.4))
        # labels start just beside their own arrow, on white, so an arrow of a row above that
        # lands on the same byte does not run through the text
        x_text = x_label + (0.006 if ha == "left" else -0.006)
        plate = dict(facecolor=COLORS["background"], edgecolor="none", pad=0.4, alpha=0.9)
        ax.text(
            x_text,
            row,
            f"{FORMULA_NAMES[landing.key]}: {_describe_miss(landing, packet)}",
            ha=ha,
            va="bottom",
            zorder=6,
            bbox=plate,
            **dict(text, color=colour, fontweight="bold"),
        )
        ax.text(
            x_text,
            row - 0.08,
            f"{spec.cpp} = 0x{landing.address:x}",
            ha=ha,
            va="top",
            zorder=6,
            bbox=plate,
            **dict(mono, fontsize=FONT_SIZE),
        )
        drawn[landing.key] = landing

    for side, group in off_edge.items():
        count = len(group)
        if count:
            x = (
                _OFF_LEFT - _OFF_STEP * (count - 1) / 2
                if side == "left"
                else _OFF_RIGHT + _OFF_STEP * (count - 1) / 2
            )
            ax.text(
                x,
                (bottom + top) / 2,
                "earlier\nin the\npool" if side == "left" else "later\nin the\npool",
                ha="center",
                va="center",
                **dict(text, fontsize=FONT_SIZE, color=COLORS["muted_text"]),
            )

    # -- provenance -------------------------------------------------------------------------
    notes = anatomy_notes(packet, landings)
    notes_under(ax, notes, 1.25)

    # -- labels that would cover others give way: the formulas and brackets stay put --------
    giving = [*seconds, *bar_labels, *edge_labels]
    fixed = [t for t in ax.texts if t not in giving]
    shifts = {t: [(0, -FONT_SIZE * 1.4), (0, FONT_SIZE * 1.4)] for t in seconds}
    gave_way = keep_apart(ax, giving, shifts, obstacles=fixed)

    segment = layout.segment_of(packet.index)
    quirk = ""
    if pool.reported_stride and layout.stride_error:
        quirk = f"; the real offset is {layout.segment_offset(packet.index)}"
    ax.set_title(
        f"packet {packet.index}: a {size}-byte buffer in segment {segment}, "
        f"GetMemorySegmentOffset() = {packet.GetMemorySegmentOffset()}{quirk}",
        fontsize=TITLE_SIZE,
        color=COLORS["text"],
        loc="left",
        y=1.0,  # right above the axes: matplotlib need not lay out the hidden ticks to find room
    )

    ax.vethlab = {
        "index": packet.index,
        "buffer_size": size,
        "segment": segment,
        "segment_offset": packet.GetMemorySegmentOffset(),
        "buffer_offset": base,
        "headroom": headroom,
        "data_offset": offset,
        "data_length": length,
        "link_header": link,
        "tailroom": size - end,
        "regions": [(name, lo, hi) for name, lo, hi, _ in regions],
        "zoom": axis.zoom,
        "landings": drawn,
        "arrow_x": arrow_x,
        "notes": notes,
        "mapping": None if mapping is None else mapping.describe(),
        "labels_moved": gave_way["moved"],
        "labels_dropped": gave_way["dropped"],
    }
    return ax
