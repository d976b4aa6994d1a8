"""Fuzz the user client from both sides: every call ends in success or an IOReturn code, never
another exception, and the safe dext sends no byte that is not the current frame's.

Under HYPOTHESIS_PROFILE=ci each property runs 2,000 examples; elsewhere 200.
"""

import os

import numpy as np
from hypothesis import HealthCheck, event, given, settings, strategies as st

from vethlab.driverkit.service import OSData
from vethlab.driverkit.userclient import (
    ENTITLEMENT_USERCLIENT_ACCESS,
    IO_STRUCT_INBAND_MAX,
    IOUserClientMethodArguments,
    OSAction,
    UserClientState,
    client_buffer,
)
from vethlab.handoff.structs import GET_PACKET_DATA_SIZE, GET_PACKET_OUTPUT_SIZE, parse_batch
from vethlab.handoff.user_client import kGetPacket, kGetPackets
from vethlab.iokit import (
    App,
    IOConnectCallAsyncMethod,
    IOConnectMapMemory64,
    IOConnectUnmapMemory64,
    IONotificationPortCreate,
    IONotificationPortSetDispatchQueue,
    IOServiceClose,
    IOServiceOpen,
    dispatch_queue_create,
    kIOAsyncCalloutFuncIndex,
    kOSAsyncRef64Count,
)
from vethlab.ioreturn import IORETURN_CODES, IOReturnError, kIOReturnSuccess
from vethlab.model.memory import Mac
from vethlab.question.dext import PacketDext

EXAMPLES = 2000 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 200
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CODES = set(IORETURN_CODES.values())
PACKETS = 8

selectors = st.one_of(st.integers(0, 6), st.integers(0, (1 << 32) - 1))
uint64 = st.integers(0, (1 << 64) - 1)
scalars = st.lists(st.one_of(uint64, st.integers(-5, -1), st.just(1 << 64)), max_size=18)
struct_inputs = st.one_of(
    st.none(), st.binary(max_size=64), st.integers(0, 5000).map(lambda n: bytes([n % 251]) * n)
)
output_sizes = st.one_of(
    st.sampled_from([0, 1, 1600, GET_PACKET_OUTPUT_SIZE, 1605, 4096, 4097, 65536]),
    st.integers(0, 70000),
)
frames = st.lists(st.binary(min_size=1, max_size=2000), max_size=3)

#: The shape each selector of the question's dext accepts: (selector, asynchronous, scalar
#: inputs, structure input, scalar outputs, structure output size).
WELL_FORMED = [
    (0, True, [], None, 0, 0),  # RegisterCallback
    (1, False, [], None, 0, GET_PACKET_OUTPUT_SIZE),  # GetPacket
    (2, False, [], None, 3, 65536),  # GetPackets, out of line
    (2, False, [], None, 3, 4096),  # GetPackets, inline
    (3, True, [], None, 0, 0),  # RegisterFrameCallback
    (4, False, [0], None, 0, 0),  # CompleteFrames
    (4, False, [1], None, 0, 0),
]


@st.composite
def calls(draw):
    """Mostly well-formed calls with at most one field changed, sometimes anything at all."""
    kind = draw(st.sampled_from(["well-formed", "well-formed", "one change", "anything"]))
    if kind == "anything":
        return (
            draw(selectors),
            draw(st.booleans()),
            draw(scalars),
            draw(struct_inputs),
            draw(st.integers(0, 18)),
            draw(output_sizes),
        )
    call = list(draw(st.sampled_from(WELL_FORMED)))
    if kind == "one change":
        field = draw(st.integers(0, 5))
        call[field] = draw(
            [selectors, st.booleans(), scalars, struct_inputs, st.integers(0, 18), output_sizes][
                field
            ]
        )
    return tuple(call)


def _dext():
    dext = PacketDext(Mac(), buffer_size=2048, packets=PACKETS, get_packet="safe")
    dext.Start()
    return dext


def _check_safe_output(dext, selector, out_count, out_size, kr, scalars_out, out):
    """What a successful call of the safe dext returned holds only current frames and zeros."""
    if kr != kIOReturnSuccess:
        assert (scalars_out, out) == ([], b"")
        return
    assert len(scalars_out) <= out_count
    if selector == kGetPacket:
        record = dext.records[-1]
        frame = dext.host.writes[record.serial].frame
        assert len(frame) <= GET_PACKET_DATA_SIZE
        assert out == frame + bytes(GET_PACKET_DATA_SIZE - len(frame)) + len(frame).to_bytes(
            4, "little"
        )
        assert record.leaked() == [] and record.overwritten() == []
    elif selector == kGetPackets:
        count, used, _ = scalars_out
        got = parse_batch(out, count, used)
        sent = {w.frame for w in dext.host.writes}
        assert all(f in sent for f in got)
        assert not np.frombuffer(out[used:], np.uint8).any()


@FUZZ
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("transmit"), frames),
            st.tuples(st.just("call"), calls(), st.integers(0, 10)),
            st.tuples(st.just("call"), calls(), st.integers(0, 10)),
            st.tuples(st.just("call"), calls(), st.integers(0, 10)),
            st.tuples(
                st.just("map"), st.integers(0, 2), st.sampled_from([0, 1, 0x1000, 0x1001, 0x4])
            ),
            st.tuples(st.just("drain")),
            st.tuples(st.just("close")),
        ),
        min_size=1,
        max_size=10,
    ),
    first=frames,
    entitled=st.sampled_from([True, True, True, False]),
)
def test_iokit_calls_end_in_a_code_never_an_exception(first, ops, entitled):
    """Any sequence of app calls gets kern_return_t codes; the safe dext never leaks a byte."""
    outcomes = {}
    dext = _dext()
    app = App(
        dext.mac,
        "Fuzz",
        entitlements={ENTITLEMENT_USERCLIENT_ACCESS: ["com.example.FooDriver"]} if entitled else {},
    )
    kr, connect = IOServiceOpen(dext, app, 0)
    assert kr in CODES
    if connect is None:
        return
    port = IONotificationPortCreate()
    queue = dispatch_queue_create("fuzz")
    IONotificationPortSetDispatchQueue(port, queue)
    heard = []
    reference = [0] * kOSAsyncRef64Count
    reference[kIOAsyncCalloutFuncIndex] = lambda refcon, result, args, n: heard.append((result, n))
    dext.transmit(first)
    for op in ops:
        if op[0] == "transmit":
            if dext.crash is None and dext.pool.free_count >= len(op[1]):
                dext.transmit(op[1])
        elif op[0] == "call":
            (selector, is_async, ins, struct, out_count, out_size), ref_len = op[1], op[2]
            kr, scalars_out, out = IOConnectCallAsyncMethod(
                connect,
                selector,
                port if is_async else None,
                reference[:ref_len],
                ins,
                struct,
                out_count,
                out_size,
            )
            assert kr in CODES
            outcomes[(selector, kr)] = outcomes.get((selector, kr), 0) + 1
            _check_safe_output(dext, selector, out_count, out_size, kr, scalars_out, out)
        elif op[0] == "map":
            kr, address, _size = IOConnectMapMemory64(connect, op[1], app, 0x9_0000_0000, op[2])
            assert kr in CODES
            if kr == kIOReturnSuccess:
                assert IOConnectUnmapMemory64(connect, op[1], app, address) == kIOReturnSuccess
        elif op[0] == "drain":
            queue.drain()
        else:
            assert IOServiceClose(connect) in CODES
    assert dext.crash is None  # the safe dext never dies, whatever the app sends
    assert all(result == kIOReturnSuccess and 0 <= n <= 16 for result, n in heard)
    if connect.state is not UserClientState.CLOSED:
        assert IOServiceClose(connect) == kIOReturnSuccess
    assert dext.pool.free_count == PACKETS - len(dext.pending)
    for selector, kr in outcomes:
        event(
            f"selector {selector if selector < 7 else 'other'}: "
            f"{'success' if kr == kIOReturnSuccess else 'error'}"
        )


@FUZZ
@given(call=calls(), pending=frames)
def test_external_method_returns_or_raises_an_ioreturn_error(call, pending):
    """Called directly with any arguments, ExternalMethod returns or raises IOReturnError only."""
    selector, with_completion, ins, struct, out_count, out_size = call
    dext = _dext()
    app = App(
        dext.mac, "Fuzz", entitlements={ENTITLEMENT_USERCLIENT_ACCESS: "com.example.FooDriver"}
    )
    _, connect = IOServiceOpen(dext, app, 0)
    client = connect.client
    dext.transmit(pending)
    args = IOUserClientMethodArguments(
        selector,
        OSAction.ForAsyncCall(IONotificationPortCreate(), (0,), client)
        if with_completion
        else None,
        tuple(ins),
        len(ins),
        scalarOutput=[0] * out_count,
        scalarOutputCount=out_count,
        structureOutputMaximumSize=out_size,
    )
    if struct is not None and len(struct) > IO_STRUCT_INBAND_MAX:
        args.structureInputDescriptor = client_buffer(client, len(struct), struct)
    elif struct is not None:
        args.structureInput = OSData(struct)
    if out_size > IO_STRUCT_INBAND_MAX:
        args.structureOutputDescriptor = client_buffer(client, out_size)
    try:
        client.ExternalMethod(selector, args)
    except IOReturnError as err:
        assert err.code in CODES
        event(f"selector {selector if selector < 7 else 'other'}: error")
        return
    event(f"selector {selector}: success")
    if selector == kGetPacket:
        out = bytes(args.structureOutput)
        frame = pending[0]
        assert out == frame + bytes(GET_PACKET_DATA_SIZE - len(frame)) + len(frame).to_bytes(
            4, "little"
        )


@FUZZ
@given(
    rounds=st.lists(
        st.lists(st.binary(min_size=1, max_size=2040), min_size=1, max_size=PACKETS),
        min_size=1,
        max_size=4,
    ),
    batch=st.booleans(),
)
def test_the_safe_dext_sends_only_the_current_frame(rounds, batch):
    """Frames of any length and contents, long ones before short: every output byte is the current frame's or zero."""
    dext = _dext()
    app = App(
        dext.mac, "Fuzz", entitlements={ENTITLEMENT_USERCLIENT_ACCESS: "com.example.FooDriver"}
    )
    _, connect = IOServiceOpen(dext, app, 0)
    received = []
    for frames_now in rounds:
        dext.transmit(frames_now)
        while True:
            if batch:
                kr, scalars_out, out = IOConnectCallAsyncMethod(
                    connect, kGetPackets, None, None, (), None, 3, 65536
                )
                _check_safe_output(dext, kGetPackets, 3, 65536, kr, scalars_out, out)
                if kr == kIOReturnSuccess:
                    received += parse_batch(out, scalars_out[0], scalars_out[1])
            else:
                kr, scalars_out, out = IOConnectCallAsyncMethod(
                    connect, kGetPacket, None, None, (), None, 0, GET_PACKET_OUTPUT_SIZE
                )
                _check_safe_output(
                    dext, kGetPacket, 0, GET_PACKET_OUTPUT_SIZE, kr, scalars_out, out
                )
                if kr == kIOReturnSuccess:
                    received.append(out[: int.from_bytes(out[1600:], "little")])
            if not dext.pending:
                break
    sent = [f for frames_now in rounds for f in frames_now]
    assert received == (sent if batch else [f for f in sent if len(f) <= GET_PACKET_DATA_SIZE])
    assert dext.pool.free_count == PACKETS
