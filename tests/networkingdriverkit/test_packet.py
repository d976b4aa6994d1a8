"""IOUserNetworkPacket accessors and setters."""

import pytest

from vethlab.driverkit.service import IOService
from vethlab.ioreturn import IOReturnError, kIOReturnBadArgument
from vethlab.model.memory import Mac
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool as Pool,
    IOUserNetworkPacketBufferPoolOptions as Options,
    PoolFlagMapToDext,
)


def packet(flags=0, quirk=False, size=2048, count=32, index=0):
    pool = Pool.CreateWithOptions(
        IOService(Mac(requested_stride_quirk=quirk, segment_size=65536)),
        "p",
        Options(count, count, size, poolFlags=flags),
    )
    got = [pool.allocatePacket() for _ in range(index + 1)]
    return got[-1]


def test_both_accessor_families_agree():
    """Capitalised and lowercase accessors return the same values."""
    p = packet(index=3)
    p.setDataOffsetAndLength(10, 100)
    assert p.GetDataOffset() == p.getDataOffset() == p.getDataOff() == 10
    assert p.GetDataLength() == p.getDataLength() == 100
    assert p.GetMemorySegmentOffset() == p.getMemorySegmentOffset() == 3 * 2048
    assert p.GetPacketBufferPool() is p.getPacketBufferPool()


def test_virtual_address_is_buffer_base_without_data_offset():
    """getDataVirtualAddress() is the buffer base in the dext mapping; the data offset is not in it."""
    p = packet(PoolFlagMapToDext, index=5)
    p.setDataOffset(8)
    base = p.pool.dext_mapping.GetAddress()
    assert p.getDataVirtualAddress() == base + 5 * 2048
    assert p.getDataVirtualAddress() + p.getDataOffset() == base + p.frame_offset()


def test_without_map_to_dext_address_is_a_pool_offset():
    """Without PoolFlagMapToDext the 'address' is a pool-relative offset (observed 0xa800 for packet 21)."""
    p = packet(index=21)
    assert p.getDataVirtualAddress() == 0xA800


def test_quirk_changes_segment_offset_only():
    """With the reported quirk, the segment offset uses the requested stride; addresses don't."""
    p = packet(PoolFlagMapToDext, quirk=True, size=1600, index=3)
    assert p.GetMemorySegmentOffset() == 3 * 1600
    assert p.getDataVirtualAddress() == p.pool.dext_mapping.GetAddress() + 3 * 2048


def test_fresh_packet_offset_follows_headroom():
    """Setting headroom on an empty packet moves its data offset along; with data it doesn't."""
    p = packet()
    p.SetHeadroom(8)
    assert (p.GetHeadroom(), p.getDataOffset()) == (8, 8)
    p.setDataLength(60)
    p.SetHeadroom(16)
    assert (p.GetHeadroom(), p.getDataOffset()) == (16, 8)


@pytest.mark.parametrize(
    "call,args,fragment",
    [
        ("setDataOffset", (2049,), "does not fit"),
        ("setDataOffset", (-1,), "out of range"),
        ("setDataOffset", (70000,), "allowed: 0..65535"),
        ("setDataLength", (2049,), "does not fit"),
        ("setDataOffsetAndLength", (2000, 100), "2000 + length 100 = 2100"),
        ("SetHeadroom", (256,), "0..255"),
        ("setLinkHeaderLength", (300,), "0..255"),
        ("setDataLength", (1.5,), "data length 1.5 is not an integer"),
    ],
)
def test_setters_refuse_outside_buffer(call, args, fragment):
    """Offsets and lengths outside the buffer are refused and nothing changes."""
    p = packet()
    p.setDataOffsetAndLength(4, 60)
    before = (p.getDataOffset(), p.getDataLength(), p.GetHeadroom(), p.getLinkHeaderLength())
    with pytest.raises(IOReturnError) as info:
        getattr(p, call)(*args)
    assert info.value.code == kIOReturnBadArgument and fragment in str(info.value)
    assert (
        p.getDataOffset(),
        p.getDataLength(),
        p.GetHeadroom(),
        p.getLinkHeaderLength(),
    ) == before


def test_setters_use_the_real_buffer_size():
    """A 1600-requested pool has 2048-byte buffers: a 2000-byte frame fits."""
    p = packet(size=1600)
    p.setDataOffsetAndLength(0, 2048)
    assert p.getDataLength() == 2048
