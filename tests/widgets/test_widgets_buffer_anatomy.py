"""The buffer anatomy dashboard: sliders set a real packet, the picture follows, errors replace it."""

from vethlab.widgets.buffer_anatomy import FLOW_OPTIONS, buffer_anatomy


def errors(box):
    return {key: landing.error for key, landing in box.vethlab_state["landings"].items()}


def packet_state(packet):
    return (
        packet.index,
        packet.GetHeadroom(),
        packet.getDataOffset(),
        packet.getDataLength(),
        packet.getLinkHeaderLength(),
    )


def test_first_picture_is_a_bsd_socket_packet():
    """At start: packet 3, headroom 8, frame at the headroom; the fix and today's API are right."""
    box = buffer_anatomy()
    state = box.vethlab_state
    assert state["error"] is None and state["renders"] == 1
    assert packet_state(state["packet"]) == (3, 8, 8, 98, 14)
    assert errors(box) == {"first_attempt": -8, "question_fix": 0, "current_api": 0}
    assert box.vethlab_controls["flow"].value == 0
    assert box.vethlab_figure.axes[0].vethlab["regions"][0] == ("headroom", 0, 8)


def test_native_flow_toggle_moves_the_frame_two_bytes_and_breaks_the_fix():
    """Trap 3: the native-flow button sets data offset = headroom + 2; only the fix goes wrong."""
    box = buffer_anatomy()
    controls, state = box.vethlab_controls, box.vethlab_state
    png = box.vethlab_image.value
    controls["flow"].value = dict(FLOW_OPTIONS)["native flow: +2"]
    assert controls["data_offset"].value == 10
    assert packet_state(state["packet"]) == (3, 8, 10, 98, 14)
    assert errors(box) == {"first_attempt": -10, "question_fix": -2, "current_api": 0}
    assert box.vethlab_image.value != png
    controls["flow"].value = 0
    assert errors(box) == {"first_attempt": -8, "question_fix": 0, "current_api": 0}


def test_headroom_moves_the_frame_with_the_chosen_flow():
    """With native flow chosen, a new headroom keeps the frame 2 bytes past it."""
    box = buffer_anatomy(native_flow=True)
    controls = box.vethlab_controls
    controls["headroom"].value = 20
    assert controls["data_offset"].value == 22
    assert packet_state(box.vethlab_state["packet"])[1:3] == (20, 22)
    assert errors(box)["question_fix"] == -2


def test_a_data_offset_of_no_flow_clears_the_buttons():
    """A data offset that is neither headroom + 0 nor + 2 selects no flow button; the fix is off by the difference."""
    box = buffer_anatomy()
    controls = box.vethlab_controls
    controls["data_offset"].value = 30
    assert controls["flow"].value is None
    assert errors(box) == {"first_attempt": -30, "question_fix": -22, "current_api": 0}
    controls["data_offset"].value = 10
    assert controls["flow"].value == 2


def test_out_of_range_shows_the_error_and_keeps_the_packet():
    """Offset + length past the buffer: the IOReturnError message replaces the picture; nothing changes."""
    box = buffer_anatomy()
    controls, state = box.vethlab_controls, box.vethlab_state
    image, message = box.vethlab_image, box.children[2]
    before = packet_state(state["packet"])
    renders = state["renders"]
    controls["data_length"].value = 2048
    assert "kIOReturnBadArgument" in state["error"] and "2056" in state["error"]
    assert packet_state(state["packet"]) == before
    assert state["renders"] == renders
    assert image.layout.display == "none" and message.layout.display == ""
    assert "<b>kIOReturnBadArgument</b> (0xe00002c2)" in message.value
    assert "2056 does not fit the packet" in message.value and "2048-byte buffer" in message.value
    controls["data_length"].value = 100
    assert state["error"] is None and not image.layout.display and message.layout.display == "none"
    assert packet_state(state["packet"]) == (3, 8, 8, 100, 14)


def test_packet_slider_reaches_the_second_segment():
    """Trap 4: packet 40 lives in segment 1, so base + segment offset lands a segment early."""
    box = buffer_anatomy()
    box.vethlab_controls["index"].value = 40
    record = box.vethlab_state["record"]
    assert (record["index"], record["segment"]) == (40, 1)
    assert errors(box) == {"first_attempt": -65544, "question_fix": -65536, "current_api": 0}
