"""The buffer anatomy dashboard: move a packet's headroom, data offset and length, and watch
where the question's attempt, the question's fix and today's API land.

``buffer_anatomy()`` returns an ipywidgets box. Its controls set the state of one real packet
of a real pool (through the packet's own setters: ``SetHeadroom``, ``setDataOffsetAndLength``,
``setLinkHeaderLength``) and its picture is :func:`vethlab.pictures.anatomy.draw_buffer_anatomy`
of that packet, rendered to a PNG in an ``Image`` widget from one reused figure.

The "data offset" buttons are the native-flow trap (MODEL.md trap 3): a BSD-socket frame starts
right at the headroom, a native-flow frame 2 bytes later (observed). The question's fix adds
the headroom, so it is right for the first and 2 bytes early for the second, while today's API
(``getDataVirtualAddress() + getDataOffset()``) stays right.

A combination the packet refuses (data offset + length beyond the buffer) shows the
IOReturnError's message in place of the picture, and the packet keeps its last good state.
Everything the dashboard did is in ``box.vethlab_state``, so a test can move a slider and
check what was drawn.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from vethlab.ioreturn import IOReturnError
from vethlab.model.memory import Mac
from vethlab.pictures.anatomy import draw_buffer_anatomy
from vethlab.question.scenario import QuestionDext
from vethlab.widgets.canvas import FigureImage, control_rows, finish, labelled
from vethlab.wire.host import native_flow_data_offset

__all__ = ["buffer_anatomy", "FLOW_OPTIONS"]

#: The data-offset buttons: bytes past the headroom where the frame starts (observed).
FLOW_OPTIONS = (("BSD socket: +0", 0), ("native flow: +2", 2))
#: The picture in CSS pixels: six controls above it, and the dashboard fits 1440×900.
PICTURE_PX = (864, 450)


def buffer_anatomy(
    *,
    profile: str = "apple-silicon",
    segment_size: int = 65536,
    buffer_size: int = 2048,
    packets: int = 64,
    index: int = 3,
    headroom: int = 8,
    native_flow: bool = False,
    data_length: int = 98,
    link_header: int = 14,
    quirk: bool = False,
    seed: int = 0,
    size_px: tuple[int, int] = PICTURE_PX,
) -> widgets.VBox:
    """A dashboard over one packet of a pool made the way today's API makes it.

    The pool belongs to a :class:`~vethlab.question.QuestionDext` created with
    ``PoolFlagMapToDext`` (``api="current"``), which also maps the pool the two ways the
    question did, so all three formulas can be evaluated. ``packets`` above one segment's
    worth puts later packets in a second segment (trap 4: a segment offset is not a pool offset).
    """
    mac = Mac(profile, segment_size, seed, requested_stride_quirk=quirk)
    dext = QuestionDext(mac, buffer_size, packets, api="current")
    dext.Start()
    pool = dext.pool
    held = [pool.allocatePacket() for _ in range(pool.GetPacketCount())]
    size = pool.layout.buffer_size

    slider = dict(continuous_update=False)
    controls = {
        "index": labelled(
            widgets.IntSlider(value=index, min=0, max=len(held) - 1, **slider), "packet"
        ),
        "headroom": labelled(
            widgets.IntSlider(value=headroom, min=0, max=255, **slider), "headroom"
        ),
        "flow": labelled(
            widgets.ToggleButtons(options=FLOW_OPTIONS, value=2 if native_flow else 0),
            "frame starts",
        ),
        "data_offset": labelled(
            widgets.IntSlider(
                value=native_flow_data_offset(headroom) if native_flow else headroom,
                min=0,
                max=size,
                **slider,
            ),
            "data offset",
        ),
        "data_length": labelled(
            widgets.IntSlider(value=data_length, min=0, max=size, **slider), "data length"
        ),
        "link_header": labelled(
            widgets.IntSlider(value=link_header, min=0, max=64, **slider), "link header"
        ),
    }
    controls["flow"].style.button_width = "140px"
    canvas = FigureImage(size_px)
    message = widgets.HTML(layout=widgets.Layout(display="none"))
    state = {
        "error": None,
        "renders": 0,
        "record": None,
        "landings": None,
        "pool": pool,
        "dext": dext,
        "packet": None,
    }
    syncing = {"on": False}

    def apply(*_):
        packet = held[controls["index"].value]
        before = (
            packet.GetHeadroom(),
            packet.getDataOffset(),
            packet.getDataLength(),
            packet.getLinkHeaderLength(),
        )
        try:
            packet.SetHeadroom(controls["headroom"].value)
            packet.setDataOffsetAndLength(
                controls["data_offset"].value, controls["data_length"].value
            )
            packet.setLinkHeaderLength(controls["link_header"].value)
        except IOReturnError as error:
            packet.SetHeadroom(before[0])
            packet.setDataOffsetAndLength(before[1], before[2])
            packet.setLinkHeaderLength(before[3])
            state["error"] = str(error)
            message.value = (
                "<div style='padding:1em;border:1px solid #D55E00;color:#222'>"
                f"<b>{html.escape(error.name)}</b> (0x{error.code:08x}): {html.escape(error.message)}"
                "<br>The packet keeps its last good state; move a slider back to see it.</div>"
            )
            message.layout.display = ""
            canvas.hide()
            return
        state["error"] = None
        state["packet"] = packet
        message.layout.display = "none"
        ax = canvas.axes()
        draw_buffer_anatomy(ax, packet, dext=dext)
        canvas.show()
        state["renders"] += 1
        state["record"] = ax.vethlab
        state["landings"] = ax.vethlab["landings"]

    def flow_changed(change):
        if syncing["on"] or change["new"] is None:
            return
        with_sync(
            lambda: setattr(
                controls["data_offset"], "value", controls["headroom"].value + change["new"]
            )
        )
        apply()

    def headroom_changed(change):
        extra = controls["flow"].value
        if extra is not None:  # keep the frame where the chosen flow puts it
            with_sync(lambda: setattr(controls["data_offset"], "value", change["new"] + extra))
        apply()

    def offset_changed(change):
        if syncing["on"]:
            return
        extra = change["new"] - controls["headroom"].value
        with_sync(
            lambda: setattr(
                controls["flow"], "value", extra if extra in dict(FLOW_OPTIONS).values() else None
            )
        )
        apply()

    def with_sync(action):
        syncing["on"] = True
        try:
            action()
        finally:
            syncing["on"] = False

    controls["flow"].observe(flow_changed, "value")
    controls["headroom"].observe(headroom_changed, "value")
    controls["data_offset"].observe(offset_changed, "value")
    for name in ("index", "data_length", "link_header"):
        controls[name].observe(apply, "value")

    apply()
    box = widgets.VBox(
        [
            control_rows(
                [controls["index"], controls["flow"]],
                [controls["headroom"], controls["data_offset"]],
                [controls["data_length"], controls["link_header"]],
            ),
            canvas.image,
            message,
        ]
    )
    return finish(box, controls, state, canvas.figure, canvas.image)
