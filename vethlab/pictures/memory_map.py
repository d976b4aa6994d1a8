r"""The pool's memory map: every buffer, what each of its bytes holds, and where reads landed.

``draw_memory_map(ax, pool, mapping=..., host=..., readings=...)`` draws one row per buffer,
top to bottom in pool order, with the byte offset inside the buffer across::

    buffer  address in the mapping   0 ........ dataOffset ........ frame end ......... bufferSize
       0    0x105040000              [headroom][link hdr| payload  ][tailroom / stale bytes   ] ok
       1    0x105040800              [headroom][link hdr| payload        ][stale   ][tailroom ] ok
    ═══════ segment 1 ═══ (pool offset = segment x segment size: a thick line)
      32    0x105050000              ...                                              wrong
             ▬▬▬▬▬▬▬▬ a band under a row: bytes some method read there (green: at the frame,
                      purple: at the buffer's first byte, the frame later, vermillion hatched:
                      anywhere else)
    ░░░░░░░ 61,440 free buffers not drawn; +28 buffers of the region, unused ░░░░░░░

Rows are the buffers the dext asked for (``buffer_count``), up to the last one in use. One
hatched row at the bottom stands for the rest: free buffers past the last one used, and, when
XNU's whole segments hold more (``region_buffer_count``), the region's unused buffers; the
title gives the bytes no buffer uses at each segment's end.

Everything comes from the model's state: the buffer geometry from ``pool.layout``; headroom,
data offset and length from the packets the pool has handed out; frames and stale bytes from
the host stack's :class:`~vethlab.wire.host.FrameWrite` records (a later write covers an earlier one,
as in memory); reads from :class:`~vethlab.question.Reading` records (their pool offsets). No
offset is worked out here.

From 32 to 65,536 buffers the map stays readable. Only buffers up to the last one in use are
drawn; one hatched row says how many free buffers are left out. When even those rows would be
thinner than a few pixels, consecutive buffers share a row, drawn as a stacked bar: each kind of
byte (frame, stale, headroom, tailroom, zero) gets the share of the bar it has of the row's bytes,
in the legend's colours (never a blend). The status column on the right always marks the rows
holding a packet that was read at the wrong place, however many buffers share them.

What was drawn is kept in ``ax.vethlab`` (mode, rows, rectangle count, bytes per region, rows
with errors, boundary lines, labels) so tests can check a picture's structure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection

from vethlab.model.moves import Place
from vethlab.pictures.hatch import hatch_over
from vethlab.pictures.legend import add_provenance_notes
from vethlab.pictures.style import COLORS, FONT_SIZE, MONO_FONT, TITLE_SIZE, place, style_axes
from vethlab.wire.frames import fields

__all__ = [
    "draw_memory_map",
    "buffer_regions",
    "BufferRegions",
    "REGION_KINDS",
    "memory_map_rules",
    "read_right",
    "read_role",
    "KIND_COLORS",
    "KIND_LABELS",
]

#: The kinds of byte a buffer holds, lowest priority first: where two claims overlap, the later
#: kind wins (a frame covers stale bytes, stale bytes cover the headroom reservation).
REGION_KINDS = ("zero", "tailroom", "headroom", "stale", "frame", "link_header")
_PRIORITY = {kind: i for i, kind in enumerate(REGION_KINDS)}
KIND_COLORS = {
    "zero": COLORS["zero"],
    "tailroom": COLORS["tailroom"],
    "headroom": COLORS["headroom"],
    "stale": COLORS["stale"],
    "frame": COLORS["frame"],
    "link_header": COLORS["link_header"],
}
KIND_LABELS = {
    "zero": "zero (never written)",
    "tailroom": "tailroom (after the frame)",
    "headroom": "before the frame (dataOffset)",
    "stale": "stale bytes of an earlier frame",
    "frame": "frame",
    "link_header": "link header",
}

_MIN_ROW_PX = 7.0  # a buffer row thinner than this is merged with its neighbours
_MIN_BIN_PX = 2.0  # an aggregated row is at least this tall
_MIN_LINE_GAP_PX = 4.0  # boundary lines closer than this are not drawn (they would be a smear)
_LABEL_GAP_PX = 20.0  # y labels at least this far apart
_STATUS_WIDTH = 0.035  # the status column, as a fraction of the buffer width
_UNUSED_ROW_PX = 14.0  # the row standing for the region's unused buffers is at least this tall


@dataclass(frozen=True)
class BufferRegions:
    """What every byte of every buffer holds, as runs: parallel arrays, one entry per run.

    ``buffer[i]`` is the buffer index, ``start[i]``/``end[i]`` byte offsets inside it, and
    ``kind[i]`` an index into :data:`REGION_KINDS`. Runs of one buffer are in order, do not
    overlap, and cover the whole buffer.
    """

    buffer: np.ndarray
    start: np.ndarray
    end: np.ndarray
    kind: np.ndarray

    def bytes_by_kind(self) -> dict[str, int]:
        """Total bytes of each kind over the whole pool."""
        totals = np.bincount(self.kind, weights=self.end - self.start, minlength=len(REGION_KINDS))
        return {k: int(t) for k, t in zip(REGION_KINDS, totals)}

    def runs_of(self, index: int) -> list[tuple[int, int, str]]:
        """The runs of buffer ``index`` as ``(start, end, kind)``."""
        sel = np.flatnonzero(self.buffer == index)
        return [(int(self.start[i]), int(self.end[i]), REGION_KINDS[self.kind[i]]) for i in sel]


def buffer_regions(pool, host=None, *, link_headers: bool = False) -> BufferRegions:
    """Work out, from the model's records, which kind of byte fills each part of each buffer.

    A buffer of a packet the pool has handed out is tailroom behind its frame, with the bytes
    before ``getDataOffset()`` marked headroom; a free buffer is zero. The host stack's writes
    that are not a packet's current frame are stale; current frames are frames (their
    ``linkHeaderLength`` bytes, or with ``link_headers`` the Ethernet fields
    ``vethlab.wire.frames.fields`` finds, are the link header).
    """
    layout = pool.layout
    size = layout.buffer_size
    n = layout.buffer_count
    base = layout.buffer_offsets()
    claims: list[tuple[np.ndarray, ...]] = []  # (buffer, start, end, kind) arrays

    in_use = [p for p in pool.packets if p.place is not Place.POOL]
    used = np.array([p.index for p in in_use], dtype=np.int64)
    everyone = np.arange(n, dtype=np.int64)
    background = np.full(n, _PRIORITY["zero"], dtype=np.int64)
    background[used] = _PRIORITY["tailroom"]
    claims.append((everyone, np.zeros(n, np.int64), np.full(n, size, np.int64), background))

    data_offset = np.array([p.getDataOffset() for p in in_use], dtype=np.int64)
    data_length = np.array([p.getDataLength() for p in in_use], dtype=np.int64)
    claims.append(
        (
            used,
            np.zeros(len(used), np.int64),
            data_offset,
            np.full(len(used), _PRIORITY["headroom"]),
        )
    )

    if host is not None and host.writes:
        current = {w.serial for w in host.current_frames().values()}
        stale = [w for w in host.writes if w.serial not in current]
        if stale:
            idx = np.array([w.packet for w in stale], dtype=np.int64)
            off = np.array([w.offset for w in stale], dtype=np.int64) - base[idx]
            end = off + np.array([w.length for w in stale], dtype=np.int64)
            claims.append((idx, off, end, np.full(len(idx), _PRIORITY["stale"])))

    claims.append(
        (used, data_offset, data_offset + data_length, np.full(len(used), _PRIORITY["frame"]))
    )
    header = np.array([p.getLinkHeaderLength() for p in in_use], dtype=np.int64)
    if link_headers and host is not None:
        current = host.current_frames()
        for i, p in enumerate(in_use):
            write = current.get(p.index)
            if write is not None and write.offset == p.frame_offset():
                eth = [
                    end
                    for name, _, end in fields(write.frame)
                    if name.startswith("eth.") and name != "eth.padding"
                ]
                header[i] = max(eth, default=0)
    header = np.minimum(header, data_length)
    has = header > 0
    claims.append(
        (
            used[has],
            data_offset[has],
            (data_offset + header)[has],
            np.full(int(has.sum()), _PRIORITY["link_header"]),
        )
    )
    return _paint(claims, size)


def _paint(claims, size: int) -> BufferRegions:
    """Resolve overlapping claims: each byte takes the kind of the highest-priority claim.

    Vectorised painter's algorithm: cut every buffer at every claim edge, then give each piece
    the highest priority among the claims covering its midpoint.
    """
    buf = np.concatenate([c[0] for c in claims])
    start = np.clip(np.concatenate([c[1] for c in claims]), 0, size)
    end = np.clip(np.concatenate([c[2] for c in claims]), 0, size)
    kind = np.concatenate([np.asarray(c[3], dtype=np.int64) for c in claims])
    keep = end > start
    buf, start, end, kind = buf[keep], start[keep], end[keep], kind[keep]

    # Claims grouped by buffer. A buffer with one claim (most buffers of a big pool: free and
    # never written) is that claim; the others go through a dense (buffers, slots) table.
    order = np.argsort(buf, kind="stable")
    buf, start, end, kind = buf[order], start[order], end[order], kind[order]
    uniq, first, counts = np.unique(buf, return_index=True, return_counts=True)
    alone = np.repeat(counts == 1, counts)
    single = BufferRegions(buf[alone], start[alone], end[alone], kind[alone])
    if alone.all():
        return single
    buf, start, end, kind = buf[~alone], start[~alone], end[~alone], kind[~alone]
    uniq, first, counts = np.unique(buf, return_index=True, return_counts=True)
    slots = int(counts.max())
    row = np.repeat(np.arange(len(uniq)), counts)
    col = np.arange(len(buf)) - np.repeat(first, counts)
    s = np.full((len(uniq), slots), 0, np.int64)
    e = np.full((len(uniq), slots), 0, np.int64)
    k = np.full((len(uniq), slots), -1, np.int64)
    s[row, col], e[row, col], k[row, col] = start, end, kind

    # Cut points: every claim edge, sorted per buffer; pieces between consecutive cuts.
    cuts = np.sort(np.concatenate([s, e], axis=1), axis=1)
    lo, hi = cuts[:, :-1], cuts[:, 1:]
    mid = (lo + hi)[:, :, None] / 2.0  # (buffers, pieces, 1)
    covers = (s[:, None, :] <= mid) & (mid < e[:, None, :]) & (k[:, None, :] >= 0)
    top = np.where(covers, k[:, None, :], -1).max(axis=2)  # (buffers, pieces)
    valid = (hi > lo) & (top >= 0)

    pb = np.broadcast_to(uniq[:, None], lo.shape)[valid]
    ps, pe, pk = lo[valid], hi[valid], top[valid]
    # Merge neighbouring pieces of one buffer and one kind.
    if len(pb):
        joined = np.r_[False, (pb[1:] == pb[:-1]) & (pk[1:] == pk[:-1]) & (ps[1:] == pe[:-1])]
        head = ~joined
        group = np.cumsum(head) - 1
        ends = np.zeros(int(head.sum()), np.int64)
        np.maximum.at(ends, group, pe)
        pb, ps, pk, pe = pb[head], ps[head], pk[head], ends
    # Put the single-claim buffers back, keeping buffer order.
    pb, ps, pe, pk = (
        np.concatenate([a, b])
        for a, b in zip((single.buffer, single.start, single.end, single.kind), (pb, ps, pe, pk))
    )
    order = np.lexsort((ps, pb))
    return BufferRegions(pb[order], ps[order], pe[order], pk[order])


# -- the reads ------------------------------------------------------------------------------


def read_right(reading) -> bool:
    """Whether a reading read at its frame's first byte. Judged by place, not by bytes: the
    host's frames all differ, but a pool of someone else's frames might hold two equal ones,
    and then bytes could match by luck when the place is wrong."""
    return reading.offset_error == 0


def read_role(reading, layout=None) -> str:
    """The colour role of a reading: ``right_read`` at its frame; ``early_read`` when it read
    at its own buffer's first byte and the frame starts later (the slot is right, the headroom
    or data offset was not added; needs ``layout``); ``wrong_read`` anywhere else."""
    if read_right(reading):
        return "right_read"
    if (
        layout is not None
        and reading.read_offset is not None
        and reading.index < layout.buffer_count
        and reading.read_offset == layout.buffer_offset(reading.index)
        and reading.offset_error < 0
    ):
        return "early_read"
    return "wrong_read"


def _read_pieces(layout, readings):
    """Cut each reading's pool range ``[read_offset, read_offset + length)`` at buffer edges:
    arrays (packet, buffer, start, end, right) of pieces, in buffer coordinates. Bytes in no
    buffer (a segment's unused tail) belong to no piece."""
    base = layout.buffer_offsets()
    size = layout.buffer_size
    inside = [r for r in readings if r.read_offset is not None and r.data_length > 0]
    packet = np.array([r.index for r in inside], dtype=np.int64)
    lo = np.array([r.read_offset for r in inside], dtype=np.int64)
    hi = lo + np.array([r.data_length for r in inside], dtype=np.int64)
    right = np.array([read_right(r) for r in inside], dtype=bool)
    out = []
    while len(lo):  # each round takes one piece of every read; reads span at most a few
        b = np.searchsorted(base, lo, side="right") - 1
        safe = np.maximum(b, 0)
        in_buffer = (b >= 0) & (lo < base[safe] + size)
        stop = np.minimum(hi, base[safe] + size)
        k = in_buffer
        out.append((packet[k], b[k], (lo - base[safe])[k], (stop - base[safe])[k], right[k]))
        nxt = np.minimum(b + 1, len(base) - 1)
        new_lo = np.where(in_buffer, stop, np.where(b + 1 < len(base), base[nxt], hi))
        keep = new_lo < hi
        packet, lo, hi, right = packet[keep], new_lo[keep], hi[keep], right[keep]
    if not out:
        z = np.zeros(0, np.int64)
        return z, z, z, z, np.zeros(0, bool)
    return tuple(np.concatenate([piece[i] for piece in out]) for i in range(5))


# -- drawing ----------------------------------------------------------------------------------


def _rects(x0, x1, y0, y1) -> np.ndarray:
    """Vertices (N, 4, 2) of axis-aligned rectangles."""
    x0, x1, y0, y1 = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, dtype=float)) for v in (x0, x1, y0, y1))
    )
    return np.stack(
        [
            np.stack([x0, y0], -1),
            np.stack([x1, y0], -1),
            np.stack([x1, y1], -1),
            np.stack([x0, y1], -1),
        ],
        axis=1,
    )


def _axes_pixels(ax) -> tuple[float, float]:
    box = ax.get_window_extent()
    return max(box.width, 1.0), max(box.height, 1.0)


def _nice_step(minimum: float) -> int:
    """The smallest of 1, 2, 4, 8, ... that is at least ``minimum``."""
    step = 1
    while step < minimum:
        step *= 2
    return step


def memory_map_rules(pool) -> list[tuple[str, str]]:
    """The rules a memory map of ``pool`` shows, each with its provenance label."""
    lay = pool.layout
    rules = []
    if lay.buffer_size != lay.requested_buffer_size:
        rules.append(
            (
                "source",
                f"bufferSize {lay.requested_buffer_size} → {lay.buffer_size} "
                "by XNU's size rule (that DriverKit pools use it is undocumented)",
            )
        )
    if lay.segment_size != lay.start_segment_size:
        rules.append(
            (
                "source",
                f"segment {lay.start_segment_size} → {lay.segment_size}: "
                "XNU resizes it to the pool's buffers",
            )
        )
    rules.append(("modelled", "segments end to end in one descriptor; packet i owns buffer i"))
    if getattr(pool, "reported_stride", False) and lay.stride_error:
        rules.append(
            ("reported", f"segment offsets use the requested stride {lay.requested_buffer_size}")
        )
    return rules


def _used_buffers(pool, host, pieces_buffers) -> int:
    """How many buffers, from the first, the picture must show: up to the last buffer a
    packet holds, the host wrote, or a read touched (at least one)."""
    last = [0]
    last += [p.index for p in pool.packets if p.place is not Place.POOL]
    if host is not None:
        last += [w.packet for w in host.writes]
    if len(pieces_buffers):
        last.append(int(pieces_buffers.max()))
    return min(max(last) + 1, pool.layout.buffer_count)


def draw_memory_map(
    ax,
    pool,
    *,
    mapping=None,
    host=None,
    readings=None,
    highlight=None,
    max_rows: int | None = None,
    legend: bool = True,
    rules: bool = True,
    title: str | None = None,
    crop: bool = True,
):
    """Draw ``pool``'s memory: one row per buffer (or per group of buffers when there are too
    many to see), what its bytes hold, segment and page boundaries, and where ``readings`` read.

    Only the buffers up to the last one in use (held by a packet, written, or read) are drawn;
    one hatched row at the bottom says how many free buffers, and buffers of the region nobody
    asked for, are left out (``crop=False`` draws every buffer). When even those are too many
    for a row each, rows group 2^k buffers and show, as a stacked bar, what share of their
    bytes each kind has.

    ``mapping`` (an :class:`~vethlab.driverkit.memory.IOMemoryMap` of the pool's descriptor, e.g.
    the dext's) labels rows with addresses in hex; without it the pool's own dext mapping is
    used, and without that, pool offsets. ``host`` (a :class:`~vethlab.wire.host.HostStack`)
    adds frames' link headers and stale bytes. ``highlight`` outlines one buffer. ``max_rows``
    overrides how many rows fit (by default: the axes' height in pixels / 7). Returns ``ax``;
    what was drawn is in ``ax.vethlab``.
    """
    layout = pool.layout
    size = layout.buffer_size
    readings = list(readings or [])
    if mapping is None:
        mapping = getattr(pool, "dext_mapping", None)
    _width_px, height_px = _axes_pixels(ax)
    pieces = _read_pieces(layout, readings)
    n = _used_buffers(pool, host, pieces[1]) if crop else layout.buffer_count  # rows drawn
    left_out = layout.buffer_count - n  # free buffers past the last used one
    if max_rows is None:
        max_rows = max(1, int(height_px / _MIN_ROW_PX))
    aggregated = n > max_rows
    per_row = 1
    if aggregated:
        per_row = _nice_step(n / max(1, int(height_px / _MIN_BIN_PX)))
    rows = -(-n // per_row)
    record = {
        "mode": "aggregated" if aggregated else "buffers",
        "aggregated": aggregated,
        "buffers": layout.buffer_count,
        "shown_buffers": n,
        "left_out_buffers": left_out,
        "rows": rows,
        "buffers_per_row": per_row,
        "rects": 0,
        "highlight": highlight,
    }

    all_regions = buffer_regions(pool, host, link_headers=not aggregated)
    record["bytes"] = all_regions.bytes_by_kind()
    keep = all_regions.buffer < n
    regions = BufferRegions(
        *(
            a[keep]
            for a in (all_regions.buffer, all_regions.start, all_regions.end, all_regions.kind)
        )
    )
    record["bytes_shown"] = regions.bytes_by_kind()
    status_x0 = size * (1 + _STATUS_WIDTH / 2)
    status_x1 = size * (1 + 1.5 * _STATUS_WIDTH)

    # The map sets its axes' limits itself (at the end): every collection is added with
    # autolim=False, so that matplotlib does not grow the data limits to fit each one.
    if aggregated:
        record["rects"] = _draw_stacked(ax, regions, n, size, per_row, rows)
        record["stacked_kinds"] = [k for k in REGION_KINDS if record["bytes_shown"].get(k)]
    else:
        verts = _rects(regions.start, regions.end, regions.buffer + 0.08, regions.buffer + 0.92)
        colors = [KIND_COLORS[REGION_KINDS[k]] for k in regions.kind]
        ax.add_collection(
            PolyCollection(verts, facecolors=colors, edgecolors="none", antialiased=False),
            autolim=False,
        )
        edges = _rects(0, size, np.arange(n) + 0.08, np.arange(n) + 0.92)
        ax.add_collection(
            PolyCollection(edges, facecolors="none", linewidths=0.5, edgecolors=COLORS["boundary"]),
            autolim=False,
        )
        record["rects"] = len(verts) + len(edges)

    # Reads: a band in the lower part of each row they touch; the status column per row.
    packets, bufs, r0, r1, _right = pieces
    role_of_packet = {r.index: read_role(r, layout) for r in readings}
    record["read_pieces"] = len(packets)
    wrong_packets = sorted({r.index for r in readings if not read_right(r)})
    record["errors"] = wrong_packets
    record["early"] = sorted(i for i, role in role_of_packet.items() if role == "early_read")
    record["reads_outside_pool"] = sorted(r.index for r in readings if r.read_offset is None)
    if not aggregated and len(packets):
        verts = _rects(r0, r1, bufs + 0.62, bufs + 0.92)
        colors = [COLORS[role_of_packet[int(p)]] for p in packets]
        hatches = ["////" if role_of_packet[int(p)] == "wrong_read" else None for p in packets]
        ax.add_collection(
            PolyCollection(verts, facecolors=colors, edgecolors="none"), autolim=False
        )
        wrong = np.array([h is not None for h in hatches], dtype=bool)
        if wrong.any():  # wrong reads are hatched too: told apart without the colour
            place(ax, hatch_over(verts[wrong], "////", COLORS["background"]))
        record["rects"] += len(verts)
    # Status column: per row, the worst verdict of its packets (wrong > early > right).
    rank = {"right_read": 1, "early_read": 2, "wrong_read": 3}
    status = np.zeros(rows, np.int8)  # 0: nothing read there
    for index, role in role_of_packet.items():
        row = index // per_row
        if row < rows:
            status[row] = max(status[row], rank[role])
    ys = np.flatnonzero(status)
    if len(ys):
        by_rank = {v: k for k, v in rank.items()}
        colors = [COLORS[by_rank[int(status[y])]] for y in ys]
        y0 = ys * per_row
        y1 = np.minimum(ys * per_row + per_row, n)
        pad = 0.08 if not aggregated else 0.0
        ax.add_collection(
            PolyCollection(
                _rects(status_x0, status_x1, y0 + pad, y1 - pad),
                facecolors=colors,
                edgecolors="none",
            ),
            autolim=False,
        )
        record["rects"] += len(ys)
    record["error_rows"] = [int(r) for r in np.flatnonzero(status == 3)]

    # Boundaries: segments (thick) and pages (thin), where they fall in the picture.
    record.update(_draw_boundaries(ax, layout, n, size, per_row, height_px, rows))

    if highlight is not None and int(highlight) < n:
        h = int(highlight)
        ax.add_collection(
            PolyCollection(
                _rects(0, size, h - 0.05, h + 1.05),
                facecolors="none",
                edgecolors=COLORS["selection"],
                linewidths=1.6,
            ),
            autolim=False,
        )
        record["rects"] += 1

    # What is not drawn: free buffers past the last used one, and the region's buffers past
    # those asked for (source: XNU's segments are whole; modelled: nobody uses them). One
    # hatched row, tall enough for its words (_UNUSED_ROW_PX).
    extra = layout.region_buffer_count - layout.buffer_count
    record["unused_buffers"] = extra
    if extra > 0 or left_out > 0:
        row_h = max(float(per_row), n * _UNUSED_ROW_PX / max(1.0, height_px - _UNUSED_ROW_PX))
        ax.add_collection(
            PolyCollection(
                _rects(0, size, n + 0.08 * row_h, n + 0.92 * row_h),
                facecolors=COLORS["unused"],
                hatch="///",
                edgecolors=COLORS["boundary"],
                linewidths=0.5,
            ),
            autolim=False,
        )
        words = []
        if left_out:
            words.append(f"{left_out:,} free buffer{'s' * (left_out != 1)} not drawn")
        if extra:
            words.append(f"+{extra:,} buffer{'s' * (extra != 1)} of the region, unused")
        ax.text(
            size * 0.5,
            n + 0.5 * row_h,
            "; ".join(words),
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            color=COLORS["text"],
            bbox={"facecolor": COLORS["unused"], "edgecolor": "none", "pad": 1.0},
        )
        record["rects"] += 1
    else:
        row_h = 0.0

    # Axes: buffer offsets across, buffers (and their addresses) down.
    ax.set_xlim(0, size * (1 + 2 * _STATUS_WIDTH))
    ax.set_ylim(n + row_h, 0)
    record["labels"] = _label_rows(ax, layout, mapping, n, per_row, height_px)
    requested = layout.requested_buffer_size
    xt = [0, size]
    if 0 < requested < size * 0.92:  # closer to the end, its label would cover the size's
        xt.insert(1, requested)
    ax.set_xticks(xt)
    ax.set_xticklabels([str(x) for x in xt], fontsize=FONT_SIZE)
    if layout.requested_buffer_size < size:
        ax.axvline(layout.requested_buffer_size, color=COLORS["text"], lw=0.8, ls=":")
    ax.set_xlabel(
        "byte offset inside the buffer"
        + (
            f" (dotted: the requested {layout.requested_buffer_size})"
            if layout.requested_buffer_size < size
            else ""
        ),
        fontsize=FONT_SIZE,
        color=COLORS["text"],
    )
    style_axes(ax, length=2, pad=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title is None:
        title = (
            f"{layout.buffer_count} buffers of {size} bytes (asked for "
            f"{layout.requested_buffer_size}), {layout.segment_count} segment(s) of "
            f"{layout.segment_size}"
            + (
                f" ({layout.segment_unused_bytes} unused at each end)"
                if layout.segment_unused_bytes
                else ""
            )
            + f", page {layout.page_size}"
        )
        if left_out:
            title += f"; the first {n:,} shown"
        if aggregated:
            title += f", {per_row} per row"
    ax.set_title(title, fontsize=TITLE_SIZE, loc="left", color=COLORS["text"])
    if legend:
        _legend(ax, record["bytes_shown"], readings, aggregated, set(role_of_packet.values()))
    if rules:
        record["provenance"] = add_provenance_notes(ax, memory_map_rules(pool))
    ax.vethlab = record
    return ax


#: The kinds of a stacked bar, left to right, as a buffer holds them.
_STACK_ORDER = [
    REGION_KINDS.index(k) for k in ("headroom", "link_header", "frame", "stale", "tailroom", "zero")
]


def _draw_stacked(ax, regions: BufferRegions, n: int, size: int, per_row: int, rows: int) -> int:
    """One stacked bar per row of ``per_row`` buffers: each kind of byte gets the share of the
    bar that it has of the row's bytes (the legend's colours, never a
    blend), in the order a buffer holds them. Returns the number of rectangles drawn."""
    row = regions.buffer // per_row
    weights = (regions.end - regions.start).astype(float)
    table = np.bincount(
        row * len(REGION_KINDS) + regions.kind,
        weights=weights,
        minlength=rows * len(REGION_KINDS),
    ).reshape(rows, len(REGION_KINDS))
    in_row = np.minimum(per_row, n - np.arange(rows) * per_row).astype(float)
    share = table / (in_row * size)[:, None]  # each row's bytes of each kind, as a share
    share = share[:, _STACK_ORDER]  # in the order a buffer holds them, left to right
    right = np.cumsum(share, axis=1) * size
    left = right - share * size
    r, k = np.nonzero(share > 0)
    y0 = r * per_row
    y1 = np.minimum(y0 + per_row, n)
    ax.add_collection(
        PolyCollection(
            _rects(left[r, k], right[r, k], y0, y1),
            facecolors=[KIND_COLORS[REGION_KINDS[_STACK_ORDER[kk]]] for kk in k],
            edgecolors="none",
            antialiased=False,
        ),
        autolim=False,
    )
    ax.add_collection(
        PolyCollection(
            _rects(0, size, 0, n),
            facecolors="none",
            edgecolors=COLORS["boundary"],
            linewidths=0.6,
        ),
        autolim=False,
    )
    return len(r) + 1


def _draw_boundaries(ax, layout, n, size, per_row, height_px, rows) -> dict:
    """Segment and page boundaries as line collections, skipped when too dense to read."""
    px_per_buffer = height_px / (rows * per_row)
    base = layout.buffer_offsets()
    out = {
        "segment_lines": [],
        "page_lines": 0,
        "page_lines_skipped": False,
        "segment_lines_skipped": False,
    }

    seg_buffers = [layout.segment_start(s) for s in range(1, layout.segment_count)]
    seg_rows = np.searchsorted(base, seg_buffers)
    seg_rows = seg_rows[seg_rows < n]  # segments that hold only unused buffers: not drawn
    if len(seg_rows) and px_per_buffer * layout.buffers_per_segment < _MIN_LINE_GAP_PX:
        out["segment_lines_skipped"] = True
    elif len(seg_rows):
        y = seg_rows.astype(float)
        segs = np.stack(
            [np.stack([np.zeros_like(y), y], -1), np.stack([np.full_like(y, size), y], -1)], axis=1
        )
        ax.add_collection(
            LineCollection(segs, colors=COLORS["segment_boundary"], linewidths=2.0), autolim=False
        )
        out["segment_lines"] = [int(b) for b in seg_rows]
        if len(seg_rows) <= 16:
            for s, b in enumerate(seg_rows, start=1):
                ax.text(
                    size * 0.995,
                    b,
                    f"segment {s}",
                    ha="right",
                    va="bottom",
                    fontsize=FONT_SIZE,
                    color=COLORS["segment_boundary"],
                )

    page = layout.page_size
    count = layout.length // page
    if count > 1:
        gap_px = px_per_buffer * page / size  # pixels between two page lines (on average)
        if gap_px < _MIN_LINE_GAP_PX:
            out["page_lines_skipped"] = True
        else:
            offsets = np.arange(1, count, dtype=np.int64) * page
            b = np.searchsorted(base, offsets, side="right") - 1
            x = offsets - base[b]
            # A boundary in a segment's tail belongs to no buffer row, and one past the rows
            # drawn (a large pool is cropped to its used buffers) is not drawn.
            inside = (x < size) & (b < n)
            b, x = b[inside], x[inside]
            at_start = x == 0
            # At a buffer's start: a line across the row top; inside a buffer: a tick.
            y = b.astype(float)
            across = np.stack(
                [np.stack([np.zeros_like(y), y], -1), np.stack([np.full_like(y, size), y], -1)],
                axis=1,
            )[at_start]
            ticks = np.stack(
                [np.stack([x.astype(float), y], -1), np.stack([x.astype(float), y + 1.0], -1)],
                axis=1,
            )[~at_start]
            lines = np.concatenate([across, ticks]) if len(ticks) else across
            ax.add_collection(
                LineCollection(
                    lines, colors=COLORS["page_boundary"], linewidths=0.8, linestyles=(0, (3, 2))
                ),
                autolim=False,
            )
            out["page_lines"] = len(lines)
    return out


def _label_rows(ax, layout, mapping, n, per_row, height_px) -> list[str]:
    """Y labels: buffer index and its base address (or pool offset), spaced to be legible."""
    px = height_px / n
    step = max(per_row, _nice_step(_LABEL_GAP_PX / px))
    if per_row > 1:
        step = per_row * _nice_step(step / per_row)
    index = np.arange(0, n, step)
    base = layout.buffer_offsets()[index]
    if mapping is not None:
        addrs = [f"0x{mapping.address_of(int(o)):x}" for o in base]
    else:
        addrs = [f"+0x{int(o):x}" for o in base]
    if per_row > 1:
        labels = [
            f"{i}–{min(i + per_row, n) - 1}  {a}" if step == per_row else f"{i}  {a}"
            for i, a in zip(index, addrs)
        ]
    else:
        labels = [f"{i}  {a}" for i, a in zip(index, addrs)]
    ax.set_yticks(index + (0.5 if per_row == 1 else 0.0))
    ax.set_yticklabels(labels, fontsize=FONT_SIZE, family=MONO_FONT)
    where = "address in the dext's mapping" if mapping is not None else "pool offset"
    ax.set_ylabel(f"buffer  ({where})", fontsize=FONT_SIZE, color=COLORS["text"])
    return labels


def _legend(ax, totals: dict, readings, aggregated: bool, roles: set) -> None:
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor=KIND_COLORS[k],
            edgecolor=COLORS["boundary"],
            linewidth=0.4,
            label=KIND_LABELS[k],
        )
        for k in reversed(REGION_KINDS)
        if totals.get(k)
    ]
    if aggregated:
        handles.append(
            Patch(
                facecolor=COLORS["unused"],
                hatch="///",
                edgecolor=COLORS["boundary"],
                label="not drawn: free or unused",
            )
        )
    if readings:
        handles += [
            Patch(
                facecolor=COLORS[role],
                edgecolor=COLORS["background"] if role == "wrong_read" else "none",
                hatch="////" if role == "wrong_read" else None,
                label=_READ_LABELS[role],
            )
            for role in ("right_read", "early_read", "wrong_read")
            if role in roles
        ]
        handles.append(
            Patch(
                facecolor="none",
                edgecolor="none",
                label="(last column: per group of buffers)"
                if aggregated
                else "(bands under rows; last column: per packet)",
            )
        )
    ax.legend(
        labelcolor=COLORS["text"],
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=FONT_SIZE,
        frameon=False,
        borderaxespad=0.0,
        handlelength=1.2,
    )


_READ_LABELS = {
    "right_read": "read at the frame",
    "early_read": "read at the buffer's start: early by the data offset",
    "wrong_read": "read somewhere else",
}
