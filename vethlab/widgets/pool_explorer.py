"""The pool explorer: sliders for a pool's parameters, its memory map and its offset errors.

``pool_explorer()`` returns an ipywidgets box. Moving a control builds a new pool with the
model (a dext creates it with ``CreateWithOptions`` and maps it, the host stack fills it with
frames, recycles them, and fills it again), reads every packet with the chosen method
(``vethlab.question``'s three formulas), and draws the memory map and the offset errors into
one figure that is reused for every redraw and shown as a PNG.

An impossible combination (more packets than buffers, a zero buffer size, buffers too small for
a frame) shows the model's error message in place of the picture, never a traceback.

Everything the last redraw did is in ``widget.vethlab_state``: the parameters, the layout, the
error message (or None), the offset errors, what each picture drew, and how long it took, so a
test can move a slider and check the result without a browser. ``explore_pool`` is the model
half on its own, for notebooks and tests.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import ipywidgets as widgets
from matplotlib.ticker import MaxNLocator

from vethlab.ioreturn import BadArgument, IOReturnError
from vethlab.model.machine import PROFILES, SEGMENT_SIZES
from vethlab.model.memory import Mac
from vethlab.networkingdriverkit.pool import IOUserNetworkPacketBufferPool
from vethlab.pictures.memory_map import (
    KIND_COLORS,
    KIND_LABELS,
    REGION_KINDS,
    draw_memory_map,
    memory_map_rules,
    read_right,
)
from vethlab.pictures.offsets import draw_offset_errors
from vethlab.pictures.style import COLORS
from vethlab.question.scenario import (
    METHODS,
    QuestionDext,
    fill_pool,
    frame_room,
    read_packet,
)
from vethlab.widgets.canvas import (
    FigureImage,
    clear_axes,
    control_rows,
    escape,
    finish,
    labelled,
    render_png,
    selection_readout,
    watch,
)
from vethlab.widgets.verdict import read_verdict, verdict_html
from vethlab.wire.frames import mixed_frames
from vethlab.wire.host import HostStack

__all__ = [
    "pool_explorer",
    "explore_pool",
    "Exploration",
    "ExplorerFigure",
    "summary_html",
    "legend_html",
    "render_png",
    "clear_axes",
    "PACKET_CHOICES",
    "BUFFER_CHOICES",
    "EXPLORER_HEADROOM",
    "BUFFER_SIZE_MAX",
]

#: Packet counts the explorer offers: up to 4096, the count XNU raises a TX pool to (source:
#: ``kern_pbufpool_create``); more packets than that only take longer to fill.
PACKET_CHOICES = tuple(2**k for k in range(13))
#: Buffer counts: up to 65,536, where the memory map draws groups of buffers per row.
BUFFER_CHOICES = tuple(2**k for k in range(17))
#: The largest requested size the slider offers: past a 9000-byte jumbo frame, with room to
#: spare (the model has no cap on the size itself, only ``vethlab.model.layout.MAX_REGION_BYTES``).
BUFFER_SIZE_MAX = 16384
#: TX headroom of the explorer's packets: 8, as Apple's sample sets with SetTxPacketHeadroom.
EXPLORER_HEADROOM = 8


@lru_cache(maxsize=16)
def _frames(count: int, seed: int, max_len: int) -> tuple[bytes, ...]:
    """The host's frames (input data, not model state: cached so sliders stay quick)."""
    return tuple(mixed_frames(count, seed=seed, max_len=max_len))


@dataclass
class Exploration:
    """One pool built by the model for the explorer: the dext, its pool, the host stack that
    filled it, and each method's readings (computed when first asked for)."""

    params: dict
    dext: QuestionDext
    host: HostStack
    sent: list
    _readings: dict = field(default_factory=dict, repr=False)

    @property
    def pool(self) -> IOUserNetworkPacketBufferPool:
        return self.dext.pool

    @property
    def layout(self):
        return self.dext.pool.layout

    def readings(self, method: str) -> list:
        """Every sent packet read with ``method`` (a key of ``vethlab.question.METHODS``)."""
        if method not in METHODS:
            raise BadArgument(f"method {method!r} is unknown; allowed: {', '.join(METHODS)}")
        if method not in self._readings:
            self._readings[method] = [read_packet(self.dext, method, p) for p in self.sent]
        return self._readings[method]


def explore_pool(
    *,
    profile: str = "apple-silicon",
    segment_size: int = 65536,
    buffer_size: int = 1600,
    packets: int = 32,
    buffers: int | None = None,
    quirk: bool = True,
    headroom: int = EXPLORER_HEADROOM,
    seed: int = 0,
) -> Exploration:
    """Build the explorer's pool with the model and fill it: a first round of frames that is
    recycled (its bytes stay behind as stale bytes), then the round the methods read.

    Raises the model's ``IOReturnError`` for parameters ``CreateWithOptions`` refuses, and
    ``BadArgument`` when the real buffers cannot hold the host's smallest frames."""
    buffers = packets if buffers is None else buffers
    mac = Mac(profile, segment_size, seed, requested_stride_quirk=quirk)
    # The current API's pool (PoolFlagMapToDext), which the dext also maps itself, so all
    # three of the question's formulas can be evaluated on one pool.
    dext = QuestionDext(mac, buffer_size, packets, api="current", buffers=buffers)
    dext.Start()
    host = HostStack(dext.pool)
    max_len = frame_room(dext.pool, headroom)
    sent = fill_pool(
        host,
        _frames(packets, seed, max_len),
        _frames(packets, seed + 1, max_len),
        headroom=headroom,
    )
    params = dict(
        profile=str(profile),
        segment_size=segment_size,
        buffer_size=buffer_size,
        packets=packets,
        buffers=buffers,
        quirk=bool(quirk),
        headroom=headroom,
        seed=seed,
    )
    return Exploration(params, dext, host, sent)


class ExplorerFigure:
    """A dashboard's one figure (memory map above, offset errors below) and the state of its
    last redraw. The pool explorer and the question's sliders both draw through it.

    Legends, rule notes and titles are HTML beside the picture rather than text in it: the
    browser sets text for free, and text is most of what Agg spends its time on."""

    def __init__(self, size_px):
        self.canvas = FigureImage(size_px, axes=False)
        self.figure = self.canvas.figure
        self.map_ax = self.figure.add_axes((0.25, 0.42, 0.73, 0.56))
        self.err_ax = self.figure.add_axes((0.25, 0.08, 0.73, 0.25))
        # The HTML under the picture names the axes (redraw empties their labels). Placed by
        # hand, an empty label no longer makes matplotlib measure every tick label at each
        # draw to keep it clear of them.
        for ax in (self.map_ax, self.err_ax):
            ax.xaxis.set_label_coords(0.5, 0.0)
            ax.yaxis.set_label_coords(0.0, 0.5)
        self.state: dict = {"redraws": 0, "error": None}
        self._few = (MaxNLocator(nbins=4, integer=True), MaxNLocator(nbins=4, integer=True))

    def redraw(self, params: dict, method: str) -> bytes | None:
        """Build the pool for ``params`` (``explore_pool``'s keywords), read it with ``method``,
        draw, show the PNG and return it; None, with ``state["error"]`` set and the picture
        hidden, if the model refuses."""
        started = time.perf_counter()
        self.state.update(params=dict(params), method=method)
        try:
            explored = explore_pool(**params)
            readings = explored.readings(method)
        except (IOReturnError, MemoryError) as err:
            message = (
                str(err)
                if isinstance(err, IOReturnError)
                else (
                    "the simulated pool does not fit in this computer's memory; choose fewer or "
                    "smaller buffers"
                )
            )
            self.state.update(
                error=message,
                layout=None,
                summary=None,
                map=None,
                offsets=None,
                offset_errors=None,
                slot_errors=None,
                wrong_packets=None,
                png_bytes=0,
                exploration=None,
                rules=None,
            )
            self.state["redraws"] += 1
            self.state["last_ms"] = (time.perf_counter() - started) * 1e3
            self.canvas.hide()
            return None
        clear_axes(self.map_ax)
        clear_axes(self.err_ax)
        layout = explored.layout
        draw_memory_map(
            self.map_ax,
            explored.pool,
            mapping=explored.dext.pool_map,
            host=explored.host,
            readings=readings,
            legend=False,
            rules=False,
            title="",
        )
        draw_offset_errors(
            self.err_ax, {METHODS[method].cpp: readings}, title="", legend=False, pool=explored.pool
        )
        # The HTML under the picture names the axes; fewer ticks and labels, less text to set.
        for ax in (self.map_ax, self.err_ax):
            ax.set_xlabel("")
            ax.set_ylabel("")
        self.err_ax.xaxis.set_major_locator(self._few[0])
        self.err_ax.yaxis.set_major_locator(self._few[1])
        png = self.canvas.show()
        self.state.update(
            error=None,
            layout=layout,
            summary=layout.summary(),
            map=self.map_ax.vethlab,
            offsets=self.err_ax.vethlab,
            offset_errors=[r.offset_error for r in readings],
            # Where each read landed relative to its own packet's buffer base: 0 when the
            # slot is right (the frame may still be dataOffset bytes further on).
            slot_errors=[
                None if r.read_offset is None else r.read_offset - layout.buffer_offset(r.index)
                for r in readings
            ],
            wrong_packets=[r.index for r in readings if not read_right(r)],
            png_bytes=len(png),
            exploration=explored,
            rules=memory_map_rules(explored.pool),
        )
        self.state["redraws"] += 1
        self.state["last_ms"] = (time.perf_counter() - started) * 1e3
        return png


def summary_html(state: dict) -> str:
    if state["error"]:
        p = state["params"]
        asked = (
            f"{p['profile']}, {p['segment_size'] // 1024} KiB boot segment, bufferSize "
            f"{p['buffer_size']}, packetCount {p['packets']}, bufferCount {p['buffers']}, "
            f"quirk {'on' if p['quirk'] else 'off'}, read with {METHODS[state['method']].cpp}"
        )
        return (
            f"<div style='padding:0.4em 1em;border-left:4px solid {COLORS['wrong_read']}'>"
            f"<b>The model refuses this pool</b> ({escape(asked)}).<br>"
            f"{escape(state['error'])}</div>"
        )
    s = state["summary"]
    wrong = len(state["wrong_packets"])
    total = len(state["offset_errors"])
    kind = read_verdict(state["slot_errors"], state["offset_errors"])
    if kind == "right":
        words = "every packet is read at its frame"
    elif kind == "early":
        early = sorted({-e for e in state["offset_errors"]})
        by = f"{early[0]}" if len(early) == 1 else f"{early[0]}–{early[-1]}"
        words = (
            f"every read lands on its own buffer's first byte, still {by} bytes early: the "
            "headroom / data offset short of its frame"
        )
    else:
        words = f"{wrong} of {total} packets are read at the wrong place"
    return (
        f"bufferSize {s['requested_buffer_size']} → <b>{s['buffer_size']}</b>-byte buffers "
        f"({s['stride_error']:+d} bytes per slot), {s['buffers_per_segment']} per "
        f"{s['segment_size']}-byte segment, {s['segment_count']} segment(s), "
        f"{s['page_count']} page(s) of {s['page_size']} bytes. With "
        f"<code>{escape(METHODS[state['method']].cpp)}</code>: {verdict_html(kind, words)}."
    )


def _swatch(color: str, text: str) -> str:
    return (
        f"<span style='white-space:nowrap;margin-right:1.2em'><span style='display:inline-block;"
        f"width:0.9em;height:0.9em;background:{color};border:1px solid #4D4D4D;"
        f"vertical-align:middle;margin-right:0.3em'></span>{escape(text)}</span>"
    )


def _badge(label: str) -> str:
    """A provenance label as the pictures show it: outlined text, never a fill."""
    return (
        f"<span style='border:1px solid {COLORS['provenance']};color:{COLORS['provenance']};"
        f"padding:0 0.3em;white-space:nowrap'>{escape(label)}</span>"
    )


def legend_html(state: dict) -> str:
    """The map's legend and the rules it shows, each rule with its provenance label."""
    if state["error"]:
        return ""
    shown = state["map"]["bytes"]
    items = [
        _swatch(KIND_COLORS[k], KIND_LABELS[k]) for k in reversed(REGION_KINDS) if shown.get(k)
    ]
    items += [
        _swatch(COLORS["right_read"], "read at the frame"),
        _swatch(COLORS["early_read"], "read at the buffer's start: early by the data offset"),
        _swatch(COLORS["wrong_read"], "read somewhere else"),
    ]
    rules = "".join(f"<div>{_badge(label)} {escape(text)}</div>" for label, text in state["rules"])
    return (
        f"<div style='font-size:90%'>{''.join(items)}</div>"
        "<details style='font-size:85%;color:#6E6E6E'><summary>The rules drawn, where each "
        f"comes from, and how to read the picture</summary>{rules}"
        "Upper picture: one row per buffer (or per "
        "group of buffers), in pool order, labelled with the buffer's index and its address "
        "in the dext's mapping; across, the byte offset inside the buffer; the right-hand "
        "column is red where a packet was read at the wrong place. Lower plot: each packet's "
        "offset error in bytes (where the dext read − where the frame is) against the packet "
        "index.</details>"
    )


#: The explorer's picture in CSS pixels: seven controls above it and the legend below, and the
#: dashboard still fits JupyterLab at 1440×900 with the file browser open.
PICTURE_PX = (864, 430)


def pool_explorer(
    *,
    profile: str = "apple-silicon",
    segment_size: int = 65536,
    buffer_size: int = 1600,
    packets: int = 32,
    buffers: int = 32,
    quirk: bool = True,
    method: str = "question_fix",
    size_px: tuple[int, int] = PICTURE_PX,
) -> widgets.VBox:
    """The pool explorer dashboard. Its ``vethlab_state`` holds what the last redraw did;
    its ``vethlab_controls`` maps names (profile, segment_size, buffer_size, packets, buffers,
    quirk, method) to the control widgets, so code can move them like a learner would."""
    explorer = ExplorerFigure(size_px)
    slider = dict(continuous_update=False)
    controls = {
        "profile": labelled(widgets.ToggleButtons(options=sorted(PROFILES), value=profile), "Mac"),
        "segment_size": labelled(
            widgets.ToggleButtons(
                options=[(f"{s // 1024} KiB", s) for s in SEGMENT_SIZES], value=segment_size
            ),
            "segment size",
        ),
        "buffer_size": labelled(
            widgets.IntSlider(value=buffer_size, min=0, max=BUFFER_SIZE_MAX, **slider),
            "bufferSize asked",
        ),
        "packets": labelled(
            widgets.SelectionSlider(options=PACKET_CHOICES, value=packets, **slider),
            "packetCount",
        ),
        "buffers": labelled(
            widgets.SelectionSlider(options=BUFFER_CHOICES, value=buffers, **slider),
            "bufferCount",
        ),
        "quirk": labelled(
            widgets.Checkbox(value=quirk), "reported quirk: offsets use the requested stride"
        ),
        "method": labelled(
            widgets.Dropdown(options=[(m.cpp, k) for k, m in METHODS.items()], value=method),
            "the dext reads at",
        ),
    }
    for name in ("profile", "segment_size"):
        controls[name].style.button_width = "130px"
    summary = widgets.HTML()
    legend = widgets.HTML()
    box = widgets.VBox(
        [
            control_rows(
                [controls["profile"], controls["segment_size"]],
                [controls["buffer_size"], controls["method"]],
                [selection_readout(controls["packets"]), selection_readout(controls["buffers"])],
                [controls["quirk"]],
            ),
            summary,
            explorer.canvas.image,
            legend,
        ]
    )

    def update(_change=None):
        params = {
            name: controls[name].value
            for name in ("profile", "segment_size", "buffer_size", "packets", "buffers", "quirk")
        }
        explorer.redraw(params, controls["method"].value)
        summary.value = summary_html(explorer.state)
        legend.value = legend_html(explorer.state)

    watch(controls, update)
    return finish(box, controls, explorer.state, explorer.figure, explorer.canvas.image)
