"""IOKit.framework's app side: every call returns a kern_return_t first, and nothing raises."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from vethlab.driverkit.userclient import ENTITLEMENT_USERCLIENT_ACCESS, UserClientState
from vethlab.handoff.structs import GET_PACKET_OUTPUT_SIZE
from vethlab.handoff.user_client import (
    kCompleteFrames,
    kGetPacket,
    kGetPackets,
    kPoolMemoryType,
    kRegisterCallback,
    kRegisterFrameCallback,
)
from vethlab.iokit import (
    App,
    DispatchQueue,
    IOConnectCallAsyncMethod,
    IOConnectCallAsyncScalarMethod,
    IOConnectCallAsyncStructMethod,
    IOConnectCallMethod,
    IOConnectCallScalarMethod,
    IOConnectCallStructMethod,
    IOConnection,
    IOConnectMapMemory64,
    IOConnectUnmapMemory64,
    IONotificationPortCreate,
    IONotificationPortDestroy,
    IONotificationPortGetMachPort,
    IONotificationPortSetDispatchQueue,
    IOServiceClose,
    IOServiceOpen,
    dispatch_queue_create,
    kIOAsyncCalloutFuncIndex,
    kIOAsyncCalloutRefconIndex,
    kIOMapAnywhere,
    kIOMapReadOnly,
    kOSAsyncRef64Count,
)
from vethlab.ioreturn import (
    IORETURN_CODES,
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnNoFrames,
    kIOReturnNotOpen,
    kIOReturnNotPermitted,
    kIOReturnSuccess,
)
from vethlab.model.memory import Mac, SimulatedFault
from vethlab.model.moves import Place
from vethlab.question.dext import PacketDext

ENTITLED = {ENTITLEMENT_USERCLIENT_ACCESS: ["com.example.FooDriver"]}


def started_dext(**options):
    dext = PacketDext(Mac(), buffer_size=2048, packets=8, **options)
    dext.Start()
    return dext


def opened(**options):
    dext = started_dext(**options)
    app = App(dext.mac, "FooApp", entitlements=ENTITLED)
    kr, connect = IOServiceOpen(dext, app, 0)
    assert kr == kIOReturnSuccess and isinstance(connect, IOConnection)
    return dext, app, connect


def reference_to(callback, refcon=None):
    reference = [0] * kOSAsyncRef64Count
    reference[kIOAsyncCalloutFuncIndex] = callback
    reference[kIOAsyncCalloutRefconIndex] = refcon
    return reference


# -- opening and closing --------------------------------------------------------------------


def test_open_returns_the_code_then_the_connection():
    """IOServiceOpen gives (kIOReturnSuccess, connect); the connection is OPEN."""
    _, app, connect = opened()
    assert connect.state is UserClientState.OPEN and connect.app is app
    assert [(e.kind, e.name, e.kr) for e in app.trace.events] == [("open", "IOServiceOpen", 0)]


def test_open_without_entitlements_is_not_permitted():
    """No userclient-access naming the dext: kIOReturnNotPermitted and no connection."""
    dext = started_dext()
    app = App(dext.mac, "Stranger")
    assert IOServiceOpen(dext, app, 0) == (kIOReturnNotPermitted, None)
    other = App(dext.mac, "Other", entitlements={ENTITLEMENT_USERCLIENT_ACCESS: "com.example.Bar"})
    assert IOServiceOpen(dext, other, 0) == (kIOReturnNotPermitted, None)
    allowing = started_dext(allow_any_app=True)
    assert IOServiceOpen(allowing, App(allowing.mac, "Stranger"), 0)[0] == kIOReturnSuccess


@pytest.mark.parametrize(
    "service, task, type",
    [
        ("not a service", None, 0),
        (None, "not an app", 0),
        (None, None, -1),
        (None, None, 1 << 32),
    ],
)
def test_open_with_bad_arguments_returns_bad_argument(service, task, type):
    """Wrong objects or an out-of-range type: kIOReturnBadArgument, nothing raised."""
    dext = started_dext()
    app = App(dext.mac, "FooApp", entitlements=ENTITLED)
    assert IOServiceOpen(service or dext, task or app, type) == (kIOReturnBadArgument, None)


def test_open_an_unknown_type_is_the_dexts_bad_argument():
    """The dext's NewUserClient refuses type 1 with kIOReturnBadArgument."""
    dext = started_dext()
    assert IOServiceOpen(dext, App(dext.mac, entitlements=ENTITLED), 1) == (
        kIOReturnBadArgument,
        None,
    )


def test_every_call_on_a_closed_connection_is_not_open():
    """After IOServiceClose each call returns kIOReturnNotOpen and the state stays CLOSED."""
    _, app, connect = opened()
    port = IONotificationPortCreate()
    assert IOServiceClose(connect) == kIOReturnSuccess
    results = [
        IOConnectCallStructMethod(connect, kGetPacket, None, GET_PACKET_OUTPUT_SIZE),
        IOConnectCallScalarMethod(connect, kCompleteFrames, [0]),
        IOConnectCallMethod(connect, kGetPackets, (), None, 3, 8192),
        IOConnectCallAsyncStructMethod(connect, kRegisterCallback, port, [0]),
        IOConnectCallAsyncScalarMethod(connect, kRegisterFrameCallback, port, [0]),
        IOConnectMapMemory64(connect, kPoolMemoryType, app),
    ]
    assert [r[0] for r in results] == [kIOReturnNotOpen] * len(results)
    assert IOServiceClose(connect) == kIOReturnNotOpen
    assert IOConnectUnmapMemory64(connect, kPoolMemoryType, app, 0) == kIOReturnNotOpen
    assert connect.state is UserClientState.CLOSED


# -- calls --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(input=list(range(17))),  # more than 16 scalars
        dict(input=[-1]),
        dict(input=[1 << 64]),
        dict(input=[True]),
        dict(input=5),
        dict(inputStruct="text"),
        dict(outputCnt=17),
        dict(outputCnt=-1),
        dict(outputStructCnt=-1),
        dict(outputStructCnt=1 << 32),
    ],
)
def test_arguments_c_could_not_pass_are_refused_app_side(kwargs):
    """IOKitLib refuses them with kIOReturnBadArgument before the dext sees anything."""
    _dext, app, connect = opened()
    calls = app.trace.count
    assert IOConnectCallMethod(connect, kGetPacket, **kwargs) == (kIOReturnBadArgument, [], b"")
    assert app.trace.count == calls


def test_bad_connection_selector_port_and_reference():
    """Not a connection, a selector past uint32, a port that is not one, 9 reference values."""
    _, _, connect = opened()
    port = IONotificationPortCreate()
    assert IOConnectCallMethod("connect", 0)[0] == kIOReturnBadArgument
    assert IOConnectCallMethod(connect, 1 << 32)[0] == kIOReturnBadArgument
    assert IOConnectCallAsyncMethod(connect, 0, "port", [0])[0] == kIOReturnBadArgument
    assert IOConnectCallAsyncMethod(connect, 0, port, [0] * 9)[0] == kIOReturnBadArgument
    assert IOConnectCallAsyncMethod(connect, 0, port, 5)[0] == kIOReturnBadArgument


def test_struct_method_returns_the_code_and_the_bytes():
    """GetPacket on an empty dext: kIOReturnNoFrames and no bytes; with a frame: 1604 bytes."""
    dext, _, connect = opened(get_packet="safe")
    assert IOConnectCallStructMethod(connect, kGetPacket, None, GET_PACKET_OUTPUT_SIZE) == (
        kIOReturnNoFrames,
        b"",
    )
    dext.transmit([bytes(range(60))])
    kr, out = IOConnectCallStructMethod(connect, kGetPacket, None, GET_PACKET_OUTPUT_SIZE)
    assert kr == kIOReturnSuccess and len(out) == 1604 and out[:60] == bytes(range(60))


def test_a_buffer_of_the_wrong_size_is_a_bad_argument_and_consumes_nothing():
    """GetPacket's output must be exactly 1604 bytes; a 1600-byte buffer is refused."""
    dext, _, connect = opened()
    dext.transmit([bytes(60)])
    assert IOConnectCallStructMethod(connect, kGetPacket, None, 1600) == (kIOReturnBadArgument, b"")
    assert len(dext.pending) == 1


# -- notifications ----------------------------------------------------------------------------


def test_notifications_wait_on_the_port_until_a_queue_runs_them():
    """Messages are held until a queue is set, then run in order only when the queue drains."""
    dext, _, connect = opened()
    port = IONotificationPortCreate()
    seen = []

    def callback(refcon, result, args, count):
        seen.append((refcon, result, args, count))

    kr, _ = IOConnectCallAsyncStructMethod(
        connect,
        kRegisterCallback,
        IONotificationPortGetMachPort(port),
        reference_to(callback, "me"),
    )
    assert kr == kIOReturnSuccess
    dext.transmit([bytes(60)])
    dext.transmit([bytes(61)])
    assert len(port.held) == 2 and seen == []
    queue = dispatch_queue_create("test")
    IONotificationPortSetDispatchQueue(port, queue)
    assert queue.pending == 2 and seen == []
    assert queue.drain(limit=1) == 1
    assert seen == [("me", kIOReturnSuccess, [1], 1)]
    assert queue.drain() == 1
    assert seen[1] == ("me", kIOReturnSuccess, [2], 1)


def test_a_message_without_a_callback_is_undeliverable_and_a_destroyed_port_gets_nothing():
    """A reference with no callable at kIOAsyncCalloutFuncIndex: counted, nothing runs."""
    dext, _, connect = opened()
    port = IONotificationPortCreate()
    queue = DispatchQueue("q")
    IONotificationPortSetDispatchQueue(port, queue)
    IOConnectCallAsyncStructMethod(connect, kRegisterCallback, port, None)
    dext.transmit([bytes(60)])
    queue.drain()
    assert port.undeliverable == 1
    IONotificationPortDestroy(port)
    dext.transmit([bytes(60)])
    assert queue.pending == 0


# -- shared memory ------------------------------------------------------------------------


def test_map_the_pool_read_only_at_the_apps_own_address():
    """The app's mapping shows the pool's bytes at another address than the dext's; writes fault."""
    dext, app, connect = opened()
    kr, address, size = IOConnectMapMemory64(connect, kPoolMemoryType, app, 0, kIOMapAnywhere)
    assert kr == kIOReturnSuccess and size == dext.pool_md.GetLength()
    assert address != dext.pool.dext_mapping.GetAddress()
    packet = dext.transmit([b"\x42" * 100])[0]
    frame_offset = packet.frame_offset()
    assert app.task.read(address + frame_offset, 100) == b"\x42" * 100
    with pytest.raises(SimulatedFault, match="read-only"):
        app.task.write(address + frame_offset, b"x")
    assert [e.kind for e in app.trace.events] == ["open", "map"]


def test_map_at_a_fixed_address_and_unmap():
    """Without kIOMapAnywhere the pool lands at atAddress; unmapping removes it, twice is refused."""
    _dext, app, connect = opened()
    at = 0x7_0000_0000
    kr, address, _ = IOConnectMapMemory64(connect, kPoolMemoryType, app, at, kIOMapReadOnly)
    assert (kr, address) == (kIOReturnSuccess, at)
    assert app.task.space.find(at) is not None
    assert IOConnectUnmapMemory64(connect, kPoolMemoryType, app, at) == kIOReturnSuccess
    assert app.task.space.find(at) is None
    assert IOConnectUnmapMemory64(connect, kPoolMemoryType, app, at) == kIOReturnBadArgument


def test_map_refusals():
    """An unknown memory type, unknown options or a bad task are refused; nothing is mapped."""
    _dext, app, connect = opened()
    before = len(app.task.space.mappings)
    assert IOConnectMapMemory64(connect, 7, app) == (kIOReturnBadArgument, 0, 0)
    assert IOConnectMapMemory64(connect, kPoolMemoryType, app, 0, 0x4)[0] == kIOReturnBadArgument
    assert IOConnectMapMemory64(connect, kPoolMemoryType, "app")[0] == kIOReturnBadArgument
    assert len(app.task.space.mappings) == before


def test_closing_unmaps_the_connections_memory():
    """IOServiceClose takes the app's mappings of the dext's memory away."""
    _, app, connect = opened()
    _, address, _ = IOConnectMapMemory64(connect, kPoolMemoryType, app)
    IOServiceClose(connect)
    assert app.task.space.find(address) is None and connect.mappings == {}


def test_frames_arrive_as_pairs_through_the_shared_mapping():
    """RegisterFrameCallback: (offset, length) pairs; the app copies from its mapping; CompleteFrames recycles."""
    dext, app, connect = opened()
    _, address, _ = IOConnectMapMemory64(
        connect, kPoolMemoryType, app, 0, kIOMapAnywhere | kIOMapReadOnly
    )
    port = IONotificationPortCreate()
    queue = dispatch_queue_create("frames")
    IONotificationPortSetDispatchQueue(port, queue)
    got = []

    def frames_ready(refcon, result, args, count):
        for offset, length in zip(args[::2], args[1::2], strict=True):
            got.append(app.task.read(address + offset, length))

    frames = [bytes([i]) * (60 + i) for i in range(8)]
    assert (
        IOConnectCallAsyncScalarMethod(
            connect, kRegisterFrameCallback, port, reference_to(frames_ready)
        )[0]
        == kIOReturnSuccess
    )
    dext.transmit(frames)
    queue.drain()
    assert got == frames
    assert dext.pool.free_count == 0
    assert IOConnectCallScalarMethod(connect, kCompleteFrames, [9])[0] == kIOReturnBadArgument
    assert IOConnectCallScalarMethod(connect, kCompleteFrames, [8]) == (kIOReturnSuccess, [])
    assert dext.pool.free_count == 8


def test_complete_frames_recycles_the_oldest_lent_frames_first():
    """CompleteFrames(3) then (5): the first three packets lent come back first, then the rest."""
    dext, _app, connect = opened()
    port = IONotificationPortCreate()
    IONotificationPortSetDispatchQueue(port, dispatch_queue_create("frames"))
    assert (
        IOConnectCallAsyncScalarMethod(
            connect, kRegisterFrameCallback, port, reference_to(lambda *a: None)
        )[0]
        == kIOReturnSuccess
    )
    packets = dext.transmit([bytes([i]) * 60 for i in range(8)])
    assert IOConnectCallScalarMethod(connect, kCompleteFrames, [3]) == (kIOReturnSuccess, [])
    assert [p.place for p in packets] == [Place.POOL] * 3 + [Place.APP] * 5
    assert IOConnectCallScalarMethod(connect, kCompleteFrames, [5]) == (kIOReturnSuccess, [])
    assert all(p.place is Place.POOL for p in packets) and dext.pool.free_count == 8


def test_a_full_trace_still_counts_deliveries():
    """An app whose trace keeps nothing still counts each notification and each delivery."""
    dext = started_dext()
    app = App(dext.mac, "FooApp", entitlements=ENTITLED, trace_limit=0)
    _, connect = IOServiceOpen(dext, app, 0)
    port = IONotificationPortCreate()
    queue = dispatch_queue_create("frames")
    IONotificationPortSetDispatchQueue(port, queue)
    got = []
    IOConnectCallAsyncStructMethod(
        connect, kRegisterCallback, port, reference_to(lambda refcon, kr, args, n: got.append(args))
    )
    dext.transmit([bytes(60)] * 2)
    queue.drain()
    # IOServiceOpen, the RegisterCallback call, then the transmit's notify and its delivery
    assert got == [[2]] and app.trace.events == [] and app.trace.count == 4


def test_the_batch_selector_fills_an_out_of_line_buffer():
    """GetPackets with a 64 KiB buffer: records, bytes used and what is left as scalars."""
    dext, _, connect = opened()
    dext.transmit([bytes([i]) * 100 for i in range(3)])
    kr, scalars, out = IOConnectCallMethod(connect, kGetPackets, (), None, 3, 65536)
    assert kr == kIOReturnSuccess and scalars == [3, 3 * 112, 0] and len(out) == 65536
    assert out[8:108] == bytes(100) and out[112 + 8 : 112 + 108] == b"\x01" * 100
    assert np.count_nonzero(np.frombuffer(out[3 * 112 :], np.uint8)) == 0


# -- nothing raises, whatever Python passes ------------------------------------------------


anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(1 << 70), 1 << 70),
    st.floats(),
    st.text(max_size=4),
    st.binary(max_size=8),
    st.lists(st.integers(-3, 1 << 65), max_size=20),
    st.just(object()),
)


@settings(max_examples=300, deadline=None)
@given(args=st.lists(anything, min_size=8, max_size=8), use_port=st.booleans())
def test_app_side_functions_return_codes_for_any_python_values(args, use_port):
    """Any Python values in any argument: a kern_return_t comes back, no exception."""
    dext, app, connect = opened()
    port = IONotificationPortCreate() if use_port else args[2]
    codes = set(IORETURN_CODES.values())
    kr, scalars, out = IOConnectCallAsyncMethod(
        connect, args[0], port, args[1], args[3], args[4], args[5], args[6]
    )
    assert kr in codes and isinstance(scalars, list) and isinstance(out, bytes)
    assert IOConnectCallMethod(connect, args[0], args[3], args[4], args[5], args[6])[0] in codes
    assert IOConnectMapMemory64(connect, args[0], app, args[1], args[7])[0] in codes
    assert IOConnectUnmapMemory64(connect, args[0], app, args[1]) in codes
    assert IOServiceOpen(args[0], app, args[1])[0] in codes
    assert IOServiceOpen(dext, app, args[1])[0] in codes
    assert IOServiceClose(args[0]) in codes


# -- odd arguments at the app's boundary ------------------------------------------------------


@pytest.mark.parametrize("granted", ["com.example.Other", 5, 1.5, {"a": 1}, None])
def test_entitlement_of_the_wrong_kind_is_not_permitted(granted):
    """userclient-access given as a number, a dict or another bundle id is kIOReturnNotPermitted."""
    dext = started_dext()
    app = App(dext.mac, "FooApp", entitlements={ENTITLEMENT_USERCLIENT_ACCESS: granted})
    assert IOServiceOpen(dext, app, 0) == (kIOReturnNotPermitted, None)
    app.entitlements = "com.example.FooDriver"  # not a dict at all: grants nothing
    assert IOServiceOpen(dext, app, 0) == (kIOReturnNotPermitted, None)
    assert dext.crash is None


@pytest.mark.parametrize("entitlements", ["com.example.FooDriver", 5])
def test_app_with_entitlements_that_are_not_a_dict_is_bad_argument(entitlements):
    """App(entitlements=str or number) is kIOReturnBadArgument, not a TypeError."""
    with pytest.raises(IOReturnError) as err:
        App(Mac(), "FooApp", entitlements=entitlements)
    assert err.value.code == kIOReturnBadArgument


@pytest.mark.parametrize(
    "option", [np.uint32(kIOMapAnywhere), np.int64(kIOMapAnywhere | kIOMapReadOnly)]
)
def test_map_memory_with_a_numpy_option(option):
    """IOConnectMapMemory64 takes a numpy integer option like a Python one."""
    dext, app, connect = opened()
    kr, _, size = IOConnectMapMemory64(connect, kPoolMemoryType, app, 0, option)
    assert kr == kIOReturnSuccess and size == dext.pool_md.GetLength()
    assert IOConnectMapMemory64(connect, kPoolMemoryType, app, 0, np.uint64(2**63))[0] == (
        kIOReturnBadArgument
    )
    assert dext.crash is None
