"""Hex dumps with coloured regions, Wireshark style: what the bytes are, and whose they are.

``pool_dump(pool, host, start, length, mapping)`` reads ``length`` bytes of the pool at pool
offset ``start`` and says what each byte is, from the model's records:

* the host stack's :meth:`~vethlab.wire.host.HostStack.origin` says whether a byte belongs to a frame
  a packet holds now, to an earlier (stale) frame, or was never written;
* a current frame's bytes are split into fields by :func:`vethlab.wire.frames.fields` (link header,
  network header, transport header, payload, padding);
* a never-written byte of a buffer in use is headroom before the frame's ``getDataOffset()`` and
  tailroom after its end; in a free buffer it is just zero.

``draw_hexdump(ax, data, regions, base_address)`` draws such a dump with coloured cells;
``hexdump_text(...)`` prints it, with a line of region codes under each line of bytes, for
plain notebook cells whose output nbval checks. ``reading_dumps(result, packet)`` gives the two
dumps that explain a wrong read: what the method read, and where the frame really is.
``draw_byte_rows(ax, rows)`` draws a few such dumps one line each, one under the other; a
dashboard that shows other bytes at every move keeps a :class:`ByteRows` and redraws into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import Patch

from vethlab.model.moves import Place
from vethlab.pictures.style import COLORS, FIELD_LAYER_COLORS, FONT_SIZE, MONO_FONT, TITLE_SIZE
from vethlab.wire.frames import fields

__all__ = [
    "Region",
    "HexDump",
    "pool_dump",
    "reading_dumps",
    "first_junk_packet",
    "draw_hexdump",
    "hexdump_text",
    "draw_byte_rows",
    "ByteRows",
    "REGION_CODES",
    "KIND_TEXT",
]

#: One letter per region kind, printed under each byte by :func:`hexdump_text`.
REGION_CODES = {
    "headroom": "h",
    "link_header": "L",
    "network_header": "N",
    "transport_header": "T",
    "payload": "P",
    "padding": "p",
    "stale": "s",
    "zero": "0",
    "tailroom": "t",
    "unused": "-",
}
KIND_TEXT = {
    "headroom": "headroom (before the frame)",
    "link_header": "link header",
    "network_header": "network header",
    "transport_header": "transport header",
    "payload": "payload",
    "padding": "Ethernet padding",
    "stale": "stale bytes of an earlier frame",
    "zero": "zero (never written)",
    "tailroom": "tailroom (after the frame)",
    "unused": "in no buffer",
}
_LAYER_KIND = {
    "eth": "link_header",
    "arp": "network_header",
    "ipv4": "network_header",
    "ipv6": "network_header",
    "icmp": "transport_header",
    "icmpv6": "transport_header",
    "udp": "transport_header",
    "payload": "payload",
}


@dataclass(frozen=True)
class Region:
    """``[start, end)`` bytes of a dump (offsets from its first byte), of one ``kind`` (a key
    of :data:`REGION_CODES`), with a label (``ipv4.src of packet 3``) and the packet they belong
    to, if any."""

    start: int
    end: int
    kind: str
    label: str = ""
    packet: int | None = None


@dataclass(frozen=True)
class HexDump:
    """Bytes, what they are, and where they are: ``draw_hexdump(ax, *dump)`` and
    ``hexdump_text(*dump)`` take it apart."""

    data: bytes
    regions: list = field(default_factory=list)
    base_address: int = 0
    marks: tuple = ()  # (offset in the dump, label): arrows to draw, lines to print
    title: str = ""

    def __iter__(self):  # so that draw_hexdump(ax, *dump) works
        return iter((self.data, self.regions, self.base_address))


def _frame_regions(frame: bytes, at: int, lo: int, hi: int, packet: int) -> list[Region]:
    """The fields of ``frame`` (which starts at pool offset ``at``) clipped to ``[lo, hi)``."""
    out = []
    for name, s, e in fields(frame):
        s, e = max(s + at, lo), min(e + at, hi)
        if e <= s:
            continue
        kind = (
            "padding" if name == "eth.padding" else _LAYER_KIND.get(name.split(".")[0], "payload")
        )
        out.append(Region(s, e, kind, f"{name} of packet {packet}", packet))
    return out


def pool_dump(pool, host, start: int, length: int, mapping=None, *, marks=(), title="") -> HexDump:
    """``length`` bytes of ``pool`` from pool offset ``start``, with their regions; addresses
    in ``mapping`` (pool offsets without one). ``marks`` are ``(pool offset, label)``."""
    layout = pool.layout
    end = min(start + length, layout.length)
    data = bytes(pool.CopyMemoryDescriptor().bytes_at(start, end - start))
    current = host.current_frames() if host is not None else {}
    runs = host.origin(start, end) if host is not None else [(start, end, "zero", None)]
    regions: list[Region] = []
    for s, e, kind, packet in runs:
        if kind == "frame":
            write = current[packet]
            regions += _frame_regions(write.frame, write.offset, s, e, packet)
        elif kind == "stale":
            regions.append(
                Region(s, e, "stale", f"stale bytes of packet {packet}'s earlier frame", packet)
            )
        else:
            regions += _unwritten(pool, s, e)
    regions = [Region(r.start - start, r.end - start, r.kind, r.label, r.packet) for r in regions]
    base = mapping.address_of(start) if mapping is not None else start
    return HexDump(data, _merge(regions), base, tuple((o - start, t) for o, t in marks), title)


def _unwritten(pool, s: int, e: int) -> list[Region]:
    """Never-written bytes ``[s, e)``: headroom, tailroom or zero, buffer by buffer."""
    layout = pool.layout
    out = []
    pos = s
    while pos < e:
        index, within = layout.locate(pos)
        if index is None:  # past the last buffer, or in the tail of a segment
            bases = layout.buffer_offsets()
            k = int(np.searchsorted(bases, pos, side="right"))
            nxt = min(int(bases[k]), e) if k < len(bases) else e
            out.append(Region(pos, nxt, "unused", "in no buffer"))
            pos = nxt
            continue
        base = pos - within
        stop = min(e, base + layout.buffer_size)
        packet = pool.packets[index] if index < len(pool.packets) else None
        if packet is None or packet.place is Place.POOL:
            out.append(Region(pos, stop, "zero", f"zero, in free buffer {index}", index))
        else:
            frame_start = base + packet.getDataOffset()
            frame_end = frame_start + packet.getDataLength()
            if pos < frame_start:
                cut = min(stop, frame_start)
                out.append(Region(pos, cut, "headroom", f"headroom of packet {index}", index))
                pos = cut
            if pos < stop:
                kind = "tailroom" if pos >= frame_end else "zero"
                out.append(Region(pos, stop, kind, f"{kind} of packet {index}", index))
        pos = stop
    return out


def _merge(regions: list[Region]) -> list[Region]:
    out: list[Region] = []
    for r in regions:
        if out and out[-1].end == r.start and (out[-1].kind, out[-1].label) == (r.kind, r.label):
            out[-1] = Region(out[-1].start, r.end, r.kind, r.label, r.packet)
        else:
            out.append(r)
    return out


def reading_dumps(result, packet: int, length: int = 64) -> tuple[HexDump, HexDump]:
    """For packet ``packet`` of a ``MethodResult``: the first ``length`` bytes the method read
    (the junk, when it read at the wrong place) and the first ``length`` bytes of the real
    frame, both with addresses in the mapping the method read through."""
    reading = next(r for r in result.readings if r.index == packet)
    pool, host = result.pool, result.host
    mapping = result.dext.task.space.find(reading.read_address)
    if reading.read_offset is None or mapping is None:
        raise ValueError(f"packet {packet}'s read at 0x{reading.read_address:x} is not in the pool")
    n = min(length, reading.data_length)
    read = pool_dump(
        pool,
        host,
        reading.read_offset,
        n,
        mapping,
        marks=[(reading.read_offset, f"{result.spec.title} reads packet {packet} here")],
        title=f"what {result.spec.title} read for packet {packet}",
    )
    frame = pool_dump(
        pool,
        host,
        reading.frame_offset,
        n,
        mapping,
        marks=[(reading.frame_offset, f"packet {packet}'s frame starts here")],
        title=_frame_title(packet, reading.offset_error),
    )
    return read, frame


def _frame_title(packet: int, error: int) -> str:
    if not error:
        return f"packet {packet}'s frame, exactly where the method read"
    return (
        f"packet {packet}'s real frame: the read was {abs(error)} bytes "
        f"{'too early' if error < 0 else 'too late'}"
    )


def first_junk_packet(result, length: int = 64) -> int | None:
    """The first packet a ``MethodResult`` read at the wrong place whose first ``length`` read
    bytes include bytes of another packet (its frame or its stale bytes, says
    ``HostStack.origin``): the most telling junk to show. None if no read is like that."""
    for r in result.readings:
        if r.bytes_match or r.read_offset is None:
            continue
        runs = result.host.origin(r.read_offset, r.read_offset + min(length, r.data_length))
        if any(kind != "zero" and packet != r.index for _, _, kind, packet in runs):
            return r.index
    return None


def _kind_at(regions: list[Region], n: int) -> list[str]:
    kinds = ["zero"] * n
    for r in regions:
        for i in range(max(r.start, 0), min(r.end, n)):
            kinds[i] = r.kind
    return kinds


def hexdump_text(
    data, regions=(), base_address: int = 0, *, width: int = 16, marks=(), codes: bool = True
) -> str:
    """The dump as text: address, bytes in hex, ASCII; under each line, one code per byte
    (``REGION_CODES``: h headroom, L link header, N network, T transport, P payload, p padding,
    s stale, 0 zero, t tailroom, - in no buffer), and a key of the codes used at the end."""
    if isinstance(data, HexDump):
        data, regions, base_address, marks = data.data, data.regions, data.base_address, data.marks
    data = bytes(data)
    kinds = _kind_at(list(regions), len(data))
    digits = max(len(f"{base_address + len(data):x}"), 4)
    lines = []
    pad = " " * (digits + 4)
    for row in range(0, len(data), width):
        chunk = data[row : row + width]
        cells = [f"{b:02x}" for b in chunk]
        hexes = " ".join(cells[:8]) + ("  " + " ".join(cells[8:]) if len(cells) > 8 else "")
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"0x{base_address + row:0{digits}x}  {hexes:<{3 * width + 1}} |{text}|")
        if codes:
            cc = [REGION_CODES[k] * 2 for k in kinds[row : row + width]]
            line = " ".join(cc[:8]) + ("  " + " ".join(cc[8:]) if len(cc) > 8 else "")
            owners = _owners(regions, row, row + width)
            lines.append(
                (pad + f"{line:<{3 * width + 1}}" + (f"  {owners}" if owners else "")).rstrip()
            )
        for offset, label in marks:
            if row <= offset < row + width:
                col = offset - row
                lines.append(pad + " " * (3 * col + (1 if col >= 8 else 0)) + f"^ {label}")
    if codes:
        used = [k for k in REGION_CODES if k in set(kinds)]
        lines.append("codes: " + ", ".join(f"{REGION_CODES[k]} {KIND_TEXT[k]}" for k in used))
    return "\n".join(lines)


_FRAME_KINDS = {"link_header", "network_header", "transport_header", "payload", "padding"}


def _owners(regions, lo: int, hi: int) -> str:
    """Whose bytes a line shows: "packet 5's frame, stale bytes of packet 2"."""
    seen: list[str] = []
    for r in regions:
        if r.end <= lo or r.start >= hi or r.packet is None:
            continue
        if r.kind in _FRAME_KINDS:
            text = f"packet {r.packet}'s frame"
        elif r.kind == "stale":
            text = f"stale bytes of packet {r.packet}"
        elif r.kind in ("headroom", "tailroom"):
            text = f"packet {r.packet}'s {r.kind}"
        else:
            continue
        if text not in seen:
            seen.append(text)
    return ", ".join(seen)


def _kind_color(kind: str) -> str:
    if kind in COLORS:
        return COLORS[kind]
    return FIELD_LAYER_COLORS.get(kind, COLORS["frame"])


def draw_hexdump(
    ax,
    data,
    regions=(),
    base_address: int = 0,
    *,
    width: int = 16,
    marks=(),
    title: str | None = None,
    legend: bool = True,
):
    """Draw a hex dump: one row per ``width`` bytes, each byte's cell coloured by its region,
    the address on the left and ASCII on the right; ``marks`` (``(offset, label)``) get an
    arrow. ``data`` may be a :class:`HexDump`. Returns ``ax``; ``ax.vethlab`` records the rows,
    the kind of every byte, the regions and the marks."""
    if isinstance(data, HexDump):
        title = data.title if title is None else title
        data, regions, base_address, marks = data.data, data.regions, data.base_address, data.marks
    data = bytes(data)
    regions = list(regions)
    kinds = _kind_at(regions, len(data))
    rows = -(-len(data) // width)
    n = len(data)
    idx = np.arange(n)
    col, row = idx % width, idx // width
    x = col * 1.0 + (col >= 8) * 0.4  # a gap between the two halves, as in hexdump -C
    verts = np.stack(
        [
            np.stack([x, row + 0.05], -1),
            np.stack([x + 0.96, row + 0.05], -1),
            np.stack([x + 0.96, row + 0.95], -1),
            np.stack([x, row + 0.95], -1),
        ],
        1,
    )
    ax.add_collection(
        PolyCollection(
            verts,
            facecolors=[_kind_color(k) for k in kinds],
            edgecolors=COLORS["background"],
            linewidths=0.5,
        )
    )
    dark = {"link_header", "network_header", "stale"}  # light text on these
    for i, b in enumerate(data):
        ax.text(
            x[i] + 0.48,
            row[i] + 0.52,
            f"{b:02x}",
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            family=MONO_FONT,
            color=COLORS["background"] if kinds[i] in dark else COLORS["text"],
        )
    right = width + 0.4 + 0.5
    for r in range(rows):
        chunk = data[r * width : (r + 1) * width]
        ax.text(
            -0.4,
            r + 0.52,
            f"0x{base_address + r * width:x}",
            ha="right",
            va="center",
            fontsize=FONT_SIZE,
            family=MONO_FONT,
            color=COLORS["muted_text"],
        )
        ax.text(
            right,
            r + 0.52,
            "".join(chr(b) if 32 <= b < 127 else "." for b in chunk),
            ha="left",
            va="center",
            fontsize=FONT_SIZE,
            family=MONO_FONT,
            color=COLORS["text"],
        )
        owners = _owners(regions, r * width, (r + 1) * width)
        if owners:
            ax.text(
                right + width * 0.7,
                r + 0.52,
                owners,
                ha="left",
                va="center",
                fontsize=FONT_SIZE,
                color=COLORS["muted_text"],
            )
    for offset, label in marks:
        r, c = divmod(offset, width)
        xc = c + (0.4 if c >= 8 else 0) + 0.48
        ax.annotate(
            label,
            xy=(xc, r + 0.05),
            xytext=(xc - 0.3, r - 0.75),
            ha="left",
            fontsize=FONT_SIZE,
            color=COLORS["text"],
            arrowprops=dict(arrowstyle="->", color=COLORS["text"], lw=0.8),
        )
    ax.set_xlim(-0.2, right + width * 0.62)  # owner notes may run past: they are not clipped
    ax.set_ylim(rows + 0.1, -1.3 if marks else -0.1)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE, loc="left", color=COLORS["text"])
    used = [k for k in REGION_CODES if k in set(kinds)]
    if legend and used:
        ax.legend(
            labelcolor=COLORS["text"],
            handles=[
                Patch(
                    facecolor=_kind_color(k),
                    edgecolor=COLORS["boundary"],
                    linewidth=0.4,
                    hatch="///" if k == "unused" else None,
                    label=KIND_TEXT[k],
                )
                for k in used
            ],
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=FONT_SIZE,
            frameon=False,
            handlelength=1.0,
            borderaxespad=0.0,
        )
    ax.vethlab = {
        "rows": rows,
        "bytes": n,
        "kinds": kinds,
        "regions": regions,
        "marks": list(marks),
        "base_address": base_address,
    }
    return ax


_DARK = {"link_header", "network_header", "stale"}  # kinds whose cells take light text


class ByteRows:
    """Lines of ``width`` bytes on ``ax``, one under the other, for ``count`` rows: the cells,
    the bytes, each row's name and address on the left and, with ``owners``, whose bytes they
    are on the right (a picture that ends where the cells end has no room for them).
    :meth:`draw` fills them with dumps. The artists are made once, here, and kept: drawing
    again (a dashboard showing other bytes) rewrites the texts and recolours the cells rather
    than making every text anew, as :class:`~vethlab.pictures.queues.QueueFrame` keeps its
    packets' numbers.

    Every cell is one polygon of one collection; each byte is a text of its own, so that its
    colour can follow its cell's (light on the dark link header). Those texts are most of the
    drawing's cost."""

    def __init__(self, ax, count: int, *, width: int = 16, owners: bool = True) -> None:
        self.ax = ax
        self.width = width
        col = np.arange(width)
        #: where each column's cell starts: a gap between the two halves, as in hexdump -C
        self.x = col * 1.0 + (col >= 8) * 0.4
        self.cells = PolyCollection([], edgecolors=COLORS["background"], linewidths=0.5)
        self.underlines = LineCollection([], colors=COLORS["wrong_read"], linewidths=1.6)
        #: per row: the texts of its bytes, its name and address, and (with ``owners``) whose
        #: bytes they are
        self.byte_texts, self.names, self.owners = [], [], []
        for r in range(count):
            self.byte_texts.append(
                [
                    ax.text(
                        self.x[i] + 0.48,
                        r + 0.52,
                        "",
                        ha="center",
                        va="center",
                        fontsize=FONT_SIZE,
                        family=MONO_FONT,
                    )
                    for i in range(width)
                ]
            )
            self.names.append(
                ax.text(
                    -0.4,
                    r + 0.52,
                    "",
                    ha="right",
                    va="center",
                    fontsize=FONT_SIZE,
                    family=MONO_FONT,
                    color=COLORS["text"],
                )
            )
            if owners:
                self.owners.append(
                    ax.text(
                        width + 0.9,
                        r + 0.52,
                        "",
                        ha="left",
                        va="center",
                        fontsize=FONT_SIZE,
                        color=COLORS["muted_text"],
                    )
                )
        ax.add_collection(self.cells)
        ax.add_collection(self.underlines)
        ax.set_xlim(-0.2, width + 0.6)
        ax.set_ylim(count + 0.1, -0.1)
        ax.set_axis_off()

    def draw(self, rows, *, mark_differences: bool = True) -> dict:
        """Show ``rows`` (``(name, HexDump)`` pairs, as many as the rows made), with the cells
        coloured as :func:`draw_hexdump` colours them. With ``mark_differences``, a byte of a
        row that differs from the same byte of the first row is underlined in the
        ``wrong_read`` colour. Returns ``{"kinds": [...per row], "differs": [...per row]}``."""
        width, x = self.width, self.x
        kinds_by_row, differs_by_row, cells, colours, lines = [], [], [], [], []
        first = bytes(rows[0][1].data[:width]) if rows else b""
        for r, (name, dump) in enumerate(rows):
            data = bytes(dump.data[:width])
            kinds = _kind_at(list(dump.regions), len(data))
            kinds_by_row.append(kinds)
            n = len(data)
            for i in range(n):
                cells.append(
                    [
                        (x[i], r + 0.08),
                        (x[i] + 0.96, r + 0.08),
                        (x[i] + 0.96, r + 0.92),
                        (x[i], r + 0.92),
                    ]
                )
                colours.append(_kind_color(kinds[i]))
            differs = [i for i in range(n) if i < len(first) and data[i] != first[i]]
            differs_by_row.append(differs)
            if mark_differences and r:
                lines += [[(x[i] + 0.1, r + 0.97), (x[i] + 0.86, r + 0.97)] for i in differs]
            for i, text in enumerate(self.byte_texts[r]):
                if i < n:  # a short dump leaves the rest of its row empty
                    text.set_text(f"{data[i]:02x}")
                    text.set_color(COLORS["background"] if kinds[i] in _DARK else COLORS["text"])
                text.set_visible(i < n)
            self.names[r].set_text(f"{name}  0x{dump.base_address:x}")
            if self.owners:
                owners = _owners(dump.regions, 0, width)
                self.owners[r].set_text(owners)
                self.owners[r].set_visible(bool(owners))
        self.cells.set_verts(cells)
        self.cells.set_facecolor(colours)
        self.underlines.set_segments(lines)
        return {"kinds": kinds_by_row, "differs": differs_by_row}


def draw_byte_rows(ax, rows, *, width: int = 16, mark_differences: bool = True) -> dict:
    """Draw one line of ``width`` bytes per row of ``rows`` (``(name, HexDump)`` pairs), one
    under the other, with the cells coloured as :func:`draw_hexdump` colours them, the name and
    address on the left and whose bytes they are on the right. With ``mark_differences``, a
    byte of a row that differs from the same byte of the first row is underlined in the
    ``wrong_read`` colour. Returns ``{"kinds": [...per row], "differs": [...per row]}``.

    A :class:`ByteRows` made for the occasion: a dashboard that shows other bytes again and
    again keeps its own :class:`ByteRows` and calls its :meth:`~ByteRows.draw`."""
    return ByteRows(ax, len(rows), width=width).draw(rows, mark_differences=mark_differences)
