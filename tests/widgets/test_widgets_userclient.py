"""The user-client dashboards: move a control as a learner would, check what was drawn."""

from vethlab.widgets.userclient import leak_explorer, leak_text, struct_explorer, struct_text


def test_struct_explorer_follows_the_frame_length():
    """Fits, overwrites packet_size, overwrites the stack, crashes the dext: as the slider moves."""
    box = struct_explorer(1000)
    state, length = box.vethlab_state, box.vethlab_controls["length"]
    assert state["overwritten"] == [] and state["packet_size"] == 1000
    first_png = box.vethlab_image.value
    length.value = 1602
    assert state["overwritten"] == [(1600, 1602, "packet_size")]
    assert state["packet_size"] != 1602
    assert box.vethlab_image.value != first_png
    assert "2 of packet_size's 4 bytes" in struct_text(state)
    length.value = 2000
    assert [name for _, _, name in state["overwritten"]] == ["packet_size", "after the struct"]
    assert not state["crashed"]
    length.value = 9000
    assert state["fault"] and state["crashed"] and state["app_errors"] == ["kIOReturnNotResponding"]
    assert state["picture"]["fault"] is True
    assert "crashed" in struct_text(state)
    assert state["redraws"] == 4


def test_struct_explorer_safe_variant_refuses_long_frames():
    """The safe GetPacket drops a 9000-byte frame with kIOReturnMessageTooLarge; nothing is overwritten."""
    box = struct_explorer(9000, variant="safe")
    state = box.vethlab_state
    assert state["refused"] == "kIOReturnMessageTooLarge" and state["record"] is None
    assert not state["crashed"] and "refuses" in struct_text(state)
    box.vethlab_controls["length"].value = 1600
    assert state["refused"] is None and state["overwritten"] == [] and state["packet_size"] == 1600


def test_leak_explorer_shows_stale_bytes_only_for_the_question_code():
    """1500 then 100 bytes: 1400 stale bytes with the question's code, none with the safe one."""
    box = leak_explorer(1500, 100)
    state = box.vethlab_state
    assert state["leaked_bytes"] == 1400 and state["frames_intact"]
    assert "1400 bytes of the earlier 1500-byte frame" in leak_text(state)
    box.vethlab_controls["variant"].value = "safe"
    assert state["leaked_bytes"] == 0 and state["picture"]["leaked"] == []
    box.vethlab_controls["variant"].value = "question"
    box.vethlab_controls["current"].value = 1500
    assert state["leaked_bytes"] == 0  # nothing is shorter: nothing stale shows
    assert "Nothing stale" in leak_text(state)
