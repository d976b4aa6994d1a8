"""The question's dext and app: every design delivers the frames; the overflow and the leak are shown."""

import numpy as np
import pytest

from vethlab.driverkit.userclient import UserClientState
from vethlab.handoff.app import DESIGNS, QuestionApp
from vethlab.handoff.get_packet import GET_PACKET_VARIANTS
from vethlab.handoff.stack_slot import DEFAULT_GUARD, GUARD_PATTERN, OutputSlot
from vethlab.handoff.structs import GET_PACKET_OUTPUT_SIZE, unpack_get_packet_output
from vethlab.handoff.user_client import PacketUserClient, kGetPackets
from vethlab.iokit import IOConnectCallMethod
from vethlab.ioreturn import (
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnMessageTooLarge,
    kIOReturnNoSpace,
    kIOReturnNotPermitted,
    kIOReturnNotResponding,
    kIOReturnSuccess,
)
from vethlab.model.memory import Mac, SimulatedFault
from vethlab.model.moves import Place
from vethlab.question.dext import PacketDext
from vethlab.question.runs import compare_designs, deliver, frame_of_length
from vethlab.wire.frames import mixed_frames

STANDARD = mixed_frames(40, seed=7)
JUMBO = mixed_frames(40, seed=3, max_len=9000)


# -- all three designs ----------------------------------------------------------------------


@pytest.mark.parametrize("get_packet", GET_PACKET_VARIANTS)
def test_all_three_designs_deliver_identical_frames(get_packet):
    """Standard frames reach the app byte for byte, in order, through every design."""
    runs = compare_designs(STANDARD, get_packet=get_packet, packets=16)
    for design, run in runs.items():
        assert run.open_kr == kIOReturnSuccess, design
        assert run.identical, design
        assert run.app.errors == [], design
        assert run.app.connect.state is UserClientState.CLOSED
        assert run.dext.pool.free_count == 16, design  # every packet went back to the pool
    assert runs["per_packet"].received == runs["batch"].received == runs["shared_mapping"].received


def test_jumbo_frames_need_the_batch_or_the_shared_mapping():
    """Frames over 1600 bytes pass through batch and shared mapping; the safe GetPacket drops them."""
    assert max(map(len, JUMBO)) > 1600
    for design in ("batch", "shared_mapping"):
        assert deliver(JUMBO, design).identical
    run = deliver(JUMBO, "per_packet", get_packet="safe")
    small = [f for f in JUMBO if len(f) <= 1600]
    assert run.received == small
    assert run.app.errors == [kIOReturnMessageTooLarge] * (len(JUMBO) - len(small))
    assert run.dext.dropped == len(JUMBO) - len(small)


def test_the_app_without_entitlements_cannot_open():
    """No userclient-access: kIOReturnNotPermitted, nothing delivered."""
    run = deliver(STANDARD, "per_packet", entitlements={})
    assert run.open_kr == kIOReturnNotPermitted and run.received == []


def test_the_app_reads_the_shared_mapping_at_its_own_address():
    """The app's read-only map of the pool sits elsewhere than the dext's; writes fault."""
    run = deliver(STANDARD[:4], "shared_mapping", close=False)
    app, dext = run.app, run.dext
    assert app.pool_address != dext.pool.dext_mapping.GetAddress()
    assert app.app.task.space.find(app.pool_address).read_only
    with pytest.raises(SimulatedFault):
        app.app.task.write(app.pool_address, b"x")
    assert run.identical


def test_the_batch_buffer_must_hold_the_next_record():
    """A 64-byte buffer cannot hold a 100-byte frame: kIOReturnNoSpace, the packet stays pending."""
    dext = PacketDext(Mac(), buffer_size=2048, packets=4)
    dext.Start()
    app = QuestionApp(dext, "batch")
    assert app.open() == kIOReturnSuccess
    dext.transmit([bytes(100)])
    kr, scalars, out = IOConnectCallMethod(app.connect, kGetPackets, (), None, 3, 64)
    assert (kr, scalars, out) == (kIOReturnNoSpace, [], b"")
    assert len(dext.pending) == 1
    kr, scalars, out = IOConnectCallMethod(app.connect, kGetPackets, (), None, 3, 4096)
    assert kr == kIOReturnSuccess and scalars == [1, 112, 0] and len(out) == 112


def test_closing_takes_back_lent_packets():
    """Frames lent to a shared-mapping app and never completed return to the pool on close."""
    dext = PacketDext(Mac(), buffer_size=2048, packets=4)
    dext.Start()
    app = QuestionApp(dext, "shared_mapping")
    app.open()
    dext.transmit(STANDARD[:3])
    client = app.connect.client
    assert [p.place for p in client.lent] == [Place.APP] * 3 and dext.pool.free_count == 1
    app.close()
    assert dext.pool.free_count == 4 and dext.clients == []


# -- the question's bugs ------------------------------------------------------------------


def test_frames_up_to_1600_bytes_are_delivered_even_by_the_question_code():
    """The question's GetPacket delivers frames that fit; its bugs show only in the raw output."""
    run = deliver(STANDARD, "per_packet", get_packet="question")
    assert run.identical


@pytest.mark.parametrize(
    "length, size_bytes, overwritten",
    [
        (1600, None, []),
        (1602, 2, [(1600, 1602, "packet_size")]),
        (1604, 4, [(1600, 1604, "packet_size")]),
        (1700, 4, [(1600, 1604, "packet_size"), (1604, 1700, "after the struct")]),
    ],
)
def test_a_long_frame_overwrites_packet_size_and_the_stack_after_the_struct(
    length, size_bytes, overwritten
):
    """Copying getDataLength() bytes: packet_size becomes frame bytes, and the guard bytes after
    the struct are overwritten."""
    frame = frame_of_length(length)
    run = deliver([frame], "per_packet", get_packet="question", close=False)
    record = run.dext.records[-1]
    assert record.overwritten() == overwritten
    assert record.packet_size_written == length
    returned = record.packet_size_returned
    if size_bytes is None:
        assert returned == length
    else:  # the size field's low bytes now hold frame bytes 1600.., the rest still the length's
        expected = bytearray(length.to_bytes(4, "little"))
        expected[:size_bytes] = frame[1600 : 1600 + size_bytes]
        assert returned == int.from_bytes(expected, "little") != length
    slot = run.dext.slot
    copied_past = max(0, length - GET_PACKET_OUTPUT_SIZE)
    assert (
        slot.memory[GET_PACKET_OUTPUT_SIZE : GET_PACKET_OUTPUT_SIZE + copied_past].tobytes()
        == frame[1604:]
    )
    assert (slot.memory[GET_PACKET_OUTPUT_SIZE + copied_past :] == GUARD_PATTERN).all()
    assert run.received == [frame[:1600]]  # the app keeps the 1600 bytes it has
    assert run.dext.crash is None


def test_a_frame_longer_than_the_stack_kills_the_dext():
    """Past the guard the copy runs off the stack: a simulated fault, the app gets NotResponding."""
    length = GET_PACKET_OUTPUT_SIZE + DEFAULT_GUARD + 48
    run = deliver(
        [frame_of_length(100), frame_of_length(length), frame_of_length(100, 2)],
        "per_packet",
        get_packet="question",
        close=False,
    )
    assert isinstance(run.dext.crash, SimulatedFault)
    assert run.app.errors == [kIOReturnNotResponding]
    assert len(run.received) == 1
    record = run.dext.records[-1]
    assert record.fault is not None and record.output == b"" and record.kr == kIOReturnNotResponding
    assert record.overwritten()[-1] == (
        GET_PACKET_OUTPUT_SIZE + DEFAULT_GUARD,
        length,
        "past the stack",
    )
    assert run.app.connect.state is UserClientState.CRASHED
    with pytest.raises(IOReturnError) as err:
        run.dext.transmit([frame_of_length(60)])
    assert err.value.code == kIOReturnNotResponding


def test_a_smaller_guard_faults_sooner():
    """With 16 guard bytes, a 1700-byte frame already runs off the stack."""
    run = deliver([frame_of_length(1700)], "per_packet", get_packet="question", guard=16)
    assert isinstance(run.dext.crash, SimulatedFault)


def test_the_question_code_leaks_stale_bytes_of_earlier_longer_frames():
    """A short frame after a long one: the 1604 bytes sent carry the long frame's tail."""
    long, short = frame_of_length(1500, 1), frame_of_length(100, 2)
    run = deliver([long, short], "per_packet", get_packet="question")
    assert run.identical  # the frames themselves arrive right
    first, second = run.dext.records
    data, size = unpack_get_packet_output(second.output)
    assert size == 100 and data[:100] == short
    assert data[100:1500] == long[100:1500]  # the leak
    assert second.leaked() == [(100, 1500, first.serial)]
    assert second.leaked_bytes == 1400
    kinds = [kind for _, _, kind, _ in second.origins()]
    assert kinds == ["frame", "stale", "uninitialised", "packet_size"]
    assert run.app.outputs[-1] == second.output


def test_the_safe_get_packet_has_neither_bug():
    """Safe: zeros after the frame, packet_size exact, nothing stale, long frames refused."""
    long, short = frame_of_length(1500, 1), frame_of_length(100, 2)
    run = deliver(
        [long, short, frame_of_length(1700)], "per_packet", get_packet="safe", close=False
    )
    assert run.received == [long, short]
    assert run.app.errors == [kIOReturnMessageTooLarge]
    second = run.dext.records[1]
    assert second.output == short + bytes(1500) + (100).to_bytes(4, "little")
    assert second.leaked() == [] and second.overwritten() == []
    assert [kind for _, _, kind, _ in second.origins()] == ["frame", "zeroed", "packet_size"]
    assert (run.dext.slot.memory[GET_PACKET_OUTPUT_SIZE:] == GUARD_PATTERN).all()
    assert run.dext.crash is None and run.app.connect.state is UserClientState.OPEN


# -- the address methods ------------------------------------------------------------------


def test_the_question_address_methods_run_through_the_user_client():
    """With the reported quirk, the first attempt delivers junk; the fix and today's API deliver the frames."""
    frames = STANDARD[:16]
    attempt = deliver(
        frames, "per_packet", address_method="first_attempt", quirk=True, buffer_size=1600
    )
    assert attempt.received[0] != frames[0]  # even packet 0 misses: the headroom is not added
    assert sum(r == f for r, f in zip(attempt.received, frames, strict=True)) == 0
    assert deliver(
        frames, "per_packet", address_method="question_fix", quirk=True, buffer_size=2048
    ).identical
    for design in DESIGNS:
        assert deliver(
            frames, design, address_method="current_api", quirk=True, buffer_size=1600
        ).identical


def test_native_flow_data_offset_breaks_only_the_question_fix():
    """Data offset 2 past no headroom: the fix reads 2 bytes early; today's API is right."""
    frames = STANDARD[:8]
    fix = deliver(
        frames, "batch", address_method="question_fix", buffer_size=2048, headroom=0, data_offset=2
    )
    assert not fix.identical and fix.received[0][2:] == frames[0][:-2]
    assert deliver(frames, "batch", headroom=0, data_offset=2).identical


# -- pieces ---------------------------------------------------------------------------------


def test_output_slot_sits_below_the_end_of_the_stack():
    """The struct and its guard end exactly where the stack's mapping ends; the guard has the pattern."""
    mac = Mac()
    slot = OutputSlot(mac.task("dext"), guard=100)
    mapping = mac.task("dext").space.find(slot.address)
    assert slot.address + GET_PACKET_OUTPUT_SIZE + 100 == slot.end == mapping.page_end
    assert (slot.memory[GET_PACKET_OUTPUT_SIZE:] == GUARD_PATTERN).all()
    with pytest.raises(IOReturnError):
        OutputSlot(mac.task("dext"), guard=-1)


def test_bad_choices_are_refused():
    """Unknown GetPacket variant, address method, design, user client type or frame length."""
    with pytest.raises(IOReturnError, match="get_packet 'fast' is unknown"):
        PacketDext(Mac(), get_packet="fast")
    with pytest.raises(IOReturnError, match="address_method 'guess' is unknown"):
        PacketDext(Mac(), address_method="guess")
    dext = PacketDext(Mac())
    dext.Start()
    with pytest.raises(IOReturnError, match="design 'pigeon' is unknown"):
        QuestionApp(dext, "pigeon")
    with pytest.raises(IOReturnError) as err:
        dext.NewUserClient(3)
    assert err.value.code == kIOReturnBadArgument
    for length in (59, 9019, 1000.0, True):
        with pytest.raises(IOReturnError, match="frame length"):
            frame_of_length(length)


def test_the_selector_table_can_be_extended_by_a_subclass():
    """A subclass adds a selector to DISPATCH and SELECTOR_NAMES; the others still work."""
    from vethlab.driverkit.userclient import IOUserClientMethodDispatch

    class Extended(PacketUserClient):
        SELECTOR_NAMES = {**PacketUserClient.SELECTOR_NAMES, 9: "Ping"}
        DISPATCH = {
            **PacketUserClient.DISPATCH,
            9: IOUserClientMethodDispatch(
                lambda t, r, a: a.scalarOutput.__setitem__(0, 42), checkScalarOutputCount=1
            ),
        }

    class ExtendedDext(PacketDext):
        USER_CLIENT_CLASS = Extended

    dext = ExtendedDext(Mac(), buffer_size=2048, packets=4)
    dext.Start()
    app = QuestionApp(dext, "per_packet")
    app.open()
    assert IOConnectCallMethod(app.connect, 9, (), None, 1) == (kIOReturnSuccess, [42], b"")
    dext.transmit(STANDARD[:2])
    app.run()
    assert app.received == STANDARD[:2]
    assert [e.name for e in app.trace.events if e.kind == "call"][:2] == [
        "RegisterCallback",
        "Ping",
    ]


def test_the_trace_tells_the_call_sequence():
    """Open, register, notify, deliver, GetPacket per frame, the empty answer, close."""
    run = deliver(STANDARD[:2], "per_packet")
    events = [(e.kind, e.name, e.kr_name) for e in run.app.trace.events]
    assert events == [
        ("open", "IOServiceOpen", "kIOReturnSuccess"),
        ("call", "RegisterCallback", "kIOReturnSuccess"),
        ("notify", "AsyncCompletion", "kIOReturnSuccess"),
        ("deliver", "on_packets_available", "kIOReturnSuccess"),
        ("call", "GetPacket", "kIOReturnSuccess"),
        ("call", "GetPacket", "kIOReturnSuccess"),
        ("call", "GetPacket", "kIOReturnNoFrames"),
        ("close", "IOServiceClose", "kIOReturnSuccess"),
    ]


def test_records_are_kept_only_when_asked():
    """keep_records=0 keeps no GetPacket record; the frames still arrive through the slot."""
    dext = PacketDext(Mac(), buffer_size=2048, packets=4, keep_records=0)
    dext.Start()
    app = QuestionApp(dext)
    app.open()
    dext.transmit(STANDARD[:2])
    app.run()
    assert app.received == STANDARD[:2] and len(dext.records) == 0
    assert np.count_nonzero(dext.slot.memory[:60]) > 0
