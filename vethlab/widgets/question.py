"""The question's sliders: the requested buffer size, the Mac and its segment size, redrawn.

``question_sliders()`` is notebook 01's dashboard. It runs the question's first attempt
(``map->GetAddress() + GetMemorySegmentOffset()``, the reported quirk on, 32 packets with 8
bytes of headroom) on a pool built for the slider values, and redraws the memory map and the
offset errors. Move the requested size to the real one and the slots line up: every read lands
on its own buffer's first byte (still the headroom short of the frame, which is what the
question's fix adds); anywhere else the reads drift by ``real − requested`` bytes per slot.

``widget.vethlab_state`` holds the last redraw (see ``vethlab.widgets.pool_explorer``) plus
``aligned``: whether every read landed on its own buffer's first byte.
"""

from __future__ import annotations

import ipywidgets as widgets

from vethlab.model.machine import PROFILES, SEGMENT_SIZES
from vethlab.widgets.canvas import escape, finish, watch
from vethlab.widgets.pool_explorer import EXPLORER_HEADROOM, ExplorerFigure, legend_html

__all__ = ["question_sliders", "QUESTION_PACKETS", "slots_text"]

#: The question's pool: 32 packets (and as many buffers).
QUESTION_PACKETS = 32


def slots_text(state: dict) -> str:
    """One sentence on the last redraw: do the slots line up, and by how much they drift."""
    if state["error"]:
        return f"The model refuses this pool: {state['error']}"
    s = state["summary"]
    slots = state["slot_errors"]
    if state["aligned"]:
        return (
            f"bufferSize {s['requested_buffer_size']} is the real size {s['buffer_size']}: "
            "every read lands on its own buffer's first byte, the headroom short of its "
            "frame."
        )
    drift = slots[1] - slots[0] if len(slots) > 1 and None not in slots[:2] else None
    tail = "" if drift is None else f"; each slot drifts {abs(drift)} bytes more than the last"
    return (
        f"bufferSize {s['requested_buffer_size']} became {s['buffer_size']}: the reads "
        f"miss their buffers{tail}."
    )


def question_sliders(
    *,
    buffer_size: int = 1600,
    profile: str = "apple-silicon",
    segment_size: int = 65536,
    figsize=(9.6, 6.0),
    dpi: int = 80,
) -> widgets.VBox:
    """Sliders for the requested buffer size, the profile and the segment size over the
    question's first attempt. ``vethlab_controls`` names the controls (buffer_size, profile,
    segment_size); ``vethlab_state`` is what the last redraw did."""
    figure = ExplorerFigure(figsize, dpi)
    style = {"description_width": "10em"}
    controls = {
        "buffer_size": widgets.IntSlider(
            value=buffer_size,
            min=64,
            max=4096,
            description="bufferSize asked",
            continuous_update=False,
            style=style,
            layout=widgets.Layout(width="46em"),
        ),
        "profile": widgets.ToggleButtons(
            options=sorted(PROFILES), value=profile, description="Mac", style=style
        ),
        "segment_size": widgets.ToggleButtons(
            options=[(f"{s // 1024} KiB", s) for s in SEGMENT_SIZES],
            value=segment_size,
            description="segment size",
            style=style,
        ),
    }
    image = widgets.Image(format="png")
    sentence = widgets.HTML()
    legend = widgets.HTML()
    box = widgets.VBox([*controls.values(), sentence, image, legend])

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
        png = figure.redraw(params, "first_attempt")
        state = figure.state
        state["aligned"] = (
            bool(state["slot_errors"]) and all(e == 0 for e in state["slot_errors"])
            if not state["error"]
            else False
        )
        if png is None:
            image.layout.display = "none"
        else:
            image.value = png
            image.layout.display = None
        color = "#D55E00" if state["error"] or not state["aligned"] else "#009E73"
        sentence.value = f"<b style='color:{color}'>{escape(slots_text(state))}</b>"
        legend.value = legend_html(state)

    watch(controls, update)
    return finish(box, controls, figure.state, figure.figure, image)
