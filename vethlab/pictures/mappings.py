r"""One memory descriptor and its mappings in two tasks, side by side.

``draw_mappings(ax, pool_or_descriptor, dext, kernel_or_app)`` draws three columns::

      dext's address space        the descriptor          app's address space
      (addresses grow down)       (offsets 0..length)     (or the kernel's)
    0x12e300000 +------+         0 +--------+          +------+ 0x1044a0000
                |pages |  <====>   |buffer 3|  <====>  |      |
                | ...  |           |  ...   |          |      |
    0x12e328000 +------+           +--------+          +------+
                  guard page                            x 0xa800: EXC_BAD_ACCESS (simulated)

* a task's mappings of the descriptor are bands at their addresses; the bytes the caller asked
  for (``GetAddress()``, ``GetLength()``) are filled, and the rest of their pages, which the task
  can read too because a mapping is made of whole pages, is hatched;
* the chosen buffer's bytes in the descriptor are joined to their address in every mapping
  that shows them: two mappings of one descriptor resolve the same buffer at two addresses;
* page boundaries (``IOVMPageSize``: 16 KiB on Apple silicon, 4 KiB on Intel) cross every band;
* a probe is an address a task reads: a dot where a mapping answers, a cross where none does,
  which is the simulated fault (``SimulatedFault``, the model of EXC_BAD_ACCESS).

Address spaces are huge and mappings small, so each column shows only windows around what it
has to show (its mappings of the descriptor and its probes), each window to scale and padded
by a page; a break (``≈``) separates windows. Every position comes from the model's objects
(``IOMemoryMap.page_start``/``page_end``/``address_of``, the pool's layout); the reads are the
model's own ``Task.read``. What was drawn is kept in ``ax.vethlab`` for tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle

from vethlab.driverkit.memory import IOMemoryDescriptor, IOMemoryMap
from vethlab.ioreturn import BadArgument
from vethlab.model.layout import round_up
from vethlab.model.memory import SimulatedFault, Task
from vethlab.networkingdriverkit.pool import IOUserNetworkPacketBufferPool
from vethlab.pictures.anatomy import fresh_axes, notes_under
from vethlab.pictures.style import COLORS, FONT_SIZE, MONO_FONT, READ_MARKERS, TITLE_SIZE, place

__all__ = ["draw_mappings", "probe_address", "Probe"]

_TOP, _BOTTOM = 0.84, 0.13  # the columns' vertical extent (axes run 0..1 upwards)
_BREAK = 0.035  # height of the break between two windows of one column
_MIN_SHARE = 0.2  # a window never gets less than this share of a column
_HALF = 0.06  # half the width of a column
_LINK = COLORS["selection"]  # the chosen buffer and what joins it to its addresses


@dataclass(frozen=True)
class Probe:
    """One address a task reads, and what the model answered."""

    task: str
    address: int
    label: str
    fault: str | None  # the SimulatedFault's message, or None when the read worked
    mapping: str | None  # the mapping that answered (IOMemoryMap.describe())
    offset: int | None  # the descriptor offset the address shows, for a mapping of it

    @property
    def faulted(self) -> bool:
        return self.fault is not None


def probe_address(
    task: Task, address: int, label: str = "", descriptor: IOMemoryDescriptor | None = None
) -> Probe:
    """Read one byte at ``address`` in ``task`` and say what happened (a fault or a byte of
    which mapping, and which ``descriptor`` offset when the mapping is of it)."""
    try:
        task.read(address, 1)
    except SimulatedFault as fault:
        return Probe(task.name, address, label, str(fault), None, None)
    mapping = task.space.find(address)
    offset = None
    if descriptor is not None and mapping.descriptor is descriptor:
        offset = mapping.offset_of(address)
    return Probe(task.name, address, label, None, mapping.describe(), offset)


class _Column:
    """Windows of one address space, stacked top to bottom, each to its own scale."""

    def __init__(self, x: float, windows: list[tuple[int, int]]) -> None:
        self.x = x
        self.windows = []
        if not windows:
            return
        total = sum(hi - lo for lo, hi in windows)
        shares = [max((hi - lo) / total, _MIN_SHARE) for lo, hi in windows]
        room = (_TOP - _BOTTOM) - _BREAK * (len(windows) - 1)
        top = _TOP
        for (lo, hi), share in zip(windows, shares):
            height = room * share / sum(shares)
            self.windows.append((lo, hi, top, top - height))
            top -= height + _BREAK

    def y(self, address: int) -> float | None:
        for lo, hi, y0, y1 in self.windows:
            if lo <= address <= hi:
                return y0 + (address - lo) / (hi - lo) * (y1 - y0)
        return None


def _hlines(ax, ys, x0: float, x1: float, **style) -> LineCollection:
    """Lines across from ``x0`` to ``x1`` at each height in ``ys``, as one collection: what
    ``ax.hlines`` draws, added with :func:`~vethlab.pictures.style.place`."""
    return place(ax, LineCollection([[(x0, y), (x1, y)] for y in ys], **style))


def _windows(items: list[tuple[int, int]], page: int) -> list[tuple[int, int]]:
    """Group address ranges into windows: near ranges share one, each padded by a page."""
    if not items:
        return []
    items = sorted(items)
    largest = max(hi - lo for lo, hi in items)
    gap = max(4 * page, largest // 2)
    groups = [list(items[0])]
    for lo, hi in items[1:]:
        if lo - groups[-1][1] <= gap:
            groups[-1][1] = max(groups[-1][1], hi)
        else:
            groups.append([lo, hi])
    return [(max(lo // page * page - page, 0), round_up(hi, page) + page) for lo, hi in groups]


def draw_mappings(
    ax,
    descriptor_or_pool,
    *tasks: Task,
    buffer: int | None = None,
    probes=(),
    title: str | None = None,
    refused: str | None = None,
):
    """Draw a descriptor (or a pool's) between one or two tasks' mappings of it; return ``ax``.

    ``tasks``: one or two :class:`~vethlab.model.memory.Task` (default for a pool: its owner's task
    and the kernel). ``buffer``: the pool buffer to join to its addresses (default 0; for a bare
    descriptor, no buffer). ``probes``: ``(task, address, label)`` tuples, reads to try and
    draw (a cross where the task faults). ``refused``: a mapping call the last task asked for
    and was refused (its words, e.g. the IOReturn and why): drawn in that task's column, boxed
    in the wrong-read colour and marked REFUSED, so the refusal stays on screen.
    """
    pool = (
        descriptor_or_pool
        if isinstance(descriptor_or_pool, IOUserNetworkPacketBufferPool)
        else None
    )
    descriptor = pool.CopyMemoryDescriptor() if pool is not None else descriptor_or_pool
    if not isinstance(descriptor, IOMemoryDescriptor):
        raise BadArgument(f"{descriptor_or_pool!r} is neither a pool nor an IOMemoryDescriptor")
    if not tasks:
        tasks = (pool.owner.task, pool.mac.kernel) if pool is not None else (descriptor.task,)
    if not 1 <= len(tasks) <= 2:
        raise BadArgument(f"{len(tasks)} tasks given; allowed: 1 or 2 (one each side)")
    mac = tasks[0].mac
    page = mac.page_size
    length = descriptor.GetLength()
    layout = pool.layout if pool is not None else None
    if layout is not None and buffer is None:
        buffer = 0
    if buffer is not None:
        if layout is None:
            raise BadArgument("buffer given, but a bare descriptor has no buffers; pass the pool")
        if not 0 <= buffer < layout.buffer_count:
            raise BadArgument(f"buffer {buffer} is outside 0..{layout.buffer_count - 1}")
    probes = [probe_address(t, a, label, descriptor) for t, a, label in probes]

    fresh_axes(ax)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    text = dict(fontsize=FONT_SIZE, color=COLORS["text"])
    mono = dict(text, family=MONO_FONT, fontsize=FONT_SIZE)

    # -- provenance, first: it sets the y limits the labels are placed in --------------------
    notes = [
        ("documented", "CreateMapping / Map give a descriptor an address in one task"),
        ("source", f"pages of {page} bytes ({mac.boot.profile.name})"),
        ("modelled", "where mappings land; a guard page between them"),
    ]
    if any(p.faulted and p.address < length for p in probes):
        notes.append(("observed", "without PoolFlagMapToDext the address is a pool offset"))
    notes_under(ax, notes, _BOTTOM - 0.06)

    # -- the descriptor, in the middle ------------------------------------------------------
    centres = {0: 0.4, 1: 0.7} if len(tasks) == 1 else {0: 0.26, 1: 0.5, 2: 0.74}
    dcol = _Column(centres[0 if len(tasks) == 1 else 1], [(0, length)])
    x0, x1 = dcol.x - _HALF, dcol.x + _HALF
    place(
        ax,
        Rectangle(
            (x0, dcol.y(length)),
            x1 - x0,
            dcol.y(0) - dcol.y(length),
            facecolor=COLORS["state"],
            edgecolor=COLORS["boundary"],
            linewidth=1.0,
            zorder=2,
        ),
    )
    page_lines = list(range(page, length, page))
    _hlines(
        ax,
        [dcol.y(o) for o in page_lines],
        x0,
        x1,
        color=COLORS["page_boundary"],
        linewidth=0.7,
        linestyle=(0, (3, 2)),
        zorder=3,
    )
    segment_lines = []
    if layout is not None:
        offsets = layout.buffer_offsets()
        if len(offsets) <= 128:
            _hlines(
                ax,
                [dcol.y(int(o)) for o in offsets[1:]],
                x0,
                x0 + 0.3 * (x1 - x0),
                color=COLORS["boundary"],
                linewidth=0.4,
                zorder=3,
            )
        segment_lines = [layout.segment_start(s) for s in range(1, layout.segment_count)]
        _hlines(
            ax,
            [dcol.y(o) for o in segment_lines],
            x0,
            x1,
            color=COLORS["segment_boundary"],
            linewidth=1.6,
            zorder=4,
        )
    for o in (0, length):
        ax.text(
            dcol.x,
            dcol.y(o) + (0.012 if o == 0 else -0.012),
            f"0x{o:x}",
            ha="center",
            va="bottom" if o == 0 else "top",
            **mono,
        )
    kind = (
        f"pool {pool.name!r}"
        if pool is not None
        else f"{type(descriptor).__name__} {descriptor.name!r}"
    )
    ax.text(
        dcol.x,
        _TOP + 0.05,
        f"descriptor: {kind}\n{length} bytes, offsets",
        ha="center",
        va="bottom",
        **dict(text, fontweight="bold"),
    )
    if buffer is not None:
        base, size = layout.buffer_offset(buffer), layout.buffer_size
        y_top, y_bot = dcol.y(base), dcol.y(base + size)
        place(
            ax,
            Rectangle(
                (x0, y_bot),
                x1 - x0,
                max(y_top - y_bot, 0.004),
                facecolor=_LINK,
                alpha=0.8,
                edgecolor=_LINK,
                zorder=5,
            ),
        )
        ax.text(
            dcol.x,
            (y_top + y_bot) / 2,
            f"buffer {buffer} @ 0x{base:x}",
            ha="center",
            va="center",
            zorder=6,
            **dict(mono, color=COLORS["background"], fontweight="bold"),
            bbox=dict(facecolor=_LINK, edgecolor="none", pad=1),
        )

    # -- each task: its windows, its mappings of the descriptor, its probes -----------------
    columns = {}
    mappings_drawn, links, faults = [], [], []
    task_x = [centres[1]] if len(tasks) == 1 else [centres[0], centres[2]]
    for task, cx in zip(tasks, task_x):
        own = [m for m in task.space.mappings if m.descriptor is descriptor]
        mine = [p for p in probes if p.task == task.name]
        items = [(m.page_start, m.page_end) for m in own] + [
            (p.address, p.address + 1) for p in mine
        ]
        column = _Column(cx, _windows(items, page))
        columns[task.name] = column
        outer = -1 if cx < 0.5 else 1  # labels go on the side away from the descriptor
        lx = cx + outer * (_HALF + 0.012)
        lha = "right" if outer < 0 else "left"
        labels: list[tuple[float, str, dict]] = []  # (y wanted, text, style), placed at the end
        ax.text(
            cx,
            _TOP + 0.05,
            f"{task.name}'s address space\n(addresses grow down)",
            ha="center",
            va="bottom",
            **dict(text, fontweight="bold"),
        )
        if not column.windows:
            ax.text(
                cx,
                (_TOP + _BOTTOM) / 2,
                "no mapping of\nthis descriptor",
                ha="center",
                va="center",
                **dict(text, color=COLORS["muted_text"]),
            )
        for i, (lo, hi, ya, yb) in enumerate(column.windows):
            place(
                ax,
                Rectangle(
                    (cx - _HALF, yb),
                    2 * _HALF,
                    ya - yb,
                    facecolor=COLORS["background"],
                    edgecolor=COLORS["boundary"],
                    linewidth=0.6,
                    linestyle=":",
                    zorder=1,
                ),
            )
            if not any(m.page_start < hi and lo < m.page_end for m in task.space.mappings):
                ax.text(
                    cx,
                    ya - 0.05,
                    "nothing\nmapped here",
                    ha="center",
                    va="center",
                    **dict(text, color=COLORS["muted_text"]),
                )
            if not any(lo <= m.page_start < hi for m in own):  # bands label themselves
                labels.append((ya, f"0x{lo:x}", dict(mono, color=COLORS["muted_text"])))
                labels.append((yb, f"0x{hi:x}", dict(mono, color=COLORS["muted_text"])))
            if i:
                ax.text(
                    cx, ya + _BREAK / 2, "≈", ha="center", va="center", **dict(text, fontsize=12)
                )
            # other mappings of this task inside the window, for context
            for m in task.space.mappings:
                if m.descriptor is descriptor or m.page_end <= lo or m.page_start >= hi:
                    continue
                ya2, yb2 = column.y(max(m.page_start, lo)), column.y(min(m.page_end, hi))
                place(
                    ax,
                    Rectangle(
                        (cx - _HALF, yb2),
                        2 * _HALF,
                        ya2 - yb2,
                        facecolor=COLORS["state"],
                        edgecolor="none",
                        zorder=2,
                    ),
                )
                ax.text(cx, (ya2 + yb2) / 2, m.descriptor.name, ha="center", va="center", **mono)
        for m in own:
            mappings_drawn.append(_draw_mapping(ax, m, column, page, labels, mono))
            _join(
                ax,
                dcol,
                column,
                m.GetOffset(),
                m.GetOffset() + m.GetLength(),
                m,
                dict(facecolor=COLORS["mapping"], alpha=0.35, edgecolor="none", zorder=1),
            )
            if buffer is not None:
                link = _draw_link(ax, m, column, dcol, layout, buffer, descriptor, mono)
                if link is not None:
                    links.append(link)
        for p in mine:
            y = column.y(p.address)
            asked = p.offset is not None and any(
                m.GetOffset() <= p.offset < m.GetOffset() + m.GetLength()
                for m in own
                if m.page_start <= p.address < m.page_end
            )
            # right: a byte that was asked for; wrong: a fault, or a byte nobody asked for
            if p.faulted:
                colour, what = COLORS["wrong_read"], "EXC_BAD_ACCESS\n(simulated fault)"
            elif p.offset is None:
                colour, what = COLORS["wrong_read"], "reads another mapping"
            elif asked:
                colour, what = COLORS["right_read"], f"reads offset 0x{p.offset:x}"
            else:  # inside the mapping's pages, outside what was asked for
                colour, what = COLORS["wrong_read"], f"reads offset 0x{p.offset:x},\nnot asked for"
            mx = cx + outer * _HALF * 0.72  # off-centre: link labels sit in the middle
            marker = Line2D(
                [mx],
                [y],
                marker=READ_MARKERS[
                    "right_read" if colour == COLORS["right_read"] else "wrong_read"
                ],
                color=colour,
                zorder=8,
                markersize=10 if p.faulted else 7,
                markeredgecolor=COLORS["background"] if p.faulted else colour,
            )
            place(ax, marker)
            labels.append(
                (
                    y,
                    f"{p.label}\n0x{p.address:x}:\n{what}",
                    dict(mono, color=colour, fontweight="bold"),
                )
            )
            if p.faulted:
                faults.append(p)
                if p.address < length:  # the "address" is really a descriptor offset (trap 5)
                    side = 1 if dcol.x > cx else -1
                    ax.annotate(
                        "",
                        (dcol.x - side * _HALF, dcol.y(p.address)),
                        (mx + side * 0.012, y),
                        arrowprops=dict(
                            arrowstyle="-|>",
                            color=colour,
                            linestyle="--",
                            linewidth=1.0,
                            shrinkA=0,
                            shrinkB=0,
                        ),
                        zorder=8,
                    )
                    ax.text(
                        (cx + dcol.x) / 2,
                        (y + dcol.y(p.address)) / 2 + 0.035,
                        f"0x{p.address:x} is a\npool offset,\nnot an address",
                        ha="center",
                        va="bottom",
                        zorder=8,
                        **dict(mono, color=colour),
                        bbox=dict(
                            facecolor=COLORS["background"], edgecolor="none", pad=0.5, alpha=0.85
                        ),
                    )

        _place_labels(ax, labels, cx + outer * _HALF, lx, lha)

    if refused is not None:
        # under the column's "no mapping of this descriptor", which sits at its middle
        ax.text(
            task_x[-1],
            (_TOP + _BOTTOM) / 2 - 0.1,
            f"REFUSED\n{refused}",
            ha="center",
            va="top",
            **dict(text, color=COLORS["wrong_read"], fontweight="bold"),
            bbox=dict(
                facecolor=COLORS["background"],
                edgecolor=COLORS["wrong_read"],
                linewidth=1.5,
                pad=4,
            ),
            zorder=6,
        )
    key = _draw_key(ax, text, with_buffer=buffer is not None)
    shown = " and ".join(t.name for t in tasks)
    ax.set_title(
        title
        or f"{kind}: one descriptor of {length} bytes, its mappings in {shown}; "
        f"pages of {page} bytes",
        fontsize=TITLE_SIZE,
        loc="left",
        color=COLORS["text"],
        y=1.0,  # right above the axes: matplotlib need not lay out the hidden ticks to find room
    )

    ax.vethlab = {
        "tasks": [t.name for t in tasks],
        "page_size": page,
        "descriptor_length": length,
        "page_lines": len(page_lines),
        "segment_lines": len(segment_lines),
        "buffer": buffer,
        "key": key,
        "mappings": mappings_drawn,
        "links": links,
        "probes": probes,
        "faults": faults,
        "windows": {name: [(lo, hi) for lo, hi, _, _ in c.windows] for name, c in columns.items()},
        "notes": notes,
        "refused": refused,
    }
    return ax


def _draw_key(ax, text, with_buffer: bool) -> list[str]:
    """What the fills mean, under the title (the buffer's fill only when a buffer is drawn);
    returns the entries' labels."""
    entries = [
        (
            dict(facecolor=COLORS["mapping"], edgecolor=COLORS["boundary"]),
            "mapped bytes asked for (GetAddress(), GetLength())",
        ),
        (
            dict(facecolor=COLORS["background"], edgecolor=COLORS["boundary"], hatch="////"),
            "rest of their pages: readable too",
        ),
        (dict(facecolor=_LINK, edgecolor=_LINK, alpha=0.8), "the buffer, and where it is"),
    ][: 3 if with_buffer else 2]
    x = 0.0
    for style, label in entries:
        place(ax, Rectangle((x, 0.965), 0.02, 0.022, linewidth=0.6, clip_on=False, **style))
        ax.text(x + 0.026, 0.976, label, ha="left", va="center", **dict(text, fontsize=FONT_SIZE))
        x += 0.026 + 0.0062 * len(label) + 0.03
    return [label for _, label in entries]


def _place_labels(ax, labels, edge: float, lx: float, lha: str) -> None:
    """Write a column's side labels top to bottom without overlaps; a label pushed away from
    the height it names gets a thin leader line back to the column's edge."""
    figure = ax.figure
    height_px = ax.get_window_extent().height or figure.get_figheight() * figure.dpi
    gap = 0.006
    bottom_of_previous = 1.0
    for wanted, text, style in sorted(labels, key=lambda item: -item[0]):
        low, high = ax.get_ylim()
        line = style.get("fontsize", FONT_SIZE) * 1.25 * figure.dpi / 72 / height_px * (high - low)
        half = line * (text.count("\n") + 1) / 2
        y = min(wanted, bottom_of_previous - gap - half)
        bottom_of_previous = y - half
        ax.text(lx, y, text, ha=lha, va="center", zorder=8, **style)
        if abs(y - wanted) > line / 2:
            leader = Line2D(
                [edge, lx],
                [wanted, y],
                color=style.get("color", COLORS["text"]),
                linewidth=0.5,
                zorder=7,
            )
            place(ax, leader)


def _draw_mapping(ax, m: IOMemoryMap, column: _Column, page: int, labels: list, mono) -> dict:
    """One mapping's band: the asked bytes filled, the rest of their pages hatched, page lines
    across."""
    cx = column.x
    first, last = m.GetAddress(), m.GetAddress() + m.GetLength()
    for lo, hi in ((m.page_start, first), (last, m.page_end)):  # before and after the asked bytes
        if hi > lo:
            y_lo, y_hi = column.y(lo), column.y(hi)
            place(
                ax,
                Rectangle(
                    (cx - _HALF, y_hi),
                    2 * _HALF,
                    y_lo - y_hi,
                    facecolor=COLORS["background"],
                    edgecolor=COLORS["boundary"],
                    hatch="////",
                    linewidth=1.0,
                    zorder=3,
                ),
            )
    ya, yb = column.y(first), column.y(last)
    place(
        ax,
        Rectangle(
            (cx - _HALF, yb),
            2 * _HALF,
            ya - yb,
            facecolor=COLORS["mapping"],
            edgecolor=COLORS["boundary"],
            linewidth=1.0,
            zorder=4,
        ),
    )
    lines = list(range(m.page_start + page, m.page_end, page))
    _hlines(
        ax,
        [column.y(a) for a in lines],
        cx - _HALF,
        cx + _HALF,
        color=COLORS["page_boundary"],
        linewidth=0.7,
        linestyle=(0, (3, 2)),
        zorder=5,
    )
    labels.append(
        (
            (ya + yb) / 2,
            f"GetAddress()\n0x{first:x}\nGetLength() 0x{m.GetLength():x}"
            f"\npages 0x{m.page_start:x}\n   to 0x{m.page_end:x}",
            mono,
        )
    )
    return {
        "task": m.task.name,
        "page_start": m.page_start,
        "page_end": m.page_end,
        "address": first,
        "length": m.GetLength(),
        "offset": m.GetOffset(),
        "pages": (m.page_end - m.page_start) // page,
        "readable_not_asked": (m.page_end - m.page_start) - m.GetLength(),
        "read_only": m.read_only,
    }


def _join(ax, dcol: _Column, column: _Column, lo: int, hi: int, m: IOMemoryMap, style) -> None:
    """A band from descriptor offsets [lo, hi) to the addresses ``m`` shows them at."""
    side = 1 if column.x > dcol.x else -1
    xd, xt = dcol.x + side * _HALF, column.x - side * _HALF
    corners = [
        (xd, dcol.y(lo)),
        (xt, column.y(m.address_of(lo))),
        (xt, column.y(m.address_of(hi))),
        (xd, dcol.y(hi)),
    ]
    place(ax, Polygon(corners, closed=True, **style))


def _draw_link(
    ax,
    m: IOMemoryMap,
    column: _Column,
    dcol: _Column,
    layout,
    buffer: int,
    descriptor: IOMemoryDescriptor,
    mono,
) -> dict | None:
    """Join the buffer's bytes in the descriptor to where ``m`` shows them, if it does."""
    base, size = layout.buffer_offset(buffer), layout.buffer_size
    shown_lo = max(m.offset_of(m.page_start), 0)
    shown_hi = min(m.offset_of(m.page_end), descriptor.GetLength())
    lo, hi = max(base, shown_lo), min(base + size, shown_hi)
    if lo >= hi:
        return None
    _join(
        ax,
        dcol,
        column,
        lo,
        hi,
        m,
        dict(facecolor=_LINK, alpha=0.3, edgecolor=_LINK, linewidth=0.8, zorder=6),
    )
    address = m.address_of(base)
    y_mid = (column.y(m.address_of(lo)) + column.y(m.address_of(hi))) / 2
    ax.text(
        column.x,
        y_mid,
        f"0x{address:x}",
        ha="center",
        va="center",
        zorder=7,
        **dict(mono, color=COLORS["background"], fontweight="bold"),
        bbox=dict(facecolor=_LINK, edgecolor="none", pad=0.8),
    )
    return {
        "task": m.task.name,
        "mapping_address": m.GetAddress(),
        "buffer": buffer,
        "address": address,
        "whole": (lo, hi) == (base, base + size),
        "asked": m.GetOffset() <= base and base + size <= m.GetOffset() + m.GetLength(),
    }
