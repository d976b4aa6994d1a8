"""The counted costs of the three designs: exact counts derived from the model, no timing."""

import pytest

from vethlab.handoff.app import QuestionApp
from vethlab.handoff.structs import (
    FRAMES_PER_NOTIFICATION,
    GET_PACKET_OUTPUT_SIZE,
    batch_record_size,
)
from vethlab.iokit import IOConnectCallScalarMethod
from vethlab.ioreturn import kIOReturnSuccess
from vethlab.model.costs import PER_FRAME_KEYS, Costs
from vethlab.model.memory import Mac
from vethlab.question.dext import PacketDext
from vethlab.question.runs import deliver, design_costs, frame_of_length
from vethlab.wire.frames import mixed_frames

FRAMES = mixed_frames(64, seed=0)  # standard sizes: every one fits the 1600-byte struct
N = len(FRAMES)
FRAME_BYTES = sum(len(f) for f in FRAMES)
PACKETS = 32  # deliver's default: the frames go in two rounds of 32
ROUNDS = N // PACKETS


def totals(design, **options):
    run = deliver(FRAMES, design, **options)
    assert run.identical
    return run.dext.mac.costs


def test_costs_count_each_event_once():
    """count_copy adds one copy and its bytes; the per-frame figures divide by the frames."""
    costs = Costs()
    costs.count_crossing()
    costs.count_copy(100)
    costs.count_copy(28)
    costs.count_notification()
    assert costs.totals() == {"crossings": 1, "copies": 2, "bytes_copied": 128, "notifications": 1}
    assert costs.per_frame(4) == dict(zip(PER_FRAME_KEYS, (0.25, 0.5, 32.0, 0.25)))
    assert costs.per_frame(0) == dict.fromkeys(PER_FRAME_KEYS)


def test_per_packet_counts():
    """Per packet: open, RegisterCallback, a GetPacket per frame plus the empty one ending each
    round, close; a stack-slot memcpy and a 1604-byte copy-out per frame; one notification a
    round."""
    costs = totals("per_packet")
    assert costs.crossings == 1 + 1 + ROUNDS * (PACKETS + 1) + 1 == 69
    assert costs.copies == 2 * N
    assert costs.bytes_copied == FRAME_BYTES + N * GET_PACKET_OUTPUT_SIZE == 129812
    assert costs.notifications == ROUNDS


def test_batch_counts():
    """Batch: open, RegisterCallback, one GetPackets a round (a round fits 64 KiB), close; one
    record copy of each frame straight into the app's out-of-line buffer."""
    costs = totals("batch")
    assert costs.crossings == 1 + 1 + ROUNDS + 1 == 5
    assert (costs.copies, costs.bytes_copied) == (N, FRAME_BYTES)
    assert costs.notifications == ROUNDS


def test_shared_mapping_counts():
    """Shared mapping: open, map, RegisterFrameCallback, one CompleteFrames a round, close; the
    app's one copy of each frame out of its mapping; a notification per 8 frames."""
    costs = totals("shared_mapping")
    assert costs.crossings == 1 + 1 + 1 + ROUNDS + 1 == 6
    assert (costs.copies, costs.bytes_copied) == (N, FRAME_BYTES)
    assert costs.notifications == N // FRAMES_PER_NOTIFICATION == 8


def test_design_costs_table_for_64_mixed_frames():
    """design_costs gives the four per-frame figures of each design, exactly."""
    table = design_costs(FRAMES)
    assert table == {
        "per_packet": {
            "calls_per_frame": 69 / 64,
            "copies_per_frame": 2.0,
            "bytes_copied_per_frame": 129812 / 64,
            "notifications_per_frame": 2 / 64,
        },
        "batch": {
            "calls_per_frame": 5 / 64,
            "copies_per_frame": 1.0,
            "bytes_copied_per_frame": FRAME_BYTES / 64,
            "notifications_per_frame": 2 / 64,
        },
        "shared_mapping": {
            "calls_per_frame": 6 / 64,
            "copies_per_frame": 1.0,
            "bytes_copied_per_frame": FRAME_BYTES / 64,
            "notifications_per_frame": 8 / 64,
        },
    }


def test_design_costs_are_deterministic():
    """Two runs of the default frames count the same."""
    assert design_costs() == design_costs()


def test_a_small_inline_batch_is_copied_twice():
    """A batch buffer of at most 4096 bytes travels inline: each frame's record copy into the
    dext's buffer, then one kernel copy-out of the bytes used."""
    mac = Mac()
    dext = PacketDext(mac, buffer_size=2048, packets=4, get_packet="safe")
    dext.Start()
    app = QuestionApp(dext, "batch", batch_bytes=4096)
    assert app.open() == kIOReturnSuccess
    frames = [frame_of_length(100, i) for i in range(4)]
    dext.transmit(frames)
    assert app.run() == 4 and app.received == frames
    used = 4 * batch_record_size(100)
    assert mac.costs.totals() == {
        "crossings": 3,
        "copies": 4 + 1,
        "bytes_copied": 4 * 100 + used,
        "notifications": 1,
    }


@pytest.mark.parametrize("variant", ["question", "safe"])
def test_the_question_get_packet_copies_as_the_safe_one(variant):
    """Both GetPacket variants copy a frame into the stack slot and 1604 bytes out."""
    costs = totals("per_packet", get_packet=variant)
    assert (costs.copies, costs.bytes_copied) == (2 * N, FRAME_BYTES + N * GET_PACKET_OUTPUT_SIZE)


@pytest.mark.parametrize("design", ["per_packet", "batch", "shared_mapping"])
def test_crossings_and_notifications_agree_with_the_trace(design):
    """Every crossing counted is an open, call, map or close in the app's trace; every
    notification counted is a callback the trace saw delivered."""
    run = deliver(FRAMES, design)
    kinds = [event.kind for event in run.app.trace.events]
    costs = run.dext.mac.costs
    assert costs.crossings == sum(kinds.count(k) for k in ("open", "call", "map", "unmap", "close"))
    assert costs.notifications == kinds.count("deliver")


def test_a_call_refused_by_the_app_side_does_not_cross():
    """A bad argument refused by the app's IOKit never reaches the kernel: nothing counted."""
    run = deliver(FRAMES[:1], "per_packet", close=False)
    before = run.dext.mac.costs.totals()
    kr, _ = IOConnectCallScalarMethod(run.app.connect, 1, [-1])
    assert kr != kIOReturnSuccess
    assert run.dext.mac.costs.totals() == before
