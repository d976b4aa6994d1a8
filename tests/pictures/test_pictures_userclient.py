"""Pictures of the user client: structure of what was drawn, never pixels."""

import matplotlib.pyplot as plt
import pytest

from vethlab.driverkit.userclient import USER_CLIENT_MOVES, Trace, UserClientState
from vethlab.handoff.stack_slot import DEFAULT_GUARD
from vethlab.pictures.userclient import (
    OVERWRITTEN_LABEL,
    SLOT_COLORS,
    draw_call_sequence,
    draw_design_comparison,
    draw_output_struct,
    draw_state_machine,
    sequence_rows,
)
from vethlab.question.runs import deliver, frame_of_length


def test_state_machine_is_drawn_from_the_table():
    """Every state is a box, every move of the table is on an edge, the current state is marked."""
    _, ax = plt.subplots()
    draw_state_machine(ax, UserClientState.CRASHED)
    drawn = ax.vethlab
    assert drawn["states"] == [s.name for s in UserClientState]
    assert sorted(m for _, _, moves in drawn["edges"] for m in moves) == sorted(
        m.action for m in USER_CLIENT_MOVES
    )
    assert (
        "OPEN",
        "OPEN",
        ["ExternalMethod", "AsyncCompletion", "CopyClientMemoryForType"],
    ) in drawn["edges"]
    assert drawn["current"] == "CRASHED"


def test_state_machine_labels_stay_off_their_arrows():
    """A self-loop's label starts above the loop; a slanted edge's label is beside its line."""
    _, ax = plt.subplots(figsize=(6, 3))
    labels = draw_state_machine(ax).vethlab["labels"]
    assert {(a, b) for a, b, *_ in labels} == {
        (m.source.name, m.target.name) for m in USER_CLIENT_MOVES
    }
    box = {t.get_text(): t.get_position() for t in ax.texts}  # each state's name sits in its box
    slanted = 0
    for src, dst, x, y, ha, loop_top in labels:
        if src == dst:
            assert loop_top is not None and y > loop_top
        elif ha != "center":  # the line at the label's height lies on the other side of it
            (x0, y0), (x1, y1) = box[src], box[dst]
            line_x = x0 + (x1 - x0) * (y - y0) / (y1 - y0)
            assert (line_x < x) if ha == "left" else (line_x > x)
            slanted += 1
    assert slanted == 2  # OPEN -> CRASHED and CRASHED -> CLOSED


def test_state_machine_takes_a_client():
    """A user client's own state is the one highlighted."""
    run = deliver([frame_of_length(60)], close=False)
    _, ax = plt.subplots()
    assert draw_state_machine(ax, run.app.connect.client).vethlab["current"] == "OPEN"


def test_call_sequence_collapses_runs_and_marks_errors():
    """Runs of the same call are one row "× n"; a failing code is an error row."""
    run = deliver([frame_of_length(60 + i) for i in range(5)], "per_packet")
    _, ax = plt.subplots()
    drawn = draw_call_sequence(ax, run.app.trace).vethlab
    assert drawn["rows"] == [
        ("open", "IOServiceOpen", "kIOReturnSuccess", 1),
        ("call", "RegisterCallback", "kIOReturnSuccess", 1),
        ("notify", "AsyncCompletion", "kIOReturnSuccess", 1),
        ("deliver", "on_packets_available", "kIOReturnSuccess", 1),
        ("call", "GetPacket", "kIOReturnSuccess", 5),
        ("call", "GetPacket", "kIOReturnNoFrames", 1),
        ("close", "IOServiceClose", "kIOReturnSuccess", 1),
    ]
    assert drawn["errors"] == [5] and drawn["lifelines"] == ["app", "dext"]


def test_sequence_rows_stop_at_the_limit():
    """At most max_rows rows are drawn."""
    trace = Trace()
    for i in range(10):
        trace.record("call", f"c{i}", 0)
    assert len(sequence_rows(trace, max_rows=4)) == 4


@pytest.mark.parametrize(
    "length, overwritten, fault",
    [
        (1000, [], False),
        (1700, [(1600, 1604, "packet_size"), (1604, 1700, "after the struct")], False),
        (
            3700,
            [
                (1600, 1604, "packet_size"),
                (1604, 1604 + DEFAULT_GUARD, "after the struct"),
                (1604 + DEFAULT_GUARD, 3700, "past the stack"),
            ],
            True,
        ),
    ],
)
def test_output_struct_shows_what_the_copy_overwrote(length, overwritten, fault):
    """The hatched ranges are the record's overwritten bytes; a fault is marked."""
    run = deliver([frame_of_length(length)], "per_packet", get_packet="question", close=False)
    _, ax = plt.subplots()
    drawn = draw_output_struct(ax, run.dext.records[-1]).vethlab
    assert drawn["overwritten"] == overwritten
    assert drawn["fault"] is fault
    assert drawn["frame_length"] == length
    assert drawn["regions"][-1][1] == 1604 + DEFAULT_GUARD  # the slot is drawn to the stack's end
    hatched = [p for p in ax.patches if p.get_hatch() == "////"]
    assert len(hatched) == len(overwritten)
    assert (OVERWRITTEN_LABEL in drawn["legend"]) is bool(overwritten)  # the hatching has a key
    assert ax.vethlab_provenance[0][0] == "reported"
    if fault:  # the crash is marked where the copy ended, inside the axes, on its own box
        mark = next(t for t in ax.texts if "EXC_BAD_ACCESS" in t.get_text())
        assert mark.get_position()[0] == max(hi for _, hi, _ in overwritten) <= ax.get_xlim()[1]
        assert mark.get_ha() == "right" and mark.get_bbox_patch() is not None


def test_output_struct_shows_the_leak_in_stale_colour():
    """After a 1500-byte frame, a 100-byte one leaves 1400 stale bytes in the struct."""
    run = deliver(
        [frame_of_length(1500, 1), frame_of_length(100, 2)], "per_packet", get_packet="question"
    )
    _, ax = plt.subplots()
    drawn = draw_output_struct(ax, run.dext.records[-1]).vethlab
    assert (100, 1500, "stale") in drawn["regions"]
    assert drawn["leaked"] == [(100, 1500, run.dext.records[0].serial)]
    stale = [p for p in ax.patches if p.get_label() == "stale"]
    assert len(stale) == 1 and stale[0].get_width() == 1400
    assert stale[0].get_facecolor()[:3] == pytest.approx(
        tuple(int(SLOT_COLORS["stale"][i : i + 2], 16) / 255 for i in (1, 3, 5))
    )


def test_design_comparison_bars_and_no_goal_ticks():
    """Four bars with the JSON's values, numbers just after them; no goal ticks, even if an
    old JSON still carries goals."""
    result = {
        "per_packet_pps": 3.0,
        "batch_pps": 20.0,
        "shared_mapping_pps": 40.0,
        "bare_copy_pps": 100.0,
        "goals": {"shared_mapping": 0.25, "per_packet": 0.05},
    }
    _, ax = plt.subplots()
    drawn = draw_design_comparison(ax, result).vethlab
    assert drawn["bars"] == {
        "per_packet": 3.0,
        "batch": 20.0,
        "shared_mapping": 40.0,
        "bare_copy": 100.0,
    }
    assert drawn["value_labels_at"] == drawn["bars"]
    assert "goals" not in drawn
    assert len(ax.patches) == 4 and len(ax.lines) == 0
    assert "goal" not in ax.get_xlabel()


def test_struct_marks_never_overlap_at_a_jumbo_frame():
    """A 9018-byte frame squeezes the struct to the left: "packet_size" moves up a line (or
    is dropped) rather than covering "packet_data[1600]"."""
    from vethlab.pictures.labels import overlapping, renderer_of, visible_texts

    run = deliver([frame_of_length(9018)], "per_packet", get_packet="question", close=False)
    _, ax = plt.subplots(figsize=(9, 2.4))
    drawn = draw_output_struct(ax, run.dext.records[-1]).vethlab
    assert drawn["labels_moved"] or drawn["labels_dropped"]
    assert overlapping(visible_texts(ax), renderer_of(ax.figure)) == []
