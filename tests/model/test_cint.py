"""The one C-integer check: Python and numpy integers in, bools, floats and the rest out."""

import numpy as np
import pytest

from vethlab.driverkit.dispatch import IODataQueueDispatchSource, IODispatchQueue
from vethlab.driverkit.memory import IOBufferMemoryDescriptor
from vethlab.driverkit.service import IOService
from vethlab.driverkit.userclient import OSAction
from vethlab.handoff.stack_slot import OutputSlot
from vethlab.handoff.user_client import kCompleteFrames, kPoolMemoryType
from vethlab.iokit import (
    App,
    IOConnectCallScalarMethod,
    IOConnectMapMemory64,
    IOServiceOpen,
    kIOMapAnywhere,
    kIOMapReadOnly,
)
from vethlab.ioreturn import BadArgument, kIOReturnBadArgument, kIOReturnSuccess
from vethlab.model.cint import (
    UINT8_MAX,
    UINT16_MAX,
    UINT32_MAX,
    UINT64_MAX,
    c_int,
    uint8,
    uint16,
    uint32,
    uint64,
)
from vethlab.model.layout import PoolLayout
from vethlab.model.machine import Boot
from vethlab.model.memory import Mac
from vethlab.networkingdriverkit.ethernet import (
    MEDIA_TYPES,
    IOUserNetworkEthernet,
)
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool as Pool,
    IOUserNetworkPacketBufferPoolOptions as Options,
)
from vethlab.networkingdriverkit.queues import IOUserNetworkTxSubmissionQueue
from vethlab.ping.run import run_ping
from vethlab.question.dext import PacketDext
from vethlab.question.runs import frame_of_length
from vethlab.wire.frames import APP, HOST, icmp_echo_request

CHECKS = [
    (uint8, UINT8_MAX, "uint8_t"),
    (uint16, UINT16_MAX, "uint16_t"),
    (uint32, UINT32_MAX, "uint32_t"),
    (uint64, UINT64_MAX, "uint64_t"),
]


def refused(call, *args, **kwargs) -> str:
    """The message of the BadArgument ``call`` raises (asserting its code)."""
    with pytest.raises(BadArgument) as info:
        call(*args, **kwargs)
    assert info.value.code == kIOReturnBadArgument
    return str(info.value)


@pytest.mark.parametrize("check, top, ctype", CHECKS)
def test_every_bound_of_every_type(check, top, ctype):
    """0 and the type's maximum pass; -1 and maximum + 1 are refused, naming the range."""
    assert check("x", 0) == 0 and check("x", top) == top
    for bad in (-1, top + 1):
        message = refused(check, "x", bad)
        assert f"x {bad} is out of range" in message and ctype in message


def test_the_message_names_argument_value_and_range():
    """The refusal reads: argument, value, allowed range, C type."""
    assert refused(uint8, "headroom", 300).endswith(
        "headroom 300 is out of range; allowed: 0..255 (uint8_t)"
    )
    assert "allowed: 0..0xffffffff (uint32_t)" in refused(uint32, "queueId", -1)
    assert "allowed: 0..0xffffffffffffffff (uint64_t)" in refused(uint64, "v", 1 << 64)
    assert "allowed: 1..131072" in refused(c_int, "packetCount", 0, 1, 1 << 17)
    assert "(" not in refused(c_int, "n", 5, 0, 4).split("allowed:")[1]


def test_a_narrower_range_is_checked_at_both_ends():
    """low..high inside the type: low and high pass, low - 1 and high + 1 do not."""
    assert c_int("mtu", 68, 68, 9000) == 68 and c_int("mtu", 9000, 68, 9000) == 9000
    assert "mtu 67 is out of range; allowed: 68..9000" in refused(c_int, "mtu", 67, 68, 9000)
    assert "mtu 9001 is out of range" in refused(c_int, "mtu", 9001, 68, 9000)


@pytest.mark.parametrize(
    "value",
    [
        np.uint8(0),
        np.uint8(255),
        np.int8(-128),
        np.int64(2**63 - 1),
        np.int64(-(2**63)),
        np.uint64(UINT64_MAX),
        np.uint16(2048),
        np.int32(7),
    ],
)
def test_numpy_integers_come_back_as_python_ints(value):
    """A numpy integer in range is accepted and returned as a plain int of equal value."""
    got = c_int("v", value, -(2**63), UINT64_MAX)
    assert type(got) is int and got == int(value)


def test_numpy_integers_at_the_limits_of_each_type():
    """np.uint8(255), np.uint64(2**64 - 1) pass their type; one past any limit is refused."""
    assert uint8("v", np.uint8(255)) == 255
    assert uint64("v", np.uint64(UINT64_MAX)) == UINT64_MAX
    assert uint32("v", np.int64(UINT32_MAX)) == UINT32_MAX
    assert "v 4294967296 is out of range" in refused(uint32, "v", np.int64(UINT32_MAX + 1))
    assert "v -1 is out of range" in refused(uint64, "v", np.int64(-1))
    assert "v 256 is out of range" in refused(uint8, "v", np.uint16(256))


def test_arithmetic_after_the_check_cannot_overflow():
    """The returned int grows past the numpy type's range instead of wrapping."""
    small = uint16("bufferSize", np.uint16(65535))
    assert small + 1 == 65536 and -(-small // 128) * 128 == 65536
    big = uint64("v", np.uint64(UINT64_MAX))
    assert big + 1 == 1 << 64


@pytest.mark.parametrize(
    "value, shown",
    [
        (True, "True"),
        (False, "False"),
        (np.True_, "np.True_"),
        (1.5, "1.5"),
        (2.0, "2.0"),
        (np.float64(3.0), "np.float64(3.0)"),
        (None, "None"),
        ("8", "'8'"),
        (b"\x08", r"b'\x08'"),
        ([8], "[8]"),
        (8j, "8j"),
    ],
)
def test_anything_but_an_integer_is_refused(value, shown):
    """bool, float (even 2.0), None, str, bytes, lists, complex: refused, naming the value."""
    message = refused(uint8, "headroom", value)
    assert f"headroom {shown} is not an integer; allowed: 0..255 (uint8_t)" in message


def test_bools_are_refused_even_where_0_and_1_are_allowed():
    """True would be 1 in C; vethlab says it is not an integer."""
    assert c_int("flag", 1, 0, 1) == 1
    assert "not an integer" in refused(c_int, "flag", True, 0, 1)


# -- the check at every boundary: numpy integers cross, bools and floats are refused --------


def refused_naming(call, *args, shown: str, **kwargs) -> None:
    """``call(*args, **kwargs)`` raises kIOReturnBadArgument and its message shows ``shown``."""
    assert shown in refused(call, *args, **kwargs)


def a_pool(**options):
    """A pool of a fresh service: ``Create``'s, or ``CreateWithOptions``' with ``options``."""
    dext = IOService(Mac(segment_size=65536))
    if options:
        return Pool.CreateWithOptions(dext, "p", Options(**options))
    return Pool.Create(dext, "p", 8, 8, 2048)


def test_packet_setters_take_numpy_ints_and_refuse_bools_and_floats():
    """SetHeadroom(np.uint8(8)) works (it was refused); True, 8.0 and 1.5 are refused."""
    packet = a_pool().allocatePacket()
    packet.SetHeadroom(np.uint8(8))
    packet.setDataOffsetAndLength(np.uint16(16), np.uint32(60))
    packet.setLinkHeaderLength(np.int64(14))
    got = (
        packet.GetHeadroom(),
        packet.getDataOffset(),
        packet.getDataLength(),
        packet.getLinkHeaderLength(),
    )
    assert got == (8, 16, 60, 14) and all(type(v) is int for v in got)
    refused_naming(packet.SetHeadroom, True, shown="headroom True is not an integer")
    refused_naming(packet.SetHeadroom, 8.0, shown="headroom 8.0 is not an integer")
    refused_naming(packet.setDataOffset, 1.5, shown="data offset 1.5 is not an integer")
    assert (packet.GetHeadroom(), packet.getDataOffset()) == (8, 16)


def test_pool_create_with_numpy_counts_and_sizes():
    """Create with np.int64 counts and a np.uint16 size gives the same plain-int pool as ints."""
    dext = IOService(Mac(segment_size=65536))
    pool = Pool.Create(dext, "p", np.int64(64), np.int64(64), np.uint16(1600))
    plain = Pool.Create(IOService(Mac(segment_size=65536)), "q", 64, 64, 1600)
    assert pool.layout.summary() == plain.layout.summary()
    assert all(type(v) is int for v in pool.layout.summary().values())
    assert pool.packets[63].buffer_offset == plain.packets[63].buffer_offset == 65536 + 31 * 2048
    refused_naming(
        Pool.Create, dext, "r", 64.0, 64, 2048, shown="packetCount 64.0 is not an integer"
    )
    refused_naming(
        Pool.Create,
        dext,
        "r",
        64,
        64,
        np.uint64(1 << 33),
        shown="bufferSize 8589934592 is out of range; allowed: 0..0xffffffff (uint32_t)",
    )
    refused_naming(
        a_pool,
        packetCount=4,
        bufferCount=4,
        bufferSize=2048,
        poolFlags=True,
        shown="poolFlags True is not an integer",
    )


def test_layout_plan_and_index_take_numpy_ints():
    """PoolLayout.plan and buffer_offset take numpy ints; a float index is refused."""
    layout = PoolLayout.plan(Boot(segment_size=65536), np.uint16(2048), np.int32(8))
    assert type(layout.buffer_size) is int and layout.buffer_offset(np.int64(3)) == 3 * 2048
    refused_naming(layout.buffer_offset, 1.5, shown="buffer index 1.5 is not an integer")
    refused_naming(layout.segment_start, True, shown="segment True is not an integer")


def test_queue_create_and_dequeue_counts():
    """Queue capacity, id and maxDequeueCount accept numpy ints and refuse floats and bools."""
    dext = IOUserNetworkEthernet(Mac())
    dext.Start()
    pool = Pool.Create(dext, "p", 8, 8, 2048)
    queue = IOUserNetworkTxSubmissionQueue.Create(
        pool, dext, np.uint32(4), np.int64(0), dext.CopyDispatchQueue()
    )
    assert type(queue.capacity) is int and queue.capacity == 4
    refused_naming(
        IOUserNetworkTxSubmissionQueue.Create,
        pool,
        dext,
        4.0,
        0,
        dext.CopyDispatchQueue(),
        shown="capacity 4.0 is not an integer",
    )
    refused_naming(queue.DequeuePackets, 1.5, shown="maxDequeueCount 1.5 is not an integer")
    refused_naming(queue.DequeuePackets, -1, shown="maxDequeueCount -1 is out of range")


def test_ethernet_setters_take_numpy_ints():
    """SetMTU, SetTxPacketTailroom and ReportAvailableMediaTypes take numpy ints, refuse floats."""
    dext = IOUserNetworkEthernet(Mac())
    dext.Start()
    dext.max_transfer_unit = 9000
    dext.SetMTU(np.uint32(1500))
    dext.SetTxPacketTailroom(np.uint16(16))
    dext.ReportAvailableMediaTypes([np.uint32(MEDIA_TYPES["Auto"])], np.int64(1))
    assert (dext.mtu, dext.tx_tailroom, dext.media_types) == (1500, 16, (MEDIA_TYPES["Auto"],))
    assert type(dext.mtu) is int and type(dext.media_types[0]) is int
    refused_naming(dext.SetMTU, 1500.0, shown="MTU 1500.0 is not an integer")
    refused_naming(dext.SetTxPacketHeadroom, True, shown="TX headroom True is not an integer")
    refused_naming(
        dext.SetTxPacketHeadroom,
        256,
        shown="TX headroom 256 is out of range; allowed: 0..255 (uint16_t)",
    )


def test_memory_descriptors_refuse_non_integer_offsets_lengths_and_options():
    """SetLength(1.5) is refused (it was accepted); numpy offsets and lengths map as ints."""
    mac = Mac()
    md = IOBufferMemoryDescriptor.Create(np.uint64(3), np.int64(40000), task=mac.task("dext"))
    refused_naming(md.SetLength, 1.5, shown="length 1.5 is not an integer")
    refused_naming(md.SetLength, True, shown="length True is not an integer")
    md.SetLength(np.uint64(10))
    assert md.GetLength() == 10 and type(md.GetLength()) is int
    md.SetLength(40000)
    mapping = md.CreateMapping(np.uint64(0), 0, np.int64(100), np.uint32(200), 0)
    assert (mapping.GetOffset(), mapping.GetLength()) == (100, 200)
    refused_naming(md.CreateMapping, 0, 0, 0.0, shown="offset 0.0 is not an integer")
    refused_naming(md.CreateMapping, None, shown="options None is not an integer")
    refused_naming(
        md.CreateMapping, 1, 1 << 80, shown="address 1208925819614629174706176 is out of range"
    )
    refused_naming(md.Map, 0, 0, 0, 4096.0, shown="alignment 4096.0 is not an integer")
    refused_naming(md.bytes_at, 0, 2.0, shown="size 2.0 is not an integer")
    refused_naming(
        IOBufferMemoryDescriptor.Create,
        0,
        1.5,
        task=mac.task("dext"),
        shown="capacity 1.5 is not an integer",
    )
    refused_naming(
        IOBufferMemoryDescriptor.CreateSubMemoryDescriptor,
        0,
        "0",
        10,
        md,
        shown="offset '0' is not an integer",
    )


def test_task_reads_take_numpy_addresses_and_refuse_float_sizes():
    """A task reads at a numpy address; a float size or a negative address is refused."""
    mac = Mac()
    md = IOBufferMemoryDescriptor.Create(3, 4096, task=mac.task("dext"))
    address = md.GetAddressRange().address
    task = mac.task("dext")
    assert task.read(np.uint64(address), np.int64(4)) == bytes(4)
    refused_naming(task.read, address, 1.5, shown="size 1.5 is not an integer")
    refused_naming(task.read, -1, 1, shown="address -1 is out of range")


def test_boot_segment_size_and_dispatch_source_counts():
    """Boot takes np.int64(65536) as an int and refuses 65536.0; so does a dispatch source."""
    boot = Boot(segment_size=np.int64(65536))
    assert boot.segment_size == 65536 and type(boot.segment_size) is int
    refused_naming(Boot, "intel", 65536.0, shown="segment size 65536.0 is not an integer")
    queue = IODispatchQueue.Create("q", mac=Mac())
    assert IODataQueueDispatchSource.Create(np.uint32(4096), queue) is not None
    refused_naming(
        IODataQueueDispatchSource.Create,
        4096.0,
        queue,
        shown="queueByteCount 4096.0 is not an integer",
    )


class Port:
    """A stand-in notification port that keeps what it is sent."""

    def __init__(self):
        self.messages = []

    def post(self, action, status, values):
        self.messages.append((status, values))


def opened():
    dext = PacketDext(Mac(), buffer_size=2048, packets=8)
    dext.Start()
    app = App(
        dext.mac,
        "app",
        entitlements={"com.apple.developer.driverkit.userclient-access": [dext.bundle_identifier]},
    )
    kr, connect = IOServiceOpen(dext, app, np.uint32(0))
    assert kr == kIOReturnSuccess
    return dext, app, connect


def test_async_completion_sends_numpy_values_as_ints():
    """AsyncCompletion with numpy values, count and status posts plain ints; a bool is refused."""
    _, _, connect = opened()
    port = Port()
    action = OSAction.ForAsyncCall(port, (0,), connect.client)
    values = np.array([1, 2, UINT64_MAX], dtype=np.uint64)
    connect.client.AsyncCompletion(action, np.uint32(kIOReturnSuccess), values, np.int64(3))
    assert port.messages == [(0, (1, 2, UINT64_MAX))]
    assert all(type(v) is int for v in port.messages[0][1]) and type(port.messages[0][0]) is int
    refused_naming(
        connect.client.AsyncCompletion,
        action,
        0,
        [True],
        1,
        shown="asyncData[0] True is not an integer",
    )
    refused_naming(
        connect.client.AsyncCompletion,
        action,
        0,
        [1.0],
        1.0,
        shown="asyncDataCount 1.0 is not an integer",
    )
    refused_naming(
        connect.client.AsyncCompletion, action, -1, [], 0, shown="status -1 is out of range"
    )
    assert len(port.messages) == 1


def test_iokit_calls_take_numpy_ints_and_refuse_bools():
    """A bool or float scalar, selector or count is kIOReturnBadArgument; numpy ones work."""
    _, app, connect = opened()
    assert IOConnectCallScalarMethod(connect, np.uint32(kCompleteFrames), [np.uint64(0)]) == (
        kIOReturnSuccess,
        [],
    )
    assert IOConnectCallScalarMethod(connect, kCompleteFrames, [True]) == (kIOReturnBadArgument, [])
    assert IOConnectCallScalarMethod(connect, kCompleteFrames, [0.0]) == (kIOReturnBadArgument, [])
    assert IOConnectCallScalarMethod(connect, True, [0]) == (kIOReturnBadArgument, [])
    assert IOConnectCallScalarMethod(connect, kCompleteFrames, [0], 1.0) == (
        kIOReturnBadArgument,
        [],
    )
    options = np.uint32(kIOMapAnywhere | kIOMapReadOnly)
    kr, address, size = IOConnectMapMemory64(connect, np.uint32(kPoolMemoryType), app, 0, options)
    assert kr == kIOReturnSuccess and type(address) is int and size > 0
    assert IOConnectMapMemory64(connect, kPoolMemoryType, app, 0, 1.0) == (
        kIOReturnBadArgument,
        0,
        0,
    )
    assert IOServiceOpen(connect.service, app, 0.0) == (kIOReturnBadArgument, None)


def test_scenario_and_wire_helpers_take_numpy_ints():
    """The stack slot's guard, frame lengths, ICMP fields and ping counts: numpy in, floats out."""
    task = Mac().task("dext")
    assert OutputSlot(task, np.int64(64)).guard == 64
    refused_naming(OutputSlot, task, 1.5, shown="guard 1.5 is not an integer")
    assert len(frame_of_length(np.int64(60))) == 60
    refused_naming(frame_of_length, True, shown="frame length True is not an integer")
    assert icmp_echo_request(HOST, APP, np.uint16(1), np.int64(2)) == icmp_echo_request(
        HOST, APP, 1, 2
    )
    refused_naming(icmp_echo_request, HOST, APP, 1.0, 2, shown="ident 1.0 is not an integer")
    refused_naming(run_ping, 2.0, shown="count 2.0 is not an integer")
