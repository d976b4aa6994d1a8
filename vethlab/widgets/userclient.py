"""Dashboards of the user client (notebook 02): the GetPacket struct under a frame-size slider,
and the leak of stale bytes between two frames.

``struct_explorer()``  one frame of the slider's length through GetPacket (the question's code or
                       the safe one): which bytes of the struct and the stack after it were
                       written, what ``packet_size`` the app got, whether the dext died.
``leak_explorer()``    a frame, then a shorter one, through GetPacket: the stale bytes of the first
                       that travel to the app with the second.

Each runs a fresh simulated Mac per change (``vethlab.question.runs.deliver``), draws the last
GetPacket record with ``draw_output_struct`` and shows it as a PNG. ``widget.vethlab_state``
keeps what the last redraw found; ``widget.vethlab_controls`` names the controls.
"""

from __future__ import annotations

import ipywidgets as widgets

from vethlab.handoff.get_packet import GET_PACKET_VARIANTS
from vethlab.handoff.stack_slot import DEFAULT_GUARD
from vethlab.handoff.structs import GET_PACKET_DATA_SIZE
from vethlab.ioreturn import IOReturnName
from vethlab.pictures.userclient import draw_output_struct
from vethlab.question.runs import deliver, frame_of_length
from vethlab.widgets.canvas import FigureImage, control_rows, escape, finish, labelled, watch

__all__ = ["struct_explorer", "leak_explorer", "struct_text", "leak_text"]


#: The struct's picture in CSS pixels (two controls and a sentence above it).
PICTURE_PX = (864, 288)


class _StructFigure:
    """One figure with one axes, redrawn for each GetPacket record; no record (the call was
    refused) hides the picture, and the sentence above it says why."""

    def __init__(self, size_px):
        self.canvas = FigureImage(size_px, axes=False)
        self.figure = self.canvas.figure
        self.ax = self.figure.add_axes((0.05, 0.32, 0.92, 0.48))
        self.redraws = 0

    def draw(self, record) -> bytes:
        """Draw ``record`` and show it; hide the picture when there is none. The PNG shown (or
        b"" when hidden)."""
        self.redraws += 1
        if record is None:
            self.ax.vethlab = {}
            self.canvas.hide()
            return b""
        self.ax.clear()
        draw_output_struct(self.ax, record)
        return self.canvas.show()


def _run(lengths, variant, guard):
    frames = [frame_of_length(n, i + 1) for i, n in enumerate(lengths)]
    run = deliver(frames, "per_packet", get_packet=variant, guard=guard, close=False)
    records = list(run.dext.records)
    last_is_ours = len(records) == len(frames)
    return run, (records[-1] if records and last_is_ours else None)


def struct_text(state: dict) -> str:
    """One sentence on what the last frame did to the struct."""
    n = state["length"]
    if state["refused"]:
        return (
            f"The safe GetPacket refuses a {n}-byte frame with "
            f"{state['refused']}: it does not fit packet_data[{GET_PACKET_DATA_SIZE}], so the "
            "frame is dropped and no struct is returned (no picture)."
        )
    if state["fault"]:
        return (
            f"A {n}-byte copy ran off the end of the dext's stack: the dext crashed and the "
            f"app got {state['app_errors'][-1]}."
        )
    if state["overwritten"]:
        size = sum(hi - lo for lo, hi, name in state["overwritten"] if name == "packet_size")
        past = sum(hi - lo for lo, hi, name in state["overwritten"] if name != "packet_size")
        which = "packet_size" if size == 4 else f"{size} of packet_size's 4 bytes"
        tail = f", and {past} bytes of the stack after the struct" if past else ""
        return (
            f"A {n}-byte frame overwrote {which}{tail}: the app got packet_size "
            f"{state['packet_size']}."
        )
    return f"A {n}-byte frame fits: the app got packet_size {state['packet_size']}."


def leak_text(state: dict) -> str:
    """One sentence on what leaked with the second frame."""
    if state["record"] is None:
        return "The second frame was not sent (see the errors)."
    if state["leaked_bytes"]:
        return (
            f"With the {state['current']}-byte frame, {state['leaked_bytes']} bytes of the "
            f"earlier {state['previous']}-byte frame went to the app too."
        )
    return f"Nothing stale went to the app with the {state['current']}-byte frame."


def _length_slider(value: int, longest: int, description: str) -> widgets.IntSlider:
    """A frame-length slider from Ethernet's 60-byte minimum to ``longest``."""
    return labelled(
        widgets.IntSlider(value=value, min=60, max=longest, continuous_update=False), description
    )


def _variant_buttons(variant: str) -> widgets.ToggleButtons:
    """The GetPacket variant: the question's, or the safe one."""
    buttons = labelled(
        widgets.ToggleButtons(options=list(GET_PACKET_VARIANTS), value=variant), "GetPacket"
    )
    buttons.style.button_width = "130px"
    return buttons


def struct_explorer(
    length: int = 1700,
    *,
    variant: str = "question",
    guard: int = DEFAULT_GUARD,
    size_px: tuple[int, int] = PICTURE_PX,
) -> widgets.VBox:
    """A frame-length slider (60..9018) and the GetPacket variant, over the output struct."""
    figure = _StructFigure(size_px)
    controls = {
        "length": _length_slider(length, 9018, "frame length"),
        "variant": _variant_buttons(variant),
    }
    sentence = widgets.HTML()
    state: dict = {}

    def update(_change=None):
        n, which = controls["length"].value, controls["variant"].value
        run, record = _run([n], which, guard)
        errors = [IOReturnName(kr) for kr in run.app.errors]
        refused = errors[0] if record is None and errors else None
        png = figure.draw(record)
        state.update(
            length=n,
            variant=which,
            record=record,
            refused=refused,
            app_errors=errors,
            overwritten=[] if record is None else record.overwritten(),
            packet_size=None if record is None else record.packet_size_returned,
            fault=bool(record and record.fault),
            crashed=run.dext.crash is not None,
            received=list(run.received),
            picture=figure.ax.vethlab,
            png_bytes=len(png),
            redraws=figure.redraws,
        )
        sentence.value = f"<b>{escape(struct_text(state))}</b>"

    watch(controls, update)
    box = widgets.VBox([control_rows(list(controls.values())), sentence, figure.canvas.image])
    return finish(box, controls, state, figure.figure, figure.canvas.image)


def leak_explorer(
    previous: int = 1500,
    current: int = 100,
    *,
    variant: str = "question",
    size_px: tuple[int, int] = PICTURE_PX,
) -> widgets.VBox:
    """Two frame lengths (60..1600), sent one after the other, and the GetPacket variant: the
    struct the second GetPacket returned, stale bytes in orange."""
    figure = _StructFigure(size_px)
    controls = {
        "previous": _length_slider(previous, GET_PACKET_DATA_SIZE, "first frame"),
        "current": _length_slider(current, GET_PACKET_DATA_SIZE, "second frame"),
        "variant": _variant_buttons(variant),
    }
    sentence = widgets.HTML()
    state: dict = {}

    def update(_change=None):
        first, second = controls["previous"].value, controls["current"].value
        which = controls["variant"].value
        run, record = _run([first, second], which, DEFAULT_GUARD)
        png = figure.draw(record)
        state.update(
            previous=first,
            current=second,
            variant=which,
            record=record,
            leaked=[] if record is None else record.leaked(),
            leaked_bytes=0 if record is None else record.leaked_bytes,
            frames_intact=run.identical,
            picture=figure.ax.vethlab,
            png_bytes=len(png),
            redraws=figure.redraws,
        )
        sentence.value = f"<b>{escape(leak_text(state))}</b>"

    watch(controls, update)
    box = widgets.VBox(
        [
            control_rows([controls["previous"], controls["current"]], [controls["variant"]]),
            sentence,
            figure.canvas.image,
        ]
    )
    return finish(box, controls, state, figure.figure, figure.canvas.image)
