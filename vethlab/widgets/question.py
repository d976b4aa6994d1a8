"""The question's sliders: the requested buffer size, the Mac and its segment size, redrawn.

``question_sliders()`` is notebook 01's dashboard. It runs the question's first attempt
(``map->GetAddress() + GetMemorySegmentOffset()``, the reported quirk on, 32 packets with 8
bytes of headroom) on a pool built for the slider values, and redraws the memory map and the
offset errors. Move the requested size to the real one and the slots line up: every read lands
on its own buffer's first byte, still the headroom short of its frame, which is what the
question's fix adds (the verdict says "early", not "right"); anywhere else the reads drift by
``real − requested`` bytes per slot. Where nothing drifts but a pool has a second segment, its
packets are read a whole segment early, and the verdict names the segment.

Above the picture, two hex lines of one misread packet (:mod:`vethlab.pictures.misread`): the
16 bytes the first attempt read against the first 16 bytes of the packet's real frame, for the
current slider values.

``widget.vethlab_state`` holds the last redraw (see ``vethlab.widgets.pool_explorer``) plus
``misread`` (what the hex lines drew), ``aligned`` (every read landed on its own buffer's first
byte), ``verdict`` ("right", "early" or "wrong", :mod:`vethlab.widgets.verdict`) and
``sentence`` (the verdict's words).
"""

from __future__ import annotations

import ipywidgets as widgets

from vethlab.model.machine import PROFILES, SEGMENT_SIZES
from vethlab.pictures.hexdump import ByteRows
from vethlab.pictures.misread import draw_misread_hexdump
from vethlab.question.scenario import METHODS, MethodResult
from vethlab.traps import trap_title
from vethlab.widgets.canvas import (
    FigureImage,
    control_rows,
    escape,
    finish,
    labelled,
    watch,
)
from vethlab.widgets.pool_explorer import EXPLORER_HEADROOM, ExplorerFigure, legend_html
from vethlab.widgets.verdict import missed_segments, ranges_text, read_verdict, verdict_html

__all__ = ["question_sliders", "QUESTION_PACKETS", "slots_text"]

#: The question's pool: 32 packets (and as many buffers).
QUESTION_PACKETS = 32
#: The pictures' sizes in CSS pixels (the memory map with the offset errors, and the two hex
#: lines of one misread packet): with the controls above and the legend below, the whole
#: dashboard fits JupyterLab at 1440×900 with the file browser open.
PICTURE_PX = (864, 400)
HEX_PX = (864, 72)


def slots_text(state: dict) -> str:
    """One sentence on the last redraw, agreeing with the picture: right, early or wrong, and
    why (the drift per slot, or the segment whose packets are read a segment early)."""
    if state["error"]:
        return f"The model refuses this pool: {state['error']}"
    s = state["summary"]
    asked, real = s["requested_buffer_size"], s["buffer_size"]
    size = f"bufferSize {asked} is the real size" if asked == real else f"bufferSize {asked} became"
    slots, offsets = state["slot_errors"], state["offset_errors"]
    kind = read_verdict(slots, offsets)
    if kind == "right":
        return f"{size} {real}: every read lands on its frame's first byte."
    if kind == "early":
        early = sorted({-e for e in offsets})
        by = f"{early[0]} bytes" if len(early) == 1 else f"{early[0]}–{early[-1]} bytes"
        return (
            f"{size} {real}: the slots line up, but every read is still {by} early: it lands "
            "on its buffer's first byte, the headroom short of its frame "
            f"({trap_title(2)}; the question's fix adds GetHeadroom())."
        )
    drift = slots[1] - slots[0] if len(slots) > 1 and None not in slots[:2] else None
    if drift:
        return (
            f"{size} {real}: the reads miss their buffers; each slot drifts {abs(drift)} bytes "
            f"more than the last ({trap_title(1)})."
        )
    layout = state["layout"]
    indices = [r.index for r in state["exploration"].readings(state["method"])]
    segments = {k: v for k, v in missed_segments(layout, indices, slots).items() if k > 0}
    if segments:
        first = min(segments)
        packets = ranges_text(segments[first])
        return (
            f"{size} {real} and the slots do not drift, but packets {packets} are in segment "
            f"{first}: GetMemorySegmentOffset() counts from their segment's start, so each is "
            f"read {layout.segment_start(first)} bytes early, in segment 0 ({trap_title(4)})."
        )
    return f"{size} {real}: the reads miss their buffers."


def pool_line(state: dict) -> str:
    """The pool the sliders gave, as HTML: so that a move that leaves the picture as it was (an
    80 KiB boot segment that XNU shrinks to the same 64 KiB) says so."""
    if state["error"]:
        p = state["params"]
        return (
            f"<div style='font-size:90%'>refused on {escape(p['profile'])} with a "
            f"{p['segment_size'] // 1024} KiB boot segment, bufferSize {p['buffer_size']}</div>"
        )
    s = state["summary"]
    return (
        f"<div style='font-size:90%'>pool: {s['buffer_size']}-byte buffers, "
        f"{s['buffers_per_segment']} per {s['segment_size']}-byte segment (the boot drew "
        f"{s['boot_segment_size']}), {s['segment_count']} segment(s), pages of "
        f"{s['page_size']} bytes, cache line {s['cache_line']}</div>"
    )


def question_sliders(
    *,
    buffer_size: int = 1600,
    profile: str = "apple-silicon",
    segment_size: int = 65536,
    size_px: tuple[int, int] = PICTURE_PX,
) -> widgets.VBox:
    """Sliders for the requested buffer size, the profile and the segment size over the
    question's first attempt. ``vethlab_controls`` names the controls (buffer_size, profile,
    segment_size); ``vethlab_state`` is what the last redraw did."""
    figure = ExplorerFigure(size_px)
    hex_lines = FigureImage(HEX_PX, axes=False)
    hex_ax = hex_lines.figure.add_axes((0.19, 0.04, 0.8, 0.62))  # row labels on the left
    # The two lines' cells and texts, made once and filled anew at every redraw. The picture
    # ends where the cells end: whose bytes they are would fall past its right edge.
    hex_rows = ByteRows(hex_ax, 2, owners=False)
    controls = {
        "buffer_size": labelled(
            widgets.IntSlider(value=buffer_size, min=64, max=4096, continuous_update=False),
            "bufferSize asked",
        ),
        "profile": labelled(widgets.ToggleButtons(options=sorted(PROFILES), value=profile), "Mac"),
        "segment_size": labelled(
            widgets.ToggleButtons(
                options=[(f"{s // 1024} KiB", s) for s in SEGMENT_SIZES], value=segment_size
            ),
            "segment size",
        ),
    }
    for name in ("profile", "segment_size"):
        controls[name].style.button_width = "130px"
    sentence = widgets.HTML()
    legend = widgets.HTML()
    box = widgets.VBox(
        [
            control_rows(
                [controls["buffer_size"], controls["profile"]], [controls["segment_size"]]
            ),
            sentence,
            hex_lines.image,
            figure.canvas.image,
            legend,
        ]
    )

    method = "first_attempt"

    def update(_change=None):
        params = dict(
            profile=controls["profile"].value,
            segment_size=controls["segment_size"].value,
            buffer_size=controls["buffer_size"].value,
            packets=QUESTION_PACKETS,
            buffers=QUESTION_PACKETS,
            quirk=True,
            headroom=EXPLORER_HEADROOM,
        )
        figure.redraw(params, method)
        state = figure.state
        if state["error"]:
            state.update(aligned=False, verdict="wrong")
        else:
            state["aligned"] = all(e == 0 for e in state["slot_errors"])
            state["verdict"] = read_verdict(state["slot_errors"], state["offset_errors"])
        state["misread"] = None
        if state["error"]:
            hex_lines.hide()
        else:
            explored = state["exploration"]
            result = MethodResult(
                METHODS["first_attempt"], explored.dext, explored.host, explored.readings(method)
            )
            draw_misread_hexdump(hex_ax, result, lines=hex_rows)
            hex_lines.show()
            state["misread"] = hex_ax.vethlab
        state["sentence"] = slots_text(state)
        sentence.value = verdict_html(state["verdict"], state["sentence"]) + pool_line(state)
        legend.value = legend_html(state)

    watch(controls, update)
    return finish(box, controls, figure.state, figure.figure, figure.canvas.image)
